import { StoreLocation } from '../../src-shared/store-location.js';
import { runtimeSettings } from '../runtime-settings.js';
import { createLibraryStore } from './library-store.js';
import { applyCoreMigrations } from './migrations.js';
import { EmbeddingsRepo } from './repos/embeddings-repo.js';
import { NAMED_MIGRATIONS } from './schema.js';
import { applyNamedMigrations, type SqlDb } from './sql/sql-db.js';
import type { Store, StoreConfig } from './store.js';

/**
 * Opens the library's store at `location` and brings its schema up to date: the numbered core
 * migrations, then every repository's named ones. Each database's driver is imported only for that
 * database: SQLite users never load `pg`, Postgres users never load better-sqlite3 or sqlite-vec.
 */
export async function openStore(location: StoreConfig): Promise<Store> {
  const parsed = StoreLocation.safeParse(location);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`store location: ${issue.path.join('.') || 'kind'}: ${issue.message}`);
  }
  const where = parsed.data;
  let db: SqlDb;
  if (where.kind === 'sqlite') {
    const { SqliteDb } = await import('./sql/sqlite-db.js');
    // No prebuilt extension for this platform (or SHOEBOX_NO_SQLITE_VEC): similar photos by an exact scan.
    const sqliteVec = runtimeSettings().sqliteVec ? await import('sqlite-vec').catch(() => null) : null;
    db = SqliteDb.open(where.sqlitePath, sqliteVec ? (connection) => sqliteVec.load(connection) : undefined);
  } else {
    const { PostgresDb } = await import('./sql/postgres-db.js');
    db = PostgresDb.open(where.postgresUrl, where.postgresSchema);
  }
  const migrate = () => migrateLibrary(db, where.kind === 'postgres' ? where.postgresSchema : undefined);
  try {
    await migrate();
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return createLibraryStore(db, migrate);
}

/** The numbered core migrations, then every repository's named ones; a no-op when the schema is current. */
async function migrateLibrary(db: SqlDb, postgresSchema: string | undefined): Promise<void> {
  const embeddings = new EmbeddingsRepo(db);
  await applyCoreMigrations(db, {
    postgresSchema,
    afterVersion: async (version, tx) => {
      // Vectors written before migration 3 lived only in photo_results.
      if (version === 3) await embeddings.backfill(tx);
    },
  });
  await applyNamedMigrations(db, NAMED_MIGRATIONS);
}
