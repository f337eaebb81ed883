import path from 'node:path';
import { defaultCacheDir, defaultDataDir } from '../../src-core/paths.js';

/**
 * Where the desktop app finds what it ships and where it keeps what it writes, from facts Electron
 * gives (app.isPackaged, process.resourcesPath, app.getAppPath()) and the environment. Pure: the
 * Electron main calls it once and hands the answers to the engine; tests call it with each OS's
 * path rules.
 *
 * Packaged (electron-builder, see electron-builder.yml):
 *   <resources>/app.asar                 the code (JavaScript only; nothing native can load from it)
 *   <resources>/app.asar.unpacked/…      asarUnpack: native modules, sqlite-vec, the Electron build of better-sqlite3
 *   <resources>/models/                  extraResources: the ONNX models
 *   <resources>/redis/redis-server[.exe] extraResources: the bundled Redis (scripts/fetch-redis.mjs)
 *   <resources>/assets/                  extraResources: tray icons
 * From a checkout (`npm start`): the same names under the repository.
 */
export interface LayoutFacts {
  isPackaged: boolean;
  platform: NodeJS.Platform;
  arch: string;
  /** process.resourcesPath. */
  resourcesPath: string;
  /** app.getAppPath(): `<resources>/app.asar` when packaged, the checkout (the folder of package.json) otherwise. */
  appPath: string;
  /** process.versions.modules under Electron: the ABI the Electron build of better-sqlite3 is made for. */
  nodeAbi: string;
  env: NodeJS.ProcessEnv;
  home: string;
}

export interface DesktopLayout {
  /** The library: the CLI's default folder, so both open one library (SHOEBOX_DATA moves it). */
  dataDir: string;
  /** Chromium's own files (its Cache/, GPUCache/, Local Storage/): app.setPath('sessionData'), kept apart from the engine's cache/. */
  chromiumDir: string;
  /** The engine's thumbnails and previews (local, not roaming, on Windows). */
  cacheDir: string;
  logsDir: string;
  /** SHOEBOX_MODELS_DIR for the ML workers. */
  modelsDir: string;
  /** The redis-server to run, or null: the engine looks on PATH (and in Homebrew's folders on macOS). */
  redisServer: string | null;
  /** sqlite-vec's loadable extension, outside app.asar (SQLite dlopens it by path). */
  sqliteVec: string;
  /** better-sqlite3 built for Electron's ABI (the one in node_modules is built for Node, for the CLI and tests). */
  sqliteBinding: string;
  /** The built renderer (read through Electron's asar support, so it may stay in app.asar). */
  rendererDir: string;
  assetsDir: string;
}

/** How electron-builder's `${os}` macro names platforms: vendor/redis/<os>-<arch>/. */
export function builderOs(platform: NodeJS.Platform): 'mac' | 'win' | 'linux' {
  return platform === 'darwin' ? 'mac' : platform === 'win32' ? 'win' : 'linux';
}

export function redisExecutable(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'redis-server.exe' : 'redis-server';
}

/** The package sqlite-vec loads its extension from (the same rule as sqlite-vec's getLoadablePath()). */
export function sqliteVecRelative(platform: NodeJS.Platform, arch: string): string[] {
  const os = platform === 'win32' ? 'windows' : platform;
  const ext = platform === 'win32' ? 'dll' : platform === 'darwin' ? 'dylib' : 'so';
  return ['node_modules', `sqlite-vec-${os}-${arch}`, `vec0.${ext}`];
}

/** Where scripts/build-native-electron.mjs puts better-sqlite3 built for Electron, relative to the app. */
export function electronBindingRelative(nodeAbi: string, platform: NodeJS.Platform, arch: string): string[] {
  return ['native', `electron-v${nodeAbi}-${platform}-${arch}`, 'better_sqlite3.node'];
}

/**
 * A path inside app.asar as it lies on disk: `…/app.asar/x` → `…/app.asar.unpacked/x`. Files listed
 * in asarUnpack are there; code that hands a path to the OS (dlopen, spawn) must use this one.
 */
