import os from 'node:os';
import path from 'node:path';

/** The app's name on disk: package.json's productName, which Electron uses for `userData`. */
export const APP_NAME = 'Shoebox';

/** Path rules of the OS the folder is for (Windows paths are tested on Linux too). */
const pathFor = (platform: NodeJS.Platform): path.PlatformPath => (platform === 'win32' ? path.win32 : path.posix);

/**
 * The default library folder: the same folder Electron's `app.getPath('userData')` gives for an app
 * whose productName is "Shoebox", so the CLI and the desktop app share one library.
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const p = pathFor(platform);
  switch (platform) {
    case 'darwin':
      return p.join(home, 'Library', 'Application Support', APP_NAME);
    case 'win32':
      return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), APP_NAME);
    default:
      return p.join(env.XDG_CONFIG_HOME || p.join(home, '.config'), APP_NAME);
  }
}

/**
 * Where thumbnails and previews go. Inside the library folder, except for the default library on
 * Windows: %APPDATA% is the roaming profile, copied to the server at every log-off, so gigabytes of
 * regenerable previews go to %LOCALAPPDATA%\Shoebox\cache instead. A library given by --data keeps
 * its cache inside it (a library on a shared mount serves previews to every machine).
 */
export function defaultCacheDir(dataDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: string = os.homedir()): string {
  const p = pathFor(platform);
  if (platform === 'win32' && sameFolder(p, dataDir, defaultDataDir(env, platform, home), true)) {
    return p.join(env.LOCALAPPDATA || p.join(home, 'AppData', 'Local'), APP_NAME, 'cache');
  }
  return p.join(dataDir, 'cache');
}

function sameFolder(p: path.PlatformPath, a: string, b: string, caseInsensitive: boolean): boolean {
  const norm = (s: string) => (caseInsensitive ? p.resolve(s).toLowerCase() : p.resolve(s));
  return norm(a) === norm(b);
}

/** Every file the engine keeps for a library, named in one place. */
export function libraryPaths(dataDir: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform) {
  const p = pathFor(platform);
  return {
    dataDir,
    sqlite: p.join(dataDir, 'library.sqlite'),
    redisDir: p.join(dataDir, 'redis'),
    cacheDir: defaultCacheDir(dataDir, env, platform),
    logsDir: p.join(dataDir, 'logs'),
    /** Written by a running engine: its pid and how to reach its Redis. Mode 0600. */
    engineFile: p.join(dataDir, 'engine.json'),
  };
}
export type LibraryPaths = ReturnType<typeof libraryPaths>;
