/** A person's rotation correction on both stores: none until set, turns compose, deleted with the photo. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import { PhotoRotationError, PhotoRotationsRepo } from '../src-core/store/repos/photo-rotations-repo.js';
import type { Store } from '../src-core/store/store.js';
import { insertPhoto } from './helpers/people-fixtures.js';
import { storeBackends } from './helpers/store-backends.js';

for (const backend of storeBackends()) {
  describe(`photo rotations repository: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let repo: PhotoRotationsRepo;
    before(async () => {
      store = await openStore(await backend.setup());
      repo = new PhotoRotationsRepo(store.sql);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('stores turns relative to the current correction; none until a person turns it', async () => {
      await insertPhoto(store.sql, 'rot-a');
      await insertPhoto(store.sql, 'rot-b');
      assert.equal(await repo.get('rot-a'), null);
      assert.equal(await repo.turn('rot-a', 'right'), 90);
      assert.equal(await repo.turn('rot-a', 'right'), 180);
      assert.equal(await repo.turn('rot-a', '180'), 0);
      assert.equal(await repo.get('rot-a'), 0, 'corrected back to the file: a row at 0, not none');
      assert.equal(await repo.turn('rot-a', 'left'), 270);
      assert.equal(await repo.get('rot-a'), 270);
      assert.equal(await repo.get('rot-b'), null, 'the other photo is untouched');
    });

    it('concurrent turns all count', async () => {
      await insertPhoto(store.sql, 'rot-c');
      await Promise.all([repo.turn('rot-c', 'right'), repo.turn('rot-c', 'right'), repo.turn('rot-c', 'right')]);
      assert.equal(await repo.get('rot-c'), 270);
    });

    it('refuses an unknown photo with its id, and a bad stored value cannot be written', async () => {
      await assert.rejects(repo.turn('no-such-photo', 'left'), (err: unknown) => err instanceof PhotoRotationError && /no photo "no-such-photo"/.test(err.message));
      assert.equal(await repo.get('no-such-photo'), null);
      await assert.rejects(store.sql.run('INSERT INTO photo_rotations (photo_id, rotation, updated_at) VALUES (?, ?, ?)', ['rot-b', 45, 'x']));
    });

    it('goes with the photo', async () => {
      await insertPhoto(store.sql, 'rot-d');
      await repo.turn('rot-d', 'left');
      await store.sql.run('DELETE FROM photos WHERE id = ?', ['rot-d']);
      assert.equal(await repo.get('rot-d'), null);
    });
  });
}
