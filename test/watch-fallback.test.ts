/**
 * The watch-folder fall-back (issue 18): a watcher that fails, or that cannot keep up with the file
 * events, gives way to a periodic scan of the folder, and the store says so (mode `polling` with the
 * reason, which `shoebox watch` lists). Real chokidar on a real folder and a real SQLite store; the
 * failure is injected (a chokidar watcher that reports ENOSPC, what Linux says when inotify watches run
 * out), and the overflow is real: more files written than the watcher's limit. The ingest is recorded,
 * not run: what it does with a folder is the ingest's own tests' business; here the question is what
 * the watcher asks of it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { watch, type ChokidarOptions } from 'chokidar';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { WatchRepo } from '../src-core/store/repos/watch-repo.js';
import { FolderWatcher } from '../src-main/engine/watch/folder-watcher.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';

const quiet = { info: () => undefined, warn: () => undefined };

describe('watch folders fall back to a periodic scan', () => {
  let dir: string;
  let store: Store;
  let repo: WatchRepo;
  before(async () => {
    dir = makeTempDir('watch-fallback');
    store = await openStore({ kind: 'sqlite', sqlitePath: path.join(dir, 'library.db') });
    repo = new WatchRepo(store.sql);
  });
  after(async () => {
    await store.close();
    removeDir(dir);
  });

  it('a watcher that fails: polled, and the store says why', async () => {
    const folder = path.join(dir, 'failing');
    fs.mkdirSync(folder);
    await repo.add(folder);
    const ingested: string[][] = [];
    // A real chokidar watcher whose platform watch fails once it runs.
    const failing = (target: string, options: ChokidarOptions) => {
      const watcher = watch(target, options);
      watcher.once('ready', () => watcher.emit('error', Object.assign(new Error('ENOSPC: System limit for number of file watchers reached'), { code: 'ENOSPC' })));
      return watcher;
    };
    const watcher = new FolderWatcher(repo, async (paths) => void ingested.push(paths), quiet, async (files) => files, { watch: failing, pollMs: 300, reconcileMs: 60_000 });
    try {
      await watcher.start();
      await waitFor(async () => (await repo.list())[0]?.mode === 'polling', 10_000, 'the folder to be marked as polled');
      const [listed] = await repo.list();
      assert.match(listed!.note!, /^the watcher failed \(ENOSPC: System limit for number of file watchers reached\): scanned every 300 ms$/);
      // Scanned at once, then again on every period.
      await waitFor(() => ingested.length >= 3, 10_000, 'periodic scans of the folder');
      assert.ok(ingested.every((paths) => paths.length === 1 && paths[0] === folder), JSON.stringify(ingested));
    } finally {
      await watcher.stop();
      await repo.remove(folder);
    }
    const after = ingested.length;
    await new Promise((resolve) => setTimeout(resolve, 700));
    assert.equal(ingested.length, after, 'no scan once stopped');
  });

  it('a watcher that cannot keep up: polled, with the reason; below the limit files are ingested one by one', async () => {
    const folder = path.join(dir, 'flood');
    fs.mkdirSync(folder);
    await repo.add(folder);
    const ingested: string[][] = [];
    const watcher = new FolderWatcher(repo, async (paths) => void ingested.push(paths), quiet, async (files) => files, {
      debounceMs: 1500,
      burstLimit: 2,
      overflowLimit: 5,
      pollMs: 60_000,
      reconcileMs: 60_000,
    });
    try {
      await watcher.start();
      assert.equal((await repo.list())[0]?.mode, 'events');
      // Two files: under every limit, ingested as files.
      for (const name of ['a.jpg', 'b.jpg']) fs.writeFileSync(path.join(folder, name), `photo ${name}`);
      await waitFor(() => ingested.length === 1, 15_000, 'the two files ingested');
      assert.deepEqual([...ingested[0]!].sort(), [path.join(folder, 'a.jpg'), path.join(folder, 'b.jpg')]);
      // Eight at once: more events than the watcher takes in one quiet period.
      for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(folder, `flood-${i}.jpg`), `photo ${i}`);
      await waitFor(async () => (await repo.list())[0]?.mode === 'polling', 15_000, 'the folder to be marked as polled');
      assert.equal((await repo.list())[0]?.note, 'the watcher cannot keep up (more than 5 file events at once): scanned every 1 min');
      // The folder is scanned as a whole (once now; the period is a minute).
      await waitFor(() => ingested.length === 2, 10_000, 'a scan of the folder');
      assert.deepEqual(ingested[1], [folder]);
    } finally {
      await watcher.stop();
    }
  });
});
