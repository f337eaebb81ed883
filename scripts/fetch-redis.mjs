// Puts the redis-server the desktop app ships into vendor/redis/<os>-<arch>/ (electron-builder's
// extraResources copies it to resources/redis/). See README, "Desktop app", for why this server.
//
//   npm run desktop:redis                      # download the pinned Valkey source, build it here
//   npm run desktop:redis -- --source DIR      # build an already unpacked Valkey/Redis source tree
//   npm run desktop:redis -- --tarball FILE    # build from a source tarball on disk
//   npm run desktop:redis -- --system          # copy this machine's redis-server (a dev build only:
//                                              # it links the system's libraries, not portable)
//   … --out DIR                                # write DIR/redis/<os>-<arch>/ instead of vendor/
//
// Linux and macOS build with the system compiler; Windows builds inside an MSYS2 shell
// (pacman -S make gcc) and ships msys-2.0.dll beside the server. Needs Redis ≥ 6.2 semantics
// (BullMQ): the result's version is checked before it is copied.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

/** The pinned server: Valkey (BSD-3-Clause), Redis 7.2's open-source continuation, supported by BullMQ. */
const SERVER = {
  name: 'valkey',
  version: '9.0.7',
  url: 'https://github.com/valkey-io/valkey/archive/refs/tags/9.0.7.tar.gz',
  // TODO(release): pin the tarball's sha256 once fetched from a trusted network; until then the
  // script records the digest it saw in SOURCE.txt beside the binary.
  sha256: null,
};
const MIN_VERSION = [6, 2, 0];

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    source: { type: 'string' },
    tarball: { type: 'string' },
    system: { type: 'boolean', default: false },
    arch: { type: 'string', default: process.arch },
    /** Another vendor folder (the packaging test writes to a temp one). */
    out: { type: 'string' },
  },
});
const builderOs = process.platform === 'darwin' ? 'mac' : process.platform === 'win32' ? 'win' : 'linux';
const exe = process.platform === 'win32' ? 'redis-server.exe' : 'redis-server';
const outDir = path.join(values.out ? path.resolve(values.out) : path.join(root, 'vendor'), 'redis', `${builderOs}-${values.arch}`);

function fail(message) {
  console.error(`desktop:redis: ${message}`);
  process.exit(1);
}

/** "Redis server v=7.0.15 …" or "Valkey server v=9.0.7 …" → [7, 0, 15]. */
export function serverVersion(binary) {
  const out = execFileSync(binary, ['--version'], { encoding: 'utf8' });
  const match = /v=(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot read the version of ${binary}: ${out.trim()}`);
  return match.slice(1).map(Number);
}

function atLeast(version, min) {
  for (let i = 0; i < 3; i++) if (version[i] !== min[i]) return version[i] > min[i];
  return true;
}

async function download(url, file) {
  console.log(`downloading ${url}…`);
  const response = await fetch(url).catch((error) => fail(`cannot download ${url}: ${error.cause?.message ?? error.message}`));
  if (!response.ok) fail(`cannot download ${url}: HTTP ${response.status}`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

function unpack(tarball, into) {
  fs.mkdirSync(into, { recursive: true });
  const result = spawnSync('tar', ['-xzf', tarball, '-C', into, '--strip-components=1'], { stdio: 'inherit' });
  if (result.status !== 0) fail(`cannot unpack ${tarball}`);
}

function build(sourceDir) {
  // No TLS (the server listens on a private socket or loopback only), so it links nothing but libc
  // (and the bundled jemalloc on Linux). -j: as many jobs as cores.
  const jobs = String(Math.max(1, os.availableParallelism()));
  console.log(`building in ${sourceDir} (make -j${jobs} BUILD_TLS=no)…`);
  const result = spawnSync('make', [`-j${jobs}`, 'BUILD_TLS=no', 'USE_SYSTEMD=no'], { cwd: sourceDir, stdio: 'inherit' });
  if (result.status !== 0) fail(`make failed in ${sourceDir}`);
  for (const name of ['valkey-server', 'redis-server']) {
    const candidate = path.join(sourceDir, 'src', process.platform === 'win32' ? `${name}.exe` : name);
    if (fs.existsSync(candidate) && !fs.lstatSync(candidate).isSymbolicLink()) return candidate;
  }
  fail(`the build in ${sourceDir} produced no server binary in src/`);
}

function install(binary, provenance) {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const target = path.join(outDir, exe);
  fs.copyFileSync(binary, target);
  fs.chmodSync(target, 0o755);
  // Checked on the copy, under its own name: Debian's redis-server is a multi-call binary that acts by argv[0].
  if (values.arch === process.arch) {
    const version = serverVersion(target);
    if (!atLeast(version, MIN_VERSION)) {
      fs.rmSync(outDir, { recursive: true, force: true });
      fail(`${binary} is version ${version.join('.')}; BullMQ needs ≥ ${MIN_VERSION.join('.')}`);
    }
    provenance.push(`version: ${version.join('.')}`);
  }
  if (process.platform === 'win32') {
    // An MSYS2 build needs its runtime beside it.
    const dll = execFileSync('cygpath', ['-w', '/usr/bin/msys-2.0.dll'], { encoding: 'utf8' }).trim();
    fs.copyFileSync(dll, path.join(outDir, 'msys-2.0.dll'));
  }
  fs.writeFileSync(path.join(outDir, 'SOURCE.txt'), `${provenance.join('\n')}\n`);
  console.log(`wrote ${path.relative(root, target)}\n${provenance.join('\n')}`);
}

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

if (values.system) {
  const found = spawnSync(process.platform === 'win32' ? 'where' : 'which', ['redis-server'], { encoding: 'utf8' }).stdout.trim().split('\n')[0];
  if (!found) fail('no redis-server on PATH');
  console.warn('note: a copied system redis-server links the system libraries; use it for a local build only, not for a release');
  install(fs.realpathSync(found), [`copied from ${found} (not portable: links the system libraries)`]);
} else if (values.source) {
  install(build(path.resolve(values.source)), [`built from ${path.resolve(values.source)}`]);
} else {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-redis-'));
  try {
    let tarball = values.tarball ? path.resolve(values.tarball) : path.join(work, `${SERVER.name}-${SERVER.version}.tar.gz`);
    if (!values.tarball) await download(SERVER.url, tarball);
    const digest = sha256(tarball);
    if (SERVER.sha256 && !values.tarball && digest !== SERVER.sha256) fail(`${SERVER.url} has sha256 ${digest}, expected ${SERVER.sha256}`);
    const sourceDir = path.join(work, 'src');
    unpack(tarball, sourceDir);
    install(build(sourceDir), [`built from ${values.tarball ?? SERVER.url}`, `sha256: ${digest}`]);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
