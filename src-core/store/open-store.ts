import { StoreLocation } from '../../src-shared/store-location.js';
import { NAMED_MIGRATIONS } from './schema.js';
import { applyNamedMigrations } from './sql/sql-db.js';
import type { Store, StoreConfig } from './store.js';

/**
 * Opens the library's store at `location` and brings its schema up to date. Each database's driver is
 * loaded only for that database: SQLite users never load `pg`, Postgres users never load better-sqlite3
 * or sqlite-vec.
 */
export async function openStore(location: StoreConfig): Promise<Store> {
  const parsed = StoreLocation.safeParse(location);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`store location: ${issue.path.join('.') || 'kind'}: ${issue.message}`);
  }
  const where = parsed.data;
  let store: Store;
  if (where.kind === 'sqlite') {
    const { SqliteStore } = await import('./sqlite-store.js');
    store = new SqliteStore(where.sqlitePath);
  } else {
    const { PostgresStore } = await import('./postgres-store.js');
    store = new PostgresStore(where.postgresUrl, where.postgresSchema);
  }
  try {
    await store.migrate();
    await applyNamedMigrations(store.sql, NAMED_MIGRATIONS);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
