/**
 * Each store loads only its own database driver: a process that opens a Postgres store never loads
 * better-sqlite3 or sqlite-vec, and a SQLite one never loads pg. Checked in a real child process whose
 * module resolution is logged by a loader hook, so any route to a driver (static or dynamic import,
 * require) shows up.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { repoRoot, tempDir } from './helpers/photos.js';
import { POSTGRES_URL, postgresBackend, SKIP_POSTGRES } from './helpers/store-backends.js';
import type { StoreConfig } from '../src-core/store/store.js';

/** Resolve hook (runs on the loader thread): appends every resolved module URL to the log file. */
const HOOKS = `
import fs from 'node:fs';
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  fs.appendFileSync(log, result.url + '\\n');
  return result;
}
`;

/** Opens the store in a child process, runs one query through it, and returns every module it resolved. */
async function modulesLoadedOpening(location: StoreConfig, dir: string): Promise<string[]> {
  const hooks = path.join(dir, 'hooks.mjs');
  const log = path.join(dir, `modules-${location.kind}.log`);
  fs.writeFileSync(hooks, HOOKS);
  fs.writeFileSync(log, '');
  const openStoreUrl = pathToFileURL(path.join(repoRoot, 'dist', 'src-core', 'store', 'open-store.js')).href;
  const script = `
    import { register } from 'node:module';
    register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { log: ${JSON.stringify(log)} } });
    const { openStore } = await import(${JSON.stringify(openStoreUrl)});
    const store = await openStore(${JSON.stringify(location)});
    const counts = await store.photos.countByState();
    await store.close();
    if (typeof counts.done !== 'number') throw new Error('no answer from the store');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, stderr);
  return fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
}

const loaded = (modules: string[], pkg: string) => modules.some((url) => url.includes(`/node_modules/${pkg}/`) || url === `node:${pkg}`);

describe('store drivers', () => {
  const { dir, cleanup } = tempDir('shoebox-drivers-');
  after(cleanup);

  it('a SQLite store loads better-sqlite3 and sqlite-vec, never pg', async () => {
    const modules = await modulesLoadedOpening({ kind: 'sqlite', sqlitePath: path.join(dir, 'library.sqlite') }, dir);
    // The log sees the drivers at all: otherwise the Postgres check below could not fail.
    assert.ok(loaded(modules, 'better-sqlite3'), 'better-sqlite3 resolved');
    assert.ok(loaded(modules, 'sqlite-vec'), 'sqlite-vec resolved');
    assert.ok(!loaded(modules, 'pg'), `pg resolved:\n${modules.filter((m) => m.includes('/pg/')).join('\n')}`);
  });

  describe('postgres', { skip: SKIP_POSTGRES ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    const backend = postgresBackend();
    let location: StoreConfig;
    before(async () => {
      location = await backend.setup();
    });
    after(() => backend.teardown());

    it(`a Postgres store (${POSTGRES_URL}) never loads better-sqlite3 or sqlite-vec`, async () => {
      const modules = await modulesLoadedOpening(location, dir);
      assert.ok(loaded(modules, 'pg'), 'pg resolved');
      const sqlite = modules.filter((url) => url.includes('better-sqlite3') || url.includes('sqlite-vec') || url.endsWith('/sqlite-db.js'));
      assert.deepEqual(sqlite, []);
    });
  });
});
