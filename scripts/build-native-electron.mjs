// Builds better-sqlite3 for Electron's ABI next to the Node build, so that `npm start` and the
// packaged app open the library while the CLI and `npm test` keep the Node build in node_modules.
//
//   npm run desktop:native [-- --arch arm64]
//
// @electron/rebuild fetches better-sqlite3's prebuilt binary for this Electron (GitHub releases), or
// compiles it against Electron's headers (electronjs.org/headers; needs a C++ toolchain). It works in
// node_modules/better-sqlite3, so the Node build is saved first and put back afterwards, whatever
// happens. The result goes to native/electron-v<ABI>-<platform>-<arch>/better_sqlite3.node, the
// path src-main/desktop/layout.ts gives the app (packaged: app.asar.unpacked/native/…).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { arch: { type: 'string', default: process.arch } } });
const arch = values.arch;

function fail(message) {
  console.error(`desktop:native: ${message}`);
  process.exit(1);
}

let electronVersion;
try {
  electronVersion = require('electron/package.json').version;
} catch {
  fail('electron is not installed (npm ci installs it; ELECTRON_SKIP_BINARY_DOWNLOAD=1 skips only its binary)');
}
const { addonKind } = await import(path.join(root, 'dist/src-main/desktop/native-abi.js')).catch(() =>
  fail('run "npm run build" first (this script reads the compiled src-main/desktop/native-abi.js)'),
);

const moduleDir = path.join(root, 'node_modules', 'better-sqlite3');
const built = path.join(moduleDir, 'build', 'Release', 'better_sqlite3.node');
if (!fs.existsSync(built)) fail(`${built} is missing: run "npm rebuild better-sqlite3" first`);
const saved = path.join(root, 'native', `.node-build-${process.pid}.node`);
fs.mkdirSync(path.dirname(saved), { recursive: true });
fs.copyFileSync(built, saved);

// node-gyp must fetch Electron's headers: a nodedir from .npmrc or the environment would build
// against this machine's Node instead (a binary for the wrong ABI).
for (const key of Object.keys(process.env)) if (key.toLowerCase() === 'npm_config_nodedir') delete process.env[key];
const expectedAbi = createRequire(require.resolve('@electron/rebuild'))('node-abi').getAbi(electronVersion, 'electron');

let result;
try {
  const { rebuild } = await import('@electron/rebuild');
  console.log(`building better-sqlite3 for Electron ${electronVersion} (${process.platform}-${arch})…`);
  await rebuild({ buildPath: root, electronVersion, arch, onlyModules: ['better-sqlite3'], force: true, mode: 'sequential' });
  const kind = addonKind(fs.readFileSync(built));
  if (kind.kind !== 'abi') throw new Error(`the rebuilt file is not an ABI-specific add-on (${kind.kind})`);
  if (kind.abi !== expectedAbi) throw new Error(`the rebuilt file is for ABI ${kind.abi}, Electron ${electronVersion} needs ${expectedAbi}`);
  result = path.join(root, 'native', `electron-v${kind.abi}-${process.platform}-${arch}`, 'better_sqlite3.node');
  fs.mkdirSync(path.dirname(result), { recursive: true });
  fs.copyFileSync(built, result);
} catch (error) {
  console.error(`desktop:native: could not build better-sqlite3 for Electron ${electronVersion}: ${error?.message ?? error}`);
  console.error('It needs the network (GitHub for the prebuilt binary, or electronjs.org for the headers and a C++ toolchain).');
  process.exitCode = 1;
} finally {
  // The Node build goes back, so the CLI and the tests keep working.
  fs.copyFileSync(saved, built);
  fs.rmSync(saved, { force: true });
}
if (result) console.log(`wrote ${path.relative(root, result)} (the Node build in node_modules is unchanged)`);
