/**
 * electron-builder cannot run here (it downloads Electron), so this checks its configuration
 * against what the code loads: every module the Electron main, the preload and the workers import
 * is packed; every production package is a dependency; native files sit outside app.asar; the
 * resources the layout module names are copied there; deb keeps electron-builder's default
 * dependencies; the redis-server script writes where the config reads.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { load } from 'js-yaml';
import { minimatch } from 'minimatch';
import { builderOs, electronBindingRelative, resolveLayout, sqliteVecRelative } from '../src-main/desktop/layout.js';
import { addonKind } from '../src-main/desktop/native-abi.js';
import { packageRoot } from '../src-main/engine/api/paths.js';

const root = packageRoot();
interface BuilderConfig {
  electronVersion?: string;
  productName: string;
  npmRebuild?: boolean;
  files: string[];
  asar: boolean;
  asarUnpack: string[];
  extraResources: { from: string; to: string; filter: string[] }[];
  extraMetadata?: { homepage?: string };
  linux: { maintainer?: string };
  deb?: { depends?: string[] };
}
const config = load(fs.readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  productName: string;
  main: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
};

/** electron-builder's `files`: included by a pattern, unless a later "!" pattern excludes it. */
function packed(file: string): boolean {
  let included = false;
  for (const pattern of config.files) {
    if (pattern.startsWith('!')) {
      if (minimatch(file, pattern.slice(1), { dot: true })) included = false;
    } else if (minimatch(file, pattern, { dot: true })) included = true;
  }
  return included;
}
const unpacked = (file: string): boolean => config.asarUnpack.some((pattern) => minimatch(file, pattern, { dot: true }));

/** The TypeScript source a compiled specifier points at: x.js → x.ts, x.cjs → x.cts. */
function sourceOf(fromFile: string, specifier: string): string {
  const resolved = path.resolve(path.dirname(fromFile), specifier);
  for (const candidate of [resolved.replace(/\.js$/, '.ts'), resolved.replace(/\.cjs$/, '.cts'), resolved]) if (fs.existsSync(candidate)) return candidate;
  throw new Error(`${path.relative(root, fromFile)} imports ${specifier}, which does not exist`);
}
/** Where tsc puts a source file: dist/<same path>.js. */
const compiledOf = (source: string): string => path.join('dist', path.relative(root, source)).replace(/\.ts$/, '.js').replace(/\.cts$/, '.cjs').split(path.sep).join('/');

/** Every source file reachable by import from the roots, and every package they import. */
function importGraph(roots: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = roots.map((r) => path.join(root, r));
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const text = fs.readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s+['"]([^'"]+)['"]/g),
      ...text.matchAll(/(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]!);
    // Worker entries named by URL (`new URL('./x-entry.js', import.meta.url)`), templates included.
    for (const m of text.matchAll(/new URL\(\s*`?['"]?(\.{1,2}\/[^'"`$]+)(?:\$\{[^}]*\}[^'"`]*)?`?['"]?\s*,\s*import\.meta\.url/g)) specifiers.push(`${m[1]!}.js`);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(sourceOf(file, specifier));
      else if (!specifier.startsWith('node:') && !builtinModules.includes(specifier)) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
      }
    }
  }
  return { files, packages };
}

/** The production dependency closure, as electron-builder packs it. */
function productionPackages(): Map<string, string> {
  const found = new Map<string, string>();
  // Node's lookup: <dir>/node_modules/<name> from the requiring package up to the project root.
  const visit = (name: string, from: string) => {
    for (let dir = from; dir.startsWith(root); dir = path.dirname(dir)) {
      const candidate = path.join(dir, 'node_modules', name);
      if (path.basename(dir) !== 'node_modules' && fs.existsSync(path.join(candidate, 'package.json'))) {
        if (found.has(candidate)) return;
        found.set(candidate, name);
        const meta = JSON.parse(fs.readFileSync(path.join(candidate, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> };
        for (const dep of Object.keys({ ...meta.dependencies, ...meta.optionalDependencies })) visit(dep, candidate);
        return;
      }
      if (dir === root) return; // an optional dependency for another platform: not installed
    }
  };
  for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(name, root);
  return found;
}

function filesUnder(dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) filesUnder(full, out);
    else out.push(full);
  }
  return out;
}

