/**
 * The desktop app's packaged layout (src-main/desktop/layout.ts): where models, redis-server,
 * sqlite-vec, the Electron build of better-sqlite3, the library and the caches are, packaged and
 * from a checkout, on each OS's path rules. The last tests check the rules against the real files
 * of this checkout (sqlite-vec's own answer, the models folder the workers read).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as sqliteVec from 'sqlite-vec';
import { engineEnvironment, missingFiles, resolveLayout, unpackedPath, type LayoutFacts } from '../src-main/desktop/layout.js';
import { autostartEntry, autostartFile, isLinuxAutostartOn, setLinuxAutostart } from '../src-main/desktop/login-item.js';
import { addonKind, bindingProblem } from '../src-main/desktop/native-abi.js';
import { packageRoot } from '../src-main/engine/api/paths.js';
import { loadConfig } from '../src-core/config.js';
import { defaultCacheDir, defaultDataDir, libraryPaths } from '../src-core/paths.js';
import { SqliteDb } from '../src-core/store/sql/sqlite-db.js';
import { readRuntimeSettings } from '../src-core/runtime-settings.js';
import { modelsDir } from '../src-worker/ml/models.js';

const linuxPackaged: LayoutFacts = {
  isPackaged: true,
  platform: 'linux',
  arch: 'x64',
  resourcesPath: '/opt/Shoebox/resources',
  appPath: '/opt/Shoebox/resources/app.asar',
  nodeAbi: '145',
  env: {},
  home: '/home/ada',
};
const macPackaged: LayoutFacts = {
  isPackaged: true,
  platform: 'darwin',
  arch: 'arm64',
  resourcesPath: '/Applications/Shoebox.app/Contents/Resources',
  appPath: '/Applications/Shoebox.app/Contents/Resources/app.asar',
  nodeAbi: '145',
  env: {},
  home: '/Users/ada',
};
const winPackaged: LayoutFacts = {
  isPackaged: true,
  platform: 'win32',
  arch: 'x64',
  resourcesPath: 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources',
  appPath: 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources\\app.asar',
  nodeAbi: '145',
  env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' },
  home: 'C:\\Users\\ada',
};

describe('desktop layout: packaged', () => {
  it('Linux: resources beside app.asar, native files in app.asar.unpacked, library in ~/.config/Shoebox', () => {
    const layout = resolveLayout(linuxPackaged);
    assert.deepEqual(layout, {
      dataDir: '/home/ada/.config/Shoebox',
      chromiumDir: '/home/ada/.config/Shoebox/chromium',
      cacheDir: '/home/ada/.config/Shoebox/cache',
      logsDir: '/home/ada/.config/Shoebox/logs',
      modelsDir: '/opt/Shoebox/resources/models',
      redisServer: '/opt/Shoebox/resources/redis/redis-server',
      sqliteVec: '/opt/Shoebox/resources/app.asar.unpacked/node_modules/sqlite-vec-linux-x64/vec0.so',
      sqliteBinding: '/opt/Shoebox/resources/app.asar.unpacked/native/electron-v145-linux-x64/better_sqlite3.node',
      rendererDir: '/opt/Shoebox/resources/app.asar/dist/renderer',
      assetsDir: '/opt/Shoebox/resources/assets',
    });
  });

  it('macOS: Contents/Resources, .dylib, library in Application Support', () => {
    const layout = resolveLayout(macPackaged);
    assert.equal(layout.dataDir, '/Users/ada/Library/Application Support/Shoebox');
    assert.equal(layout.cacheDir, '/Users/ada/Library/Application Support/Shoebox/cache');
    assert.equal(layout.modelsDir, '/Applications/Shoebox.app/Contents/Resources/models');
    assert.equal(layout.redisServer, '/Applications/Shoebox.app/Contents/Resources/redis/redis-server');
    assert.equal(layout.sqliteVec, '/Applications/Shoebox.app/Contents/Resources/app.asar.unpacked/node_modules/sqlite-vec-darwin-arm64/vec0.dylib');
    assert.equal(layout.sqliteBinding, '/Applications/Shoebox.app/Contents/Resources/app.asar.unpacked/native/electron-v145-darwin-arm64/better_sqlite3.node');
  });

  it('Windows: backslashes, redis-server.exe, vec0.dll, library roaming but previews local', () => {
    const layout = resolveLayout(winPackaged);
    assert.equal(layout.dataDir, 'C:\\Users\\ada\\AppData\\Roaming\\Shoebox');
    assert.equal(layout.chromiumDir, 'C:\\Users\\ada\\AppData\\Roaming\\Shoebox\\chromium');
    assert.equal(layout.cacheDir, 'C:\\Users\\ada\\AppData\\Local\\Shoebox\\cache', 'gigabytes of previews stay out of the roaming profile');
    assert.equal(layout.modelsDir, 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources\\models');
    assert.equal(layout.redisServer, 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources\\redis\\redis-server.exe');
    assert.equal(layout.sqliteVec, 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources\\app.asar.unpacked\\node_modules\\sqlite-vec-windows-x64\\vec0.dll');
    assert.equal(layout.sqliteBinding, 'C:\\Users\\ada\\AppData\\Local\\Programs\\Shoebox\\resources\\app.asar.unpacked\\native\\electron-v145-win32-x64\\better_sqlite3.node');
  });

  it('what the person set wins: SHOEBOX_DATA, SHOEBOX_MODELS_DIR, SHOEBOX_REDIS_SERVER', () => {
    const layout = resolveLayout({
      ...linuxPackaged,
      env: { SHOEBOX_DATA: '/srv/photos-lib', SHOEBOX_MODELS_DIR: '/srv/models', SHOEBOX_REDIS_SERVER: '/usr/bin/redis-server' },
    });
    assert.equal(layout.dataDir, '/srv/photos-lib');
    assert.equal(layout.cacheDir, '/srv/photos-lib/cache');
    assert.equal(layout.modelsDir, '/srv/models');
    assert.equal(layout.redisServer, '/usr/bin/redis-server');
    // A library given on Windows keeps its cache inside it (a shared library serves its previews).
    const win = resolveLayout({ ...winPackaged, env: { ...winPackaged.env, SHOEBOX_DATA: 'D:\\Photos\\Library' } });
    assert.equal(win.cacheDir, 'D:\\Photos\\Library\\cache');
  });

  it('the engine environment carries every resolved path to the workers', () => {
    const layout = resolveLayout(linuxPackaged);
    assert.deepEqual(engineEnvironment(layout), {
      SHOEBOX_MODELS_DIR: '/opt/Shoebox/resources/models',
      SHOEBOX_SQLITE_VEC_PATH: layout.sqliteVec,
      SHOEBOX_SQLITE_BINDING: layout.sqliteBinding,
      SHOEBOX_REDIS_SERVER: '/opt/Shoebox/resources/redis/redis-server',
    });
    // From a checkout, redis-server is looked up by the engine (PATH, Homebrew's folders).
    assert.equal(engineEnvironment(resolveLayout({ ...linuxPackaged, isPackaged: false, appPath: '/src/shoebox' })).SHOEBOX_REDIS_SERVER, undefined);
  });
});

describe('desktop layout: from a checkout (npm start)', () => {
  it('everything under the repository, nothing rewritten to app.asar.unpacked', () => {
    const layout = resolveLayout({ ...linuxPackaged, isPackaged: false, resourcesPath: '/src/shoebox/node_modules/electron/dist/resources', appPath: '/src/shoebox' });
    assert.equal(layout.modelsDir, '/src/shoebox/models');
    assert.equal(layout.redisServer, null);
    assert.equal(layout.sqliteVec, '/src/shoebox/node_modules/sqlite-vec-linux-x64/vec0.so');
    assert.equal(layout.sqliteBinding, '/src/shoebox/native/electron-v145-linux-x64/better_sqlite3.node');
    assert.equal(layout.assetsDir, '/src/shoebox/assets');
    assert.equal(layout.rendererDir, '/src/shoebox/dist/renderer');
    const win = resolveLayout({ ...winPackaged, isPackaged: false, appPath: 'C:\\src\\shoebox' });
    assert.equal(win.modelsDir, 'C:\\src\\shoebox\\models');
    assert.equal(win.sqliteVec, 'C:\\src\\shoebox\\node_modules\\sqlite-vec-windows-x64\\vec0.dll');
  });

  it('the rules match this checkout: sqlite-vec’s own path, the workers’ models folder, package.json’s name', () => {
    const root = packageRoot();
    const facts: LayoutFacts = {
      isPackaged: false,
      platform: process.platform,
      arch: process.arch,
      resourcesPath: path.join(root, 'node_modules', 'electron', 'dist', 'resources'),
      appPath: root,
      nodeAbi: process.versions.modules,
      env: {},
      home: os.homedir(),
    };
    const layout = resolveLayout(facts);
    assert.equal(layout.sqliteVec, sqliteVec.getLoadablePath());
    assert.ok(fs.existsSync(layout.sqliteVec));
    const saved = process.env.SHOEBOX_MODELS_DIR;
    delete process.env.SHOEBOX_MODELS_DIR;
    try {
      assert.equal(layout.modelsDir, modelsDir());
    } finally {
      if (saved !== undefined) process.env.SHOEBOX_MODELS_DIR = saved;
    }
    assert.ok(fs.existsSync(path.join(layout.modelsDir, 'manifest.json')));
    // Electron's userData is <appData>/<productName>: the CLI's default folder ends the same way.
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { productName?: string };
    assert.equal(pkg.productName, 'Shoebox');
    assert.equal(path.basename(defaultDataDir({}, process.platform, os.homedir())), pkg.productName);
  });
});

describe('library folder shared by the CLI and the app', () => {
  it('the CLI’s default library is the app’s, on every OS', () => {
    for (const facts of [linuxPackaged, macPackaged, winPackaged]) {
      assert.equal(resolveLayout(facts).dataDir, defaultDataDir(facts.env, facts.platform, facts.home));
      assert.equal(resolveLayout(facts).cacheDir, defaultCacheDir(resolveLayout(facts).dataDir, facts.env, facts.platform, facts.home));
    }
    const xdg = resolveLayout({ ...linuxPackaged, env: { XDG_CONFIG_HOME: '/home/ada/.cfg' } });
    assert.equal(xdg.dataDir, '/home/ada/.cfg/Shoebox');
    // An empty XDG_CONFIG_HOME counts as unset, as in Electron.
    assert.equal(resolveLayout({ ...linuxPackaged, env: { XDG_CONFIG_HOME: '' } }).dataDir, '/home/ada/.config/Shoebox');
  });

  it('the engine cache is not Chromium’s Cache/ on a case-insensitive disk', () => {
    for (const facts of [macPackaged, winPackaged]) {
      const layout = resolveLayout(facts);
      const p = facts.platform === 'win32' ? path.win32 : path.posix;
      // Chromium writes Cache/, GPUCache/, Code Cache/ under sessionData.
      const chromiumCache = p.join(layout.chromiumDir, 'Cache').toLowerCase();
      assert.notEqual(layout.cacheDir.toLowerCase(), chromiumCache);
      assert.ok(!layout.cacheDir.toLowerCase().startsWith(layout.chromiumDir.toLowerCase()));
    }
  });

  it('the engine names the same cache folder as the layout (loadConfig + libraryPaths, as the CLI does)', () => {
    const env = { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming', LOCALAPPDATA: 'C:\\Users\\ada\\AppData\\Local' };
    assert.equal(libraryPaths(defaultDataDir(env, 'win32', 'C:\\Users\\ada'), env, 'win32').cacheDir, resolveLayout(winPackaged).cacheDir);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-layout-'));
    try {
      assert.equal(loadConfig({}, { SHOEBOX_DATA: dataDir }).dataDir, resolveLayout({ ...linuxPackaged, env: { SHOEBOX_DATA: dataDir } }).dataDir);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('unpackedPath', () => {
  it('rewrites the app.asar segment only', () => {
    assert.equal(unpackedPath('/a/resources/app.asar/node_modules/x.node', 'linux'), '/a/resources/app.asar.unpacked/node_modules/x.node');
    assert.equal(unpackedPath('C:\\a\\resources\\app.asar\\x.dll', 'win32'), 'C:\\a\\resources\\app.asar.unpacked\\x.dll');
    assert.equal(unpackedPath('/a/resources/app.asar.unpacked/x.node', 'linux'), '/a/resources/app.asar.unpacked/x.node');
    assert.equal(unpackedPath('/a/my-app.asar/x.node', 'linux'), '/a/my-app.asar/x.node');
    assert.equal(unpackedPath('/src/shoebox/x.node', 'linux'), '/src/shoebox/x.node');
  });
});

describe('what the app checks before starting the engine', () => {
  it('names each missing file and how to get it', () => {
    const root = packageRoot();
    const layout = resolveLayout({ isPackaged: false, platform: process.platform, arch: process.arch, resourcesPath: '/nowhere', appPath: root, nodeAbi: '145', env: {}, home: os.homedir() });
    const missing = missingFiles(layout, false, fs.existsSync);
    // This checkout has sqlite-vec and the models; the Electron build of better-sqlite3 is made by a script.
    assert.equal(missing.length, fs.existsSync(layout.sqliteBinding) ? 0 : 1, missing.join('\n'));
    if (missing.length) assert.match(missing[0]!, /better-sqlite3 built for Electron is missing at .*native.*npm run desktop:native/);
    const packaged = missingFiles(resolveLayout(linuxPackaged), true, () => false);
    assert.equal(packaged.length, 4);
    assert.ok(packaged.every((m) => m.includes('/opt/Shoebox/resources/')), packaged.join('\n'));
    assert.match(packaged.join('\n'), /redis-server is missing at \/opt\/Shoebox\/resources\/redis\/redis-server \(the package is incomplete/);
  });

  it('tells a Node-API add-on from an ABI-bound one, from the real files', () => {
    const root = packageRoot();
    const betterSqlite = path.join(root, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
    assert.deepEqual(addonKind(fs.readFileSync(betterSqlite)), { kind: 'abi', abi: process.versions.modules });
    const sharp = fs.readdirSync(path.join(root, 'node_modules/@img'), { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.node'))!;
    assert.deepEqual(addonKind(fs.readFileSync(path.join(root, 'node_modules/@img', sharp))), { kind: 'napi' });
    assert.equal(bindingProblem(betterSqlite, process.versions.modules, 'Node'), null);
    assert.equal(bindingProblem(betterSqlite, '145', 'Electron 41'), `${betterSqlite} is built for ABI ${process.versions.modules}, but Electron 41 needs ABI 145`);
    assert.match(bindingProblem(path.join(root, 'package.json'), '145', 'Electron')!, /is not a Node add-on/);
    assert.match(bindingProblem(path.join(root, 'nope.node'), '145', 'Electron')!, /cannot be read/);
  });
});

describe('start at login on Linux (XDG autostart)', () => {
  it('writes and removes ~/.config/autostart/shoebox.desktop, starting hidden; an AppImage names its own file', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-autostart-'));
    try {
      const env = {};
      assert.equal(autostartFile(env, home), path.join(home, '.config', 'autostart', 'shoebox.desktop'));
      assert.equal(isLinuxAutostartOn(env, home), false);
      setLinuxAutostart(true, '/opt/Shoebox/shoebox', env, home);
      assert.equal(isLinuxAutostartOn(env, home), true);
      const entry = fs.readFileSync(autostartFile(env, home), 'utf8');
      assert.match(entry, /^\[Desktop Entry\]\nType=Application\n/);
      assert.match(entry, /\nExec=\/opt\/Shoebox\/shoebox --hidden\n/);
      setLinuxAutostart(false, '/opt/Shoebox/shoebox', env, home);
      assert.equal(isLinuxAutostartOn(env, home), false);
      assert.match(autostartEntry('/tmp/.mount_x/shoebox', { APPIMAGE: '/home/ada/Apps/Shoebox 1.0.AppImage' }), /\nExec="\/home\/ada\/Apps\/Shoebox 1\.0\.AppImage" --hidden\n/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('the SQLite store opens the files the app names', () => {
  it('reads SHOEBOX_SQLITE_VEC_PATH and SHOEBOX_SQLITE_BINDING into the checked settings', () => {
    const settings = readRuntimeSettings({ SHOEBOX_SQLITE_VEC_PATH: '/opt/vec0.so', SHOEBOX_SQLITE_BINDING: '/opt/b.node' });
    assert.equal(settings.sqliteVecPath, '/opt/vec0.so');
    assert.equal(settings.sqliteBinding, '/opt/b.node');
  });

  it('loads sqlite-vec from an explicit path, and fails loudly (naming it) when that path does not load', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-vec-'));
    try {
      const ok = SqliteDb.open(path.join(dir, 'a.sqlite'), { vec: sqliteVec.getLoadablePath() });
      assert.equal(ok.vec0, true);
      void ok.close();
      const notAnExtension = path.join(packageRoot(), 'package.json');
      assert.throws(
        () => SqliteDb.open(path.join(dir, 'b.sqlite'), { vec: notAnExtension }),
        (error: Error) => error.message.includes(notAnExtension) && /sqlite-vec could not be loaded/.test(error.message),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads better-sqlite3 from the add-on the app names, and refuses one that is not', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-binding-'));
    try {
      const nodeBuild = path.join(packageRoot(), 'node_modules/better-sqlite3/build/Release/better_sqlite3.node');
      const ok = SqliteDb.open(path.join(dir, 'a.sqlite'), { nativeBinding: nodeBuild });
      void ok.close();
      assert.throws(() => SqliteDb.open(path.join(dir, 'b.sqlite'), { nativeBinding: path.join(dir, 'missing.node') }));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
