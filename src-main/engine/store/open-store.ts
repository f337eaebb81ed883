import { NAMED_MIGRATIONS } from '../../../src-core/store/schema.js';
import { applyNamedMigrations } from '../../../src-core/store/sql/sql-db.js';
import type { Store, StoreConfig } from './store.js';

/**
 * SQLite migrations of one file run one at a time in this process. better-sqlite3 waits for a lock
 * synchronously (busy_timeout): a second store of the same file opened at the same moment would block
 * the event loop inside its migrate() while the first holds a named migration's transaction open across
 * awaits, so neither could finish (SQLITE_BUSY after 10 s). Other processes just wait their turn.
 */
const migrating = new Map<string, Promise<void>>();
async function migrateOnce(config: StoreConfig, run: () => Promise<void>): Promise<void> {
  if (config.kind !== 'sqlite' || !config.sqlitePath) return run();
  const key = config.sqlitePath;
  const previous = migrating.get(key) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(run);
  const settled = mine.catch(() => undefined);
  migrating.set(key, settled);
  try {
    await mine;
  } finally {
    if (migrating.get(key) === settled) migrating.delete(key);
  }
}

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
    await migrateOnce(config, async () => {
      await store.migrate();
      await applyNamedMigrations(store.sql, NAMED_MIGRATIONS);
    });
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  return store;
}
