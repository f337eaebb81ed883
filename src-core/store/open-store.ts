import { NAMED_MIGRATIONS } from './schema.js';
import { applyNamedMigrations } from './sql/sql-db.js';
import type { Store, StoreConfig } from './store.js';

/**
 * Opens the library's store described by the config and brings its schema up to date.
 * `pg` is loaded only for Postgres, so SQLite users never load it.
 */
export async function openStore(config: StoreConfig): Promise<Store> {
  let store: Store;
  if (config.kind === 'sqlite') {
    if (!config.sqlitePath) throw new Error('store config: kind "sqlite" needs sqlitePath');
    const { SqliteStore } = await import('./sqlite-store.js');
    store = new SqliteStore(config.sqlitePath);
  } else if (config.kind === 'postgres') {
    if (!config.postgresUrl) throw new Error('store config: kind "postgres" needs postgresUrl');
    const { PostgresStore } = await import('./postgres-store.js');
    store = new PostgresStore(config.postgresUrl, config.postgresSchema ?? 'shoebox');
  } else {
    throw new Error(`store config: unknown kind "${(config as { kind: unknown }).kind}"`);
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
