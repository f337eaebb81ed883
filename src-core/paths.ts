import os from 'node:os';
import path from 'node:path';

/**
 * The default library folder: the same folder Electron's `app.getPath('userData')` gives for an app
 * named "Shoebox", so the CLI and the desktop app share one library.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  switch (process.platform) {
    case 'darwin':
      return path.join(home, 'Library', 'Application Support', 'Shoebox');
    case 'win32':
      return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Shoebox');
    default:
      return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Shoebox');
  }
}

/** Every file the engine keeps in a library folder, named in one place. */
export function libraryPaths(dataDir: string) {
  return {
    dataDir,
    sqlite: path.join(dataDir, 'library.sqlite'),
    redisDir: path.join(dataDir, 'redis'),
    cacheDir: path.join(dataDir, 'cache'),
    logsDir: path.join(dataDir, 'logs'),
    /** Written by a running engine: its pid and how to reach its Redis. Mode 0600. */
    engineFile: path.join(dataDir, 'engine.json'),
  };
}
export type LibraryPaths = ReturnType<typeof libraryPaths>;
