/**
 * A library written before the latest core migration opens and migrates, on both stores: a database at
 * schema version 2 (no photo_embeddings yet, vectors only inside the `embed` results) gets migration 3,
 * its vectors backfilled into the index, and answers similar-photo queries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MIGRATIONS } from '../src-core/store/migrations.js';
import { openStore } from '../src-core/store/open-store.js';
import type { SqlDb } from '../src-core/store/sql/sql-db.js';
import type { StoreConfig } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

const vector = (xs: number[]) => Buffer.from(new Float32Array(xs).buffer).toString('base64');

/** A raw connection to the location, without any migration (what an older Shoebox left behind). */
async function rawDb(location: StoreConfig): Promise<SqlDb> {
  if (location.kind === 'sqlite') {
    const { SqliteDb } = await import('../src-core/store/sql/sqlite-db.js');
    return SqliteDb.open(location.sqlitePath);
  }
  const { PostgresDb } = await import('../src-core/store/sql/postgres-db.js');
  const schema = location.postgresSchema ?? 'shoebox';
  const db = PostgresDb.open(location.postgresUrl, schema);
  await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  return db;
}

for (const backend of storeBackends()) {
  describe(`core migrations: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let location: StoreConfig;
    before(async () => {
      location = await backend.setup();
    });
    after(() => backend.teardown());

    it('opens a library at schema version 2, applies 3 and backfills its vectors', async () => {
      const old = await rawDb(location);
      try {
        await old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
        for (const m of MIGRATIONS.filter((m) => m.version <= 2)) {
          await old.exec(backend.name === 'sqlite' ? m.sqlite : m.postgres);
          await old.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [m.version, m.name, '2024-01-01T00:00:00Z']);
        }
        const at = '2024-01-01T00:00:00Z';
        for (const [id, xs] of [
          ['p1', [1, 0, 0]],
          ['p2', [0.8, 0.6, 0]],
          ['p3', [0, 0, 1]],
        ] as const) {
          await old.run(
            `INSERT INTO photos (id, path, size, mtime_ms, state, revision, created_at, updated_at) VALUES (?, ?, 1, 1, 'done', 0, ?, ?)`,
            [id, `/old/${id}.jpg`, at, at],
          );
          await old.run(`INSERT INTO photo_results (photo_id, stage, json, updated_at) VALUES (?, 'embed', ?, ?)`, [
            id,
            JSON.stringify({ model: 'shoebox-global-v1', dims: 3, vector: vector([...xs]) }), // the only model before model upgrades
            at,
          ]);
        }
      } finally {
        await old.close();
      }

      const store = await openStore(location);
      try {
        const versions = (await store.sql.all<{ version: number | string }>('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
        assert.deepEqual(versions, MIGRATIONS.map((m) => m.version).sort((a, b) => a - b));
        const similar = await store.photos.similar('p1', 5);
        assert.deepEqual(similar.map((s) => s.photoId), ['p2', 'p3']);
        assert.ok(Math.abs(similar[0]!.distance - 0.2) < 1e-6, `distance ${similar[0]!.distance}`);
        assert.equal(await store.health.integrityCheck(), 'ok');
      } finally {
        await store.close();
      }
    });
  });
}
