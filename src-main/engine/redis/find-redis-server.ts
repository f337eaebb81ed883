import fs from 'node:fs';
import path from 'node:path';

export class RedisServerNotFound extends Error {
  override name = 'RedisServerNotFound';
}

const INSTALL_HINT = [
  'Shoebox needs redis-server (Redis 6.2 or newer) and could not find it.',
  'Install it:  Debian/Ubuntu: sudo apt-get install redis-server   macOS: brew install redis',
  '             Windows: use the packaged app, which bundles it, or set SHOEBOX_REDIS_SERVER.',
  'Or point SHOEBOX_REDIS_SERVER at a redis-server binary.',
].join('\n');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Folders searched after PATH: an app started from Finder or the Dock gets launchd's PATH
 * (/usr/bin:/bin:/usr/sbin:/sbin), which has neither Homebrew prefix nor MacPorts.
 */
export function wellKnownDirs(platform: NodeJS.Platform = process.platform): string[] {
  return platform === 'darwin' ? ['/opt/homebrew/bin', '/usr/local/bin', '/opt/local/bin'] : [];
}

/**
 * Finds the redis-server binary: the SHOEBOX_REDIS_SERVER override (the desktop app sets it to its
 * packaged copy), then the copy packaged with the app (electron-builder's extraResources), then
 * PATH, then the package managers' folders a GUI-launched app does not have in PATH.
 */
export function findRedisServer(override: string | null, env: NodeJS.ProcessEnv = process.env): string {
  const exe = process.platform === 'win32' ? 'redis-server.exe' : 'redis-server';
  if (override) {
    if (isExecutable(override)) return override;
    throw new RedisServerNotFound(`SHOEBOX_REDIS_SERVER points at "${override}", which is not an executable file.\n${INSTALL_HINT}`);
  }
  // Set by Electron in a packaged app; absent in plain Node.
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) {
    const packaged = path.join(resourcesPath, 'redis', exe);
    if (isExecutable(packaged)) return packaged;
  }
  for (const dir of [...(env.PATH ?? '').split(path.delimiter), ...wellKnownDirs()]) {
    if (!dir) continue;
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) return candidate;
  }
  throw new RedisServerNotFound(INSTALL_HINT);
}
