/**
 * One SQL surface over SQLite (better-sqlite3) and Postgres (pg), so each query is written once.
 *
 * Queries use `?` placeholders (the Postgres adapter numbers them `$1…`; never put a literal `?` inside
 * a quoted string). What really differs between the two databases lives in the `SqlDialect` object:
 * JSON access, case-insensitive matching, column types in migrations, the vector index.
 *
 * Values: ids and timestamps are TEXT (ISO 8601), flags INTEGER 0/1, floats `{{float}}`. Postgres returns
 * BIGINT and COUNT(*) as strings: wrap numeric columns in Number() in the row mappers.
 */
export type SqlParam = string | number | bigint | boolean | null | Buffer | Uint8Array;

export interface SqlDialect {
  readonly kind: 'sqlite' | 'postgres';
  /** A number stored under a top-level key of a JSON text column; NULL when absent or not a number. */
  jsonNumber(column: string, key: string): string;
  /** A string stored under a top-level key of a JSON text column; NULL when absent. */
  jsonText(column: string, key: string): string;
  /** Length of the array under a top-level key of a JSON text column; NULL when not an array. */
  jsonArrayLength(column: string, key: string): string;
  /** `expr` matches the pattern parameter case-insensitively (LIKE / ILIKE); escape `%` `_` `\` with `likePattern`. */
  ilike(expr: string): string;
  /** Replaces the type tokens of a migration: {{float}} {{bigint}} {{blob}} {{json}} {{serial}}. */
  types(ddl: string): string;
}

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
}

export interface SqlDb {
  readonly dialect: SqlDialect;
  /** Whether sqlite-vec's vec0 tables are available on this connection (SQLite only). */
  readonly vec0: boolean;
  all<R>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  get<R>(sql: string, params?: readonly SqlParam[]): Promise<R | undefined>;
  run(sql: string, params?: readonly SqlParam[]): Promise<RunResult>;
  /** Several statements without parameters (DDL). */
  exec(script: string): Promise<void>;
  /**
   * `fn` runs in one transaction on the `tx` handle it is given (use only that handle inside).
   * SQLite: BEGIN IMMEDIATE, transactions of this connection one at a time. Postgres: retried whole on
   * serialization failures and deadlocks, so `fn` must not have effects outside the database.
   */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `text` as a LIKE pattern that matches it literally, wrapped in `%…%` when `contains`. Use with ESCAPE '\'. */
export function likePattern(text: string, contains = true): string {
  const escaped = text.replace(/[\\%_]/g, (c) => `\\${c}`);
  return contains ? `%${escaped}%` : escaped;
}

/** `?` → `$1, $2…`, skipping quoted strings and identifiers. */
export function numberPlaceholders(sql: string): string {
  let out = '';
  let n = 0;
  let quote: string | null = null;
  for (const ch of sql) {
    if (quote) {
      if (ch === quote) quote = null;
      out += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      out += ch;
    } else if (ch === '?') {
      out += `$${++n}`;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * A schema change owned by one module (repository). Ids are unique across the library and never reused:
 * `<module>/<nnn>-<what>`, e.g. `groups/001-tables`. Never edit a released migration: add the next one.
 * `sql` is one script for both databases with type tokens (see SqlDialect.types); give `sqlite` and
 * `postgres` instead where the two really differ.
 */
export type NamedMigration = { id: string } & ({ sql: string } | { sqlite: string; postgres: string });

/**
 * Applies the migrations not yet recorded in `schema_named_migrations`, in order, each in its own
 * transaction. Safe with several processes starting at once (SQLite's write lock / a Postgres advisory lock).
 */
export async function applyNamedMigrations(db: SqlDb, migrations: readonly NamedMigration[]): Promise<string[]> {
  const seen = new Set<string>();
  for (const m of migrations) {
    if (seen.has(m.id)) throw new Error(`migration id "${m.id}" is listed twice`);
    seen.add(m.id);
  }
  await db.exec(`CREATE TABLE IF NOT EXISTS schema_named_migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const applied: string[] = [];
  // Already applied ones are skipped without a write transaction: two SQLite connections of one process
  // (two stores opened at once) must not both take BEGIN IMMEDIATE, whose busy wait blocks the thread.
  const recorded = new Set((await db.all<{ id: string }>('SELECT id FROM schema_named_migrations')).map((r) => r.id));
  for (const migration of migrations) {
    if (recorded.has(migration.id)) continue;
    const done = await db.transaction(async (tx) => {
      if (tx.dialect.kind === 'postgres') {
        await tx.get(`SELECT pg_advisory_xact_lock(hashtext('shoebox-named-migrations:' || current_schema()))`);
      }
      const row = await tx.get<{ id: string }>('SELECT id FROM schema_named_migrations WHERE id = ?', [migration.id]);
      if (row) return false;
      const script = 'sql' in migration ? migration.sql : tx.dialect.kind === 'sqlite' ? migration.sqlite : migration.postgres;
      await tx.exec(tx.dialect.types(script));
      await tx.run('INSERT INTO schema_named_migrations (id, applied_at) VALUES (?, ?)', [migration.id, new Date().toISOString()]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  return applied;
}
