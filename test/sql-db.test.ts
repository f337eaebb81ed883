/**
 * The SQL surface the repositories are written against (src-core/store/sql), on both databases:
 * placeholders, transactions that commit or roll back whole, named migrations applied once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store, StoreConfig } from '../src-core/store/store.js';
import { PostgresDb } from '../src-core/store/sql/postgres-db.js';
import { applyNamedMigrations, likePattern, numberPlaceholders } from '../src-core/store/sql/sql-db.js';
import type { NamedMigration } from '../src-core/store/sql/sql-db.js';
import { storeBackends } from './helpers/store-backends.js';

describe('numberPlaceholders', () => {
  it('numbers ? outside quotes only', () => {
    assert.equal(numberPlaceholders(`SELECT ? , '?' , "a?" , ?`), `SELECT $1 , '?' , "a?" , $2`);
  });
  it('likePattern escapes the wildcard characters', () => {
    assert.equal(likePattern('50%_off\\'), '%50\\%\\_off\\\\%');
  });
});

const MIGRATIONS: NamedMigration[] = [
  { id: 'sqltest/001-items', sql: `CREATE TABLE sqltest_items (id TEXT PRIMARY KEY, score {{float}} NOT NULL, json {{json}} NOT NULL)` },
  { id: 'sqltest/002-index', sql: `CREATE INDEX sqltest_items_score ON sqltest_items(score)` },
];

for (const backend of storeBackends()) {
  describe(`SqlDb: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let config: StoreConfig;
    before(async () => {
      config = await backend.setup();
      store = await openStore(config);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('applies named migrations once, even when asked twice at the same time', async () => {
      const [a, b] = await Promise.all([applyNamedMigrations(store.sql, MIGRATIONS), applyNamedMigrations(store.sql, MIGRATIONS)]);
      assert.deepEqual([...a, ...b].sort(), MIGRATIONS.map((m) => m.id).sort());
      assert.deepEqual(await applyNamedMigrations(store.sql, MIGRATIONS), []);
    });

    it('writes and reads with ? placeholders, JSON helpers and case-insensitive LIKE', async () => {
      const db = store.sql;
      await db.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['a', 1.5, JSON.stringify({ n: 2, t: 'Dog', xs: [1, 2, 3] })]);
      await db.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['b', 2.5, JSON.stringify({ t: 'cat' })]);
      const rows = await db.all<{ id: string; n: number | null; len: number | null; t: string | null }>(
        `SELECT id, ${db.dialect.jsonNumber('json', 'n')} AS n, ${db.dialect.jsonArrayLength('json', 'xs')} AS len,
                ${db.dialect.jsonText('json', 't')} AS t
           FROM sqltest_items ORDER BY id`,
      );
      assert.deepEqual(
        rows.map((r) => ({ id: r.id, n: r.n == null ? null : Number(r.n), len: r.len == null ? null : Number(r.len), t: r.t })),
        [
          { id: 'a', n: 2, len: 3, t: 'Dog' },
          { id: 'b', n: null, len: null, t: 'cat' },
        ],
      );
      const dogs = await db.all<{ id: string }>(`SELECT id FROM sqltest_items WHERE ${db.dialect.ilike(db.dialect.jsonText('json', 't'))}`, [likePattern('DOG')]);
      assert.deepEqual(dogs.map((r) => r.id), ['a']);
      const upserted = await db.run(
        'INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET score = excluded.score',
        ['a', 9, '{}'],
      );
      assert.equal(upserted.changes, 1);
      const a = await db.get<{ score: number }>('SELECT score FROM sqltest_items WHERE id = ?', ['a']);
      assert.equal(Number(a?.score), 9);
    });

    it('rolls a failed transaction back whole and keeps outside statements out of an open one', async () => {
      const db = store.sql;
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['c', 1, '{}']);
          await tx.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['c', 1, '{}']); // duplicate key
        }),
      );
      assert.equal(await db.get('SELECT id FROM sqltest_items WHERE id = ?', ['c']), undefined);

      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const inside = db.transaction(async (tx) => {
        await tx.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['d', 1, '{}']);
        await gate;
        throw new Error('abort');
      });
      const outside = db.run('INSERT INTO sqltest_items (id, score, json) VALUES (?, ?, ?)', ['e', 1, '{}']);
      release();
      await assert.rejects(inside, /abort/);
      await outside;
      const ids = (await db.all<{ id: string }>('SELECT id FROM sqltest_items ORDER BY id')).map((r) => r.id);
      assert.deepEqual(ids, ['a', 'b', 'e']);
    });

    it('a host that dies inside a transaction does not hold its locks for ever (Postgres)', { skip: backend.name !== 'postgres' }, async () => {
      if (config.kind !== 'postgres') return;
      // The "dead host": a Shoebox connection that took a row lock and then never sent another statement
      // (its machine lost power mid-job). Its own setting ends the session; shortened here to 1 s.
      const dead = PostgresDb.open(config.postgresUrl, config.postgresSchema!, { idleInTransactionMs: 1000 });
      let locked!: () => void;
      let wake!: () => void;
      const holding = new Promise<void>((resolve) => (locked = resolve));
      const stalled = dead.transaction(async (tx) => {
        await tx.run('UPDATE sqltest_items SET score = 2 WHERE id = ?', ['a']);
        locked();
        await new Promise<void>((resolve) => (wake = resolve)); // no other statement until the test ends
      });
      await holding;
      // The live host's write to the same row waits for the lock, then goes through once the server ends the dead session.
      await store.sql.run('UPDATE sqltest_items SET score = 3 WHERE id = ?', ['a']);
      assert.equal(Number((await store.sql.get<{ score: number }>('SELECT score FROM sqltest_items WHERE id = ?', ['a']))?.score), 3);
      // The dead host's session was ended: its commit fails (nothing of it was written), and it lost nothing else.
      wake();
      await assert.rejects(stalled, /idle-in-transaction|terminat|connection error/i);
      await dead.close();
    });
  });
}