describe('electron-builder configuration', () => {
  it('names the app as package.json does; Electron and the builder are build tools, not dependencies', () => {
    assert.equal(config.productName, 'Shoebox');
    assert.equal(pkg.productName, config.productName);
    for (const tool of ['electron-builder', '@electron/rebuild']) {
      assert.ok(pkg.devDependencies[tool], `${tool} in devDependencies`);
      assert.equal(pkg.dependencies[tool], undefined, `${tool} not in dependencies`);
      assert.equal(pkg.optionalDependencies?.[tool], undefined, `${tool} not in optionalDependencies`);
    }
    // Electron is optional so that `npm ci` works offline (its binary download may fail without failing the
    // install); electron-builder then takes its version from the config and must not pack it into the app.
    assert.equal(pkg.dependencies['electron'], undefined, 'electron not in dependencies');
    assert.ok(pkg.optionalDependencies?.['electron'], 'electron in optionalDependencies');
    assert.equal(config.electronVersion, (pkg.optionalDependencies['electron'] as string).replace(/^[\^~]/, ''), 'electronVersion pinned to the installed range');
    assert.ok((config.files as string[]).includes('!node_modules/electron/**'), 'the Electron package is not packed into the app');
    assert.equal(pkg.main, compiledOf(path.join(root, 'src-main/electron/main.ts')));
    assert.equal(config.npmRebuild, false, 'an in-place rebuild for Electron would break the Node CLI and tests');
  });

  it('packs every module the Electron main, the preload and the workers import, and every package they use is a dependency', () => {
    const graph = importGraph(['src-main/electron/main.ts', 'src-main/electron/preload.cts', 'src-worker/main.ts']);
    assert.ok(graph.files.size > 40, `walked ${graph.files.size} files`);
    assert.ok([...graph.files].some((f) => f.endsWith('object-detector-thread-entry.ts')), 'worker-thread entries are followed');
    const notPacked = [...graph.files].map(compiledOf).filter((file) => !packed(file));
    assert.deepEqual(notPacked, []);
    assert.ok(packed('package.json'));
    assert.ok(!packed('dist/test/desktop-packaging.test.js') && !packed('dist/src-main/electron/main.js.map'));
    const runtimeProvided = new Set(['electron']);
    const missing = [...graph.packages].filter((name) => !runtimeProvided.has(name) && !pkg.dependencies[name]);
    assert.deepEqual(missing, [], 'imported at run time but not a production dependency (electron-builder leaves devDependencies out)');
    assert.ok(graph.packages.has('electron-log') && graph.packages.has('better-sqlite3') && graph.packages.has('sqlite-vec'));
  });

  it('packs the renderer and the tray icons the shell loads', () => {
    assert.ok(packed('dist/renderer/index.html') && packed('dist/renderer/assets/index-abc.js'));
    const layout = resolveLayout({ isPackaged: false, platform: 'linux', arch: 'x64', resourcesPath: '/r', appPath: '/app', nodeAbi: '145', env: {}, home: '/h' });
    assert.equal(path.posix.relative('/app', layout.rendererDir), 'dist/renderer');
    const main = fs.readFileSync(path.join(root, 'src-main/electron/main.ts'), 'utf8');
    const icons = [...main.matchAll(/'([a-z-]+\.png)'/g)].map((m) => m[1]!);
    assert.ok(icons.length >= 4, icons.join());
    const assets = config.extraResources.find((r) => r.to === 'assets')!;
    for (const icon of icons) {
      assert.ok(fs.existsSync(path.join(root, assets.from, icon)), `assets/${icon} exists`);
      assert.ok(assets.filter.some((f) => minimatch(icon, f)), `${icon} is copied`);
    }
  });

  it('keeps every native file out of app.asar: add-ons, sqlite-vec, the Electron build of better-sqlite3', () => {
    const nativePackages = [...productionPackages()].filter(([dir]) => filesUnder(dir).some((f) => f.endsWith('.node') || path.basename(f) === 'binding.gyp'));
    assert.ok(nativePackages.length >= 4, nativePackages.map(([, n]) => n).join());
    for (const [dir, name] of nativePackages) {
      const relative = path.relative(root, dir).split(path.sep).join('/');
      assert.ok(unpacked(`${relative}/package.json`), `${name} (${relative}) must be in asarUnpack`);
      assert.ok(packed(`${relative}/package.json`) || !relative.startsWith('dist'), `${name} is packed`);
    }
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      assert.ok(unpacked(sqliteVecRelative(platform, 'x64').join('/')), `sqlite-vec for ${platform}`);
      const binding = electronBindingRelative('145', platform, 'x64').join('/');
      assert.ok(packed(binding) && unpacked(binding), `${binding} packed and unpacked`);
    }
    // Which add-ons are ABI-bound (need an Electron build) and which are Node-API (load anywhere): measured.
    const abiBound = nativePackages
      .flatMap(([dir, name]) => filesUnder(dir).filter((f) => f.endsWith('.node') && !f.includes(`${path.sep}obj.target${path.sep}`)).map((f) => ({ name, kind: addonKind(fs.readFileSync(f)) })))
      .filter((a) => a.kind.kind === 'abi')
      .map((a) => a.name);
    assert.deepEqual([...new Set(abiBound)], ['better-sqlite3'], 'only better-sqlite3 needs a build per runtime');
  });

  it('copies the resources the layout names to resources/: models, redis-server, assets', () => {
    const facts = { isPackaged: true, platform: process.platform, arch: process.arch, resourcesPath: '/res', appPath: '/res/app.asar', nodeAbi: '145', env: {}, home: '/h' };
    const layout = resolveLayout({ ...facts, platform: 'linux' });
    const targetOf = (to: string) => config.extraResources.find((r) => r.to === to);
    assert.equal(path.posix.relative('/res', layout.modelsDir), targetOf('models')?.to);
    assert.equal(path.posix.relative('/res', layout.assetsDir), targetOf('assets')?.to);
    assert.equal(path.posix.dirname(path.posix.relative('/res', layout.redisServer!)), targetOf('redis')?.to);
    assert.ok(fs.existsSync(path.join(root, targetOf('models')!.from, 'manifest.json')));
    const win = resolveLayout({ ...facts, platform: 'win32', resourcesPath: 'C:\\res', appPath: 'C:\\res\\app.asar' });
    assert.ok(targetOf('redis')!.filter.some((f) => minimatch(path.win32.basename(win.redisServer!), f)), 'redis-server.exe is copied');
  });

  it('the redis-server script writes where extraResources reads, a server BullMQ accepts', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-vendor-'));
    try {
      const run = spawnSync(process.execPath, [path.join(root, 'scripts/fetch-redis.mjs'), '--system', '--out', out], { encoding: 'utf8' });
      assert.equal(run.status, 0, run.stderr);
      const redis = config.extraResources.find((r) => r.to === 'redis')!;
      const from = redis.from.replace('${os}', builderOs(process.platform)).replace('${arch}', process.arch).replace(/^vendor\//, '');
      const binary = path.join(out, from, process.platform === 'win32' ? 'redis-server.exe' : 'redis-server');
      assert.ok(fs.existsSync(binary), `${binary} written`);
      assert.ok(redis.filter.some((f) => minimatch(path.basename(binary), f)));
      assert.match(fs.readFileSync(path.join(path.dirname(binary), 'SOURCE.txt'), 'utf8'), /version: (\d+)\.(\d+)/);
      const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout;
      const [major, minor] = /v=(\d+)\.(\d+)/.exec(version)!.slice(1).map(Number) as [number, number];
      assert.ok(major > 6 || (major === 6 && minor >= 2), version);
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('deb keeps electron-builder’s default dependencies, and has what deb needs to build', () => {
    const fpm = fs.readFileSync(path.join(root, 'node_modules/app-builder-lib/out/targets/FpmTarget.js'), 'utf8');
    const defaults = JSON.parse(/case "deb":\s*return (\[[^\]]*\])/.exec(fpm)![1]!) as string[];
    assert.ok(defaults.includes('libgtk-3-0') && defaults.includes('libnotify4') && defaults.includes('libsecret-1-0'), defaults.join());
    const depends = config.deb?.depends;
    if (depends) for (const dep of defaults) assert.ok(depends.includes(dep), `deb.depends drops ${dep}`);
    assert.ok(config.extraMetadata?.homepage, 'deb needs a homepage');
    assert.match(config.linux.maintainer ?? '', /<[^>]+@[^>]+>/, 'deb needs a maintainer with an e-mail address');
  });
});
