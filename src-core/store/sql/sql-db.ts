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
export type SqlParam = string | number | bigint | boolean | null | Buffer | Uint8Array | readonly string[] | readonly number[];

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
  /** The JSON array under a top-level key (JSON text in SQLite, parsed by pg in Postgres); NULL when not an array. */
  jsonArray(column: string, key: string): string;
  /** True when the array under `key` holds a string equal to the parameter, ignoring case (one `?`). */
  jsonArrayHasText(column: string, key: string): string;
  /** `key → value` of a group's rows as one JSON object (text in SQLite, parsed by pg in Postgres). */
  jsonObjectAgg(key: string, value: string): string;
  /** `expr` is one of a list given as ONE parameter made by `listParam` (never more than a page of values). */
  inList(expr: string): string;
  listParam(values: readonly string[]): SqlParam;
  /**
   * Appended to a guard's `SELECT … FROM photos WHERE …` inside a write: Postgres locks the row for
   * share, so a concurrent revision bump or cancel waits for the write (SQLite's writer lock does that).
   */
  readonly forShare: string;
  /**
   * Rows per multi-row INSERT in batch writes: 1 in SQLite (one prepared statement run per row, in-process),
   * several hundred in Postgres (one round trip per chunk).
   */
  readonly rowsPerInsert: number;
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
   * SQLite: BEGIN IMMEDIATE, one transaction at a time per database file in this process (statements of
   * other connections to the file wait for it, so never use another handle inside). Postgres: retried whole on
   * serialization failures and deadlocks, so `fn` must not have effects outside the database.
   */
  transaction<T>(fn: (tx: SqlDb) => Promise<T>, options?: TransactionOptions): Promise<T>;
  close(): Promise<void>;
}

export interface TransactionOptions {
  /**
   * Reads only, from one snapshot: SQLite BEGIN DEFERRED (takes no writer lock), Postgres REPEATABLE READ
   * READ ONLY. Default: a write transaction.
   */
  readOnly?: boolean;
}

/**
 * Inserts `rows` (each in `columns` order) with `INSERT INTO <table> (<columns>) VALUES … <tail>`, in chunks
 * of `dialect.rowsPerInsert` rows: the same prepared statement per row in SQLite, few round trips in Postgres.
 * Run it inside a transaction when the rows belong together.
 */
export async function insertRows(
  db: SqlDb,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly SqlParam[])[],
  tail = '',
): Promise<number> {
  const per = Math.max(1, Math.min(db.dialect.rowsPerInsert, Math.floor(30_000 / columns.length)));
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  let changes = 0;
  for (let i = 0; i < rows.length; i += per) {
    const chunk = rows.slice(i, i + per);
    const sql = `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')} ${tail}`;
    changes += (await db.run(sql, chunk.flat())).changes;
  }
  return changes;
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
  for (const migration of migrations) {
    // Already applied: no write transaction. (SQLite: two connections of one process, each holding
    // BEGIN IMMEDIATE across an await, would block the thread on each other until the busy timeout.)
    if (await db.get('SELECT id FROM schema_named_migrations WHERE id = ?', [migration.id])) continue;
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
