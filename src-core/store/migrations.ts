/**
 * Versioned core schema migrations (photos, stages, results, ingests, engine state), for both databases.
 *
 * Each migration has the same version and meaning in SQLite and Postgres; applied versions are
 * recorded in `schema_migrations(version, name, applied_at)`. Never edit a released migration:
 * add a new one with the next version.
 *
 * Conventions: ids and paths are text, timestamps are ISO 8601 strings (text, so both stores sort
 * and return them the same way), mtime and durations are floating point, JSON is stored as text.
 * In Postgres the text keys use the "C" collation so keyset paging orders like SQLite.
 */
import { POSTGRES_SCHEMA_NAME } from '../../src-shared/store-location.js';
import type { SqlDb } from './sql/sql-db.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sqlite: `
      CREATE TABLE ingests (
        id TEXT PRIMARY KEY,
        roots TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );

      CREATE TABLE photos (
        id TEXT PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        size INTEGER NOT NULL,
        mtime_ms REAL NOT NULL,
        content_hash TEXT,
        state TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 0,
        ingest_id TEXT,
        failed_stage TEXT,
        error_code TEXT,
        error TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX photos_state_idx ON photos(state, id);
      CREATE INDEX photos_ingest_idx ON photos(ingest_id);

      CREATE TABLE photo_stages (
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        state TEXT NOT NULL,
        ms REAL,
        error_code TEXT,
        error TEXT,
        note TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, stage)
      );

      CREATE TABLE photo_metadata (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        taken_at TEXT,
        make TEXT,
        model TEXT,
        lens TEXT,
        orientation INTEGER,
        width INTEGER,
        height INTEGER,
        iso REAL,
        exposure_time REAL,
        f_number REAL,
        focal_length REAL,
        gps_lat REAL,
        gps_lon REAL,
        gps_alt REAL,
        rating REAL,
        keywords TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL
      );

      CREATE TABLE photo_derivatives (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        thumbnail_path TEXT NOT NULL,
        preview_path TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        dhash TEXT NOT NULL,
        format TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE photo_results (
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, stage)
      );

      CREATE TABLE ingest_photos (
        ingest_id TEXT NOT NULL REFERENCES ingests(id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        outcome TEXT NOT NULL,
        PRIMARY KEY (ingest_id, photo_id)
      );
      CREATE INDEX ingest_photos_photo_idx ON ingest_photos(photo_id);

      CREATE TABLE pauses (
        scope TEXT PRIMARY KEY,
        by TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );

      CREATE TABLE workers (
        id TEXT PRIMARY KEY,
        worker_class TEXT NOT NULL,
        pid INTEGER,
        state TEXT NOT NULL,
        reason TEXT,
        rss_mb REAL,
        jobs_done INTEGER NOT NULL DEFAULT 0,
        restarts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE ingests (
        id TEXT COLLATE "C" PRIMARY KEY,
        roots TEXT NOT NULL,
        state TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT
      );

      CREATE TABLE photos (
        id TEXT COLLATE "C" PRIMARY KEY,
        path TEXT COLLATE "C" NOT NULL UNIQUE,
        size BIGINT NOT NULL,
        mtime_ms DOUBLE PRECISION NOT NULL,
        content_hash TEXT,
        state TEXT NOT NULL,
        revision INTEGER NOT NULL DEFAULT 0,
        ingest_id TEXT COLLATE "C",
        failed_stage TEXT,
        error_code TEXT,
        error TEXT,
        note TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX photos_state_idx ON photos(state, id);
      CREATE INDEX photos_ingest_idx ON photos(ingest_id);

      CREATE TABLE photo_stages (
        photo_id TEXT COLLATE "C" NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        state TEXT NOT NULL,
        ms DOUBLE PRECISION,
        error_code TEXT,
        error TEXT,
        note TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, stage)
      );

      CREATE TABLE photo_metadata (
        photo_id TEXT COLLATE "C" PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        taken_at TEXT,
        make TEXT,
        model TEXT,
        lens TEXT,
        orientation INTEGER,
        width INTEGER,
        height INTEGER,
        iso DOUBLE PRECISION,
        exposure_time DOUBLE PRECISION,
        f_number DOUBLE PRECISION,
        focal_length DOUBLE PRECISION,
        gps_lat DOUBLE PRECISION,
        gps_lon DOUBLE PRECISION,
        gps_alt DOUBLE PRECISION,
        rating DOUBLE PRECISION,
        keywords TEXT NOT NULL DEFAULT '[]',
        updated_at TEXT NOT NULL
      );

      CREATE TABLE photo_derivatives (
        photo_id TEXT COLLATE "C" PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        thumbnail_path TEXT NOT NULL,
        preview_path TEXT NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        dhash TEXT NOT NULL,
        format TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE photo_results (
        photo_id TEXT COLLATE "C" NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        stage TEXT NOT NULL,
        json TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, stage)
      );

      CREATE TABLE ingest_photos (
        ingest_id TEXT COLLATE "C" NOT NULL REFERENCES ingests(id) ON DELETE CASCADE,
        photo_id TEXT COLLATE "C" NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        outcome TEXT NOT NULL,
        PRIMARY KEY (ingest_id, photo_id)
      );
      CREATE INDEX ingest_photos_photo_idx ON ingest_photos(photo_id);

      CREATE TABLE pauses (
        scope TEXT PRIMARY KEY,
        by TEXT NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );

      CREATE TABLE workers (
        id TEXT COLLATE "C" PRIMARY KEY,
        worker_class TEXT NOT NULL,
        pid INTEGER,
        state TEXT NOT NULL,
        reason TEXT,
        rss_mb DOUBLE PRECISION,
        jobs_done INTEGER NOT NULL DEFAULT 0,
        restarts INTEGER NOT NULL DEFAULT 0,
        updated_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    name: 'skipped paths',
    // "Skip this file from now on": registration leaves these paths alone.
    sqlite: `
      CREATE TABLE skipped_paths (
        path TEXT PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE skipped_paths (
        path TEXT COLLATE "C" PRIMARY KEY,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    name: 'photo embeddings',
    // The `embed` vectors, for store.photos.similar. The revision is the photo's when the vector was
    // written: a vector from an older revision is ignored until the embed stage writes a new one.
    // SQLite keeps a sqlite-vec vec0 index beside it (created when the extension loads, rebuilt
    // from this table when out of step); Postgres has no pgvector here: exact scan over REAL[].
    sqlite: `
      CREATE TABLE photo_embeddings (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector BLOB NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX photo_embeddings_model_idx ON photo_embeddings(model, dims);
    `,
    postgres: `
      CREATE TABLE photo_embeddings (
        photo_id TEXT COLLATE "C" PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector REAL[] NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX photo_embeddings_model_idx ON photo_embeddings(model, dims);
    `,
  },
];

/** The newest schema version this build knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/** Migrations not yet applied, in version order. Throws if the database is newer than this build. */
export function pendingMigrations(applied: Iterable<number>): Migration[] {
  const done = new Set(applied);
  for (const version of done) {
    if (version > LATEST_SCHEMA_VERSION) {
      throw new Error(
        `the library's database is at schema version ${version}, newer than this version of Shoebox knows (${LATEST_SCHEMA_VERSION}); update Shoebox`,
      );
    }
  }
  return [...MIGRATIONS].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}

/**
 * Applies the pending core migrations in one transaction, on either database. Safe with several processes
 * starting at once: SQLite's writer lock, or a Postgres advisory lock per schema (the schema itself is
 * created under that lock). `afterVersion` runs data steps inside the same transaction (migration 3's backfill).
 */
export async function applyCoreMigrations(
  db: SqlDb,
  options: { postgresSchema?: string; afterVersion?: (version: number, tx: SqlDb) => Promise<void> } = {},
): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect.kind === 'postgres') {
      const schema = options.postgresSchema ?? 'shoebox';
      if (!POSTGRES_SCHEMA_NAME.test(schema)) throw new Error(`invalid Postgres schema name "${schema}"`);
      await tx.get('SELECT pg_advisory_xact_lock(hashtext(?))', [`shoebox-migrate:${schema}`]);
      await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      // The connection's search_path may have been set before the schema existed; make it explicit.
      await tx.exec(`SET LOCAL search_path TO ${schema}`);
    }
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
    const applied = (await tx.all<{ version: number | string }>('SELECT version FROM schema_migrations')).map((r) => Number(r.version));
    const done: number[] = [];
    for (const migration of pendingMigrations(applied)) {
      await tx.exec(tx.dialect.kind === 'sqlite' ? migration.sqlite : migration.postgres);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      await options.afterVersion?.(migration.version, tx);
      done.push(migration.version);
    }
    return done;
  });
}
