/** The watch list on both stores: add (idempotent), list, mode with its reason, remove. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import { WatchRepo } from '../src-core/store/repos/watch-repo.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

for (const backend of storeBackends()) {
  describe(`watch repository: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await backend.setup());
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('keeps the watched folders with how each is watched', async () => {
      const repo = new WatchRepo(store.sql);
      await repo.add('/photos/b', '2026-01-02T00:00:00.000Z');
      await repo.add('/photos/a', '2026-01-01T00:00:00.000Z');
      await repo.add('/photos/a', '2026-03-01T00:00:00.000Z');
      await repo.setMode('/photos/b', 'polling', 'the watcher failed (EMFILE): scanned every 900 s');
      assert.deepEqual(await repo.list(), [
        { path: '/photos/a', addedAt: '2026-01-01T00:00:00.000Z', mode: 'events', note: null },
        { path: '/photos/b', addedAt: '2026-01-02T00:00:00.000Z', mode: 'polling', note: 'the watcher failed (EMFILE): scanned every 900 s' },
      ]);
      assert.equal(await repo.remove('/photos/a'), true);
      assert.equal(await repo.remove('/photos/a'), false);
      assert.deepEqual((await repo.list()).map((w) => w.path), ['/photos/b']);
    });
  });
}