export function unpackedPath(file: string, platform: NodeJS.Platform): string {
  const sep = platform === 'win32' ? '[\\\\/]' : '/';
  return file.replace(new RegExp(`(${sep})app\\.asar(${sep}|$)`), '$1app.asar.unpacked$2');
}

export function resolveLayout(facts: LayoutFacts): DesktopLayout {
  const p = facts.platform === 'win32' ? path.win32 : path.posix;
  const { env } = facts;
  const fromEnv = (name: string): string | null => (env[name] ? p.resolve(env[name]!) : null);
  const inApp = (...parts: string[]) => p.join(facts.appPath, ...parts);
  const onDisk = (file: string) => (facts.isPackaged ? unpackedPath(file, facts.platform) : file);

  const dataDir = fromEnv('SHOEBOX_DATA') ?? defaultDataDir(env, facts.platform, facts.home);
  return {
    dataDir,
    chromiumDir: p.join(dataDir, 'chromium'),
    cacheDir: defaultCacheDir(dataDir, env, facts.platform, facts.home),
    logsDir: p.join(dataDir, 'logs'),
    modelsDir: fromEnv('SHOEBOX_MODELS_DIR') ?? (facts.isPackaged ? p.join(facts.resourcesPath, 'models') : inApp('models')),
    redisServer:
      fromEnv('SHOEBOX_REDIS_SERVER') ?? (facts.isPackaged ? p.join(facts.resourcesPath, 'redis', redisExecutable(facts.platform)) : null),
    sqliteVec: fromEnv('SHOEBOX_SQLITE_VEC_PATH') ?? onDisk(inApp(...sqliteVecRelative(facts.platform, facts.arch))),
    sqliteBinding: fromEnv('SHOEBOX_SQLITE_BINDING') ?? onDisk(inApp(...electronBindingRelative(facts.nodeAbi, facts.platform, facts.arch))),
    rendererDir: inApp('dist', 'renderer'),
    assetsDir: facts.isPackaged ? p.join(facts.resourcesPath, 'assets') : inApp('assets'),
  };
}

/**
 * The environment the engine and its worker processes (forked from the Electron main, so they
 * inherit it) read their paths from. What the person set wins; the layout fills in the rest.
 */
export function engineEnvironment(layout: DesktopLayout): Record<string, string> {
  const env: Record<string, string> = {
    SHOEBOX_MODELS_DIR: layout.modelsDir,
    SHOEBOX_SQLITE_VEC_PATH: layout.sqliteVec,
    SHOEBOX_SQLITE_BINDING: layout.sqliteBinding,
  };
  if (layout.redisServer) env.SHOEBOX_REDIS_SERVER = layout.redisServer;
  return env;
}

/**
 * What the app needs on disk before the engine can start, each missing one named with how to get
 * it; empty when all is there. Shown as the start failure instead of an obscure error later
 * (a worker that cannot load a model, a store that cannot open).
 */
export function missingFiles(layout: DesktopLayout, isPackaged: boolean, exists: (file: string) => boolean): string[] {
  const missing: string[] = [];
  if (!exists(layout.sqliteBinding)) {
    missing.push(
      `better-sqlite3 built for Electron is missing at ${layout.sqliteBinding}` +
        (isPackaged ? ' (the package is incomplete: reinstall Shoebox)' : ': run "npm run desktop:native" once (see README, Desktop app)'),
    );
  }
  if (!exists(layout.sqliteVec)) missing.push(`sqlite-vec's extension is missing at ${layout.sqliteVec}`);
  const manifest = path.join(layout.modelsDir, 'manifest.json');
  if (!exists(manifest)) missing.push(`the model manifest is missing at ${manifest}`);
  if (layout.redisServer && !exists(layout.redisServer)) {
    missing.push(`redis-server is missing at ${layout.redisServer}` + (isPackaged ? ' (the package is incomplete: reinstall Shoebox)' : ''));
  }
  return missing;
}
