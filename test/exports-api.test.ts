/**
 * The export calls of the API (issue 16) through the real dispatcher over a real engine (its redis,
 * a forked CPU worker, SQLite): create queues the export and it finishes; pause / resume / cancel;
 * list and get; the refusals (relative or unusable target folder, unknown template token, unknown id).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readdirSync, realpathSync, renameSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dispatch } from '../src-main/engine/api/dispatch.js';
import { createHandlers } from '../src-main/engine/api/handlers.js';
import { LibraryOperations } from '../src-main/engine/operations.js';
import type { Engine } from '../src-main/engine/engine.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

describe('export API', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let engine: Engine;
  let handlers: ReturnType<typeof createHandlers>;
  const opened: string[] = [];
  const call = async <T = Record<string, unknown>>(method: string, input: unknown): Promise<{ ok: boolean; result?: T; error?: { code: string; message: string } }> =>
    (await dispatch(handlers, method, input)) as never;

  before(async () => {
    dataDir = makeTempDir('export-api');
    engine = await startTestEngine(dataDir, { mlWorkers: 0 });
    handlers = createHandlers(engine, new LibraryOperations(engine.store, engine.lanes, dataDir, null), undefined, {
      // The folder the person would see open (the platform opener itself is covered in export-eta.test.ts).
      openFolder: async (folder) => {
        opened.push(folder);
      },
    });
    const dir = path.join(dataDir, 'photos');
    mkdirSync(dir);
    await engine.store.ingests.create('ing', [dir]);
    const names = ['DSCN0010.jpg', 'DSCN0012.jpg', 'DSCN0021.jpg'];
    for (const n of names) copyFileSync(path.join(photosDir, 'jpg', 'gps', n), path.join(dir, n));
    await engine.store.ingests.registerFiles('ing', names.map((n, i) => ({ kind: 'new' as const, photoId: `p${i}`, path: path.join(dir, n), size: 1, mtimeMs: 1 })));
  });
  after(async () => {
    await engine?.stop({ force: true }).catch(() => undefined);
    removeDir(dataDir);
  });

  it('creates and runs an export; lists and gets it', async () => {
    const target = path.join(dataDir, 'out');
    const created = await call<{ id: string; total: number }>('exports.create', { photoIds: ['p0', 'p1', 'p2'], targetDir: target, options: { longEdge: 200, format: 'webp' } });
    assert.equal(created.ok, true, JSON.stringify(created.error));
    const id = created.result!.id;
    await waitFor(async () => (await call<{ state: string }>('exports.get', { id })).result?.state === 'done', 120_000, 'the export to finish');
    assert.deepEqual(readdirSync(target).sort(), ['DSCN0010.webp', 'DSCN0012.webp', 'DSCN0021.webp']);
    const list = await call<{ exports: Array<{ id: string; done: number }> }>('exports.list', {});
    assert.deepEqual(list.result!.exports.map((e) => [e.id, e.done]), [[id, 3]]);
    const open = await call<{ folder: string }>('exports.openFolder', { id });
    assert.equal(open.ok, true, JSON.stringify(open.error));
    assert.deepEqual(opened, [realpathSync(target)]);
  });

  it('opens only an export\'s own folder, by its id: no path can be asked for; a swapped folder is refused', async () => {
    opened.length = 0;
    const byPath = await call('exports.openFolder', { id: '/etc' });
    assert.deepEqual([byPath.ok, byPath.error?.code], [false, 'bad-request']);
    const extra = await call('exports.openFolder', { id: '00000000-0000-4000-8000-000000000000', path: '/etc' });
    assert.deepEqual([extra.ok, extra.error?.code], [false, 'bad-request']);
    const unknown = await call('exports.openFolder', { id: '00000000-0000-4000-8000-000000000000' });
    assert.deepEqual([unknown.ok, unknown.error?.code], [false, 'not-found']);
    // A finished export's folder replaced by a symlink to somewhere else is not opened.
    const target = path.join(dataDir, 'out-swapped');
    const created = await call<{ id: string }>('exports.create', { photoIds: ['p0'], targetDir: target, options: { longEdge: 64 } });
    const id = created.result!.id;
    await waitFor(async () => (await call<{ state: string }>('exports.get', { id })).result?.state === 'done', 120_000, 'the export to finish');
    renameSync(target, `${target}-moved`);
    symlinkSync('/etc', target);
    const swapped = await call('exports.openFolder', { id });
    assert.deepEqual([swapped.ok, swapped.error?.code], [false, 'conflict']);
    assert.match(swapped.error!.message, /now leads to \/etc: not opened/);
    assert.deepEqual(opened, [], 'nothing was opened');
  });

  it('pauses (nothing is written while paused), resumes to the end, cancels', async () => {
    const target = path.join(dataDir, 'out-2');
    const created = await call<{ id: string }>('exports.create', { photoIds: ['p0', 'p1'], targetDir: target, options: {} });
    const id = created.result!.id;
    const paused = await call<{ state: string }>('exports.pause', { id });
    assert.equal(paused.result!.state, 'paused');
    await waitFor(async () => (await engine.lanes.counts()).maintenance.prioritized + (await engine.lanes.counts()).maintenance.active === 0, 60_000, 'the paused export\'s jobs to drain');
    const mid = await call<{ state: string; done: number }>('exports.get', { id });
    const writtenWhilePaused = readdirSync(target).length;
    assert.equal(writtenWhilePaused, mid.result!.done, 'only what finished before the pause is there');
    const resumed = await call<{ state: string }>('exports.resume', { id });
    assert.equal(resumed.result!.state, 'running');
    await waitFor(async () => (await call<{ state: string }>('exports.get', { id })).result?.state === 'done', 120_000, 'the resumed export to finish');
    assert.equal(readdirSync(target).length, 2);
    const cancelled = await call<{ state: string }>('exports.cancel', { id });
    assert.equal(cancelled.result!.state, 'done', 'a finished export stays done');
  });

  it('refuses bad requests with their reasons', async () => {
    const relative = await call('exports.create', { photoIds: ['p0'], targetDir: 'relative/out', options: {} });
    assert.deepEqual([relative.ok, relative.error?.code], [false, 'bad-request']);
    assert.match(relative.error!.message, /absolute/);
    const token = await call('exports.create', { photoIds: ['p0'], targetDir: path.join(dataDir, 'x'), options: { nameTemplate: '{nope}' } });
    assert.match(token.error!.message, /unknown name template token/);
    const quality = await call('exports.create', { photoIds: ['p0'], targetDir: path.join(dataDir, 'x'), options: { quality: 101 } });
    assert.equal(quality.error?.code, 'bad-request');
    const unknown = await call('exports.get', { id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.error?.code, 'not-found');
  });
});
