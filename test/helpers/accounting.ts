import assert from 'node:assert/strict';
import type { Store } from '../../src-core/store/store.js';
import { accountLibrary, type LibraryAccounting } from '../../src-core/store/accounting.js';

/**
 * Asserts nothing is stored twice (src-core/store/accounting.ts: live photo per path and per file on
 * disk, one row per photo and stage, no face or object twice, every registered check) and that both the
 * store's own integrity check and the accounting's rules pass. Returns the accounting for more asserts.
 */
export async function assertLibraryAccounted(store: Store): Promise<LibraryAccounting> {
  const accounting = await accountLibrary(store.sql, { files: true });
  assert.deepEqual(accounting.duplicates, [], `stored twice: ${JSON.stringify(accounting.duplicates)}`);
  assert.equal(await store.health.integrityCheck(), 'ok');
  return accounting;
}
