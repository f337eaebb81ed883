import { resolve as resolvePath } from 'node:path';
import Database from 'better-sqlite3';
import type { RunResult, SqlDb, SqlDialect, SqlParam, TransactionOptions } from './sql-db.js';

const TYPES: Record<string, string> = { float: 'REAL', bigint: 'INTEGER', blob: 'BLOB', json: 'TEXT', serial: 'INTEGER' };

export const sqliteDialect: SqlDialect = {
  kind: 'sqlite',
  jsonNumber: (column, key) =>
    `(CASE WHEN json_valid(${column}) AND json_type(${column}, '$.${key}') IN ('integer', 'real') THEN json_extract(${column}, '$.${key}') END)`,
  jsonText: (column, key) => `(CASE WHEN json_valid(${column}) THEN json_extract(${column}, '$.${key}') END)`,
  jsonArrayLength: (column, key) =>
    `(CASE WHEN json_valid(${column}) AND json_type(${column}, '$.${key}') = 'array' THEN json_array_length(${column}, '$.${key}') END)`,
  ilike: (expr) => `${expr} LIKE ? ESCAPE '\\'`,
  types: (ddl) => ddl.replace(/\{\{(\w+)\}\}/g, (_, t: string) => TYPES[t] ?? `{{${t}}}`),
  jsonArray: (column, key) =>
    `(CASE WHEN json_valid(${column}) AND json_type(${column}, '$.${key}') = 'array' THEN json_extract(${column}, '$.${key}') END)`,
  jsonArrayHasText: (column, key) =>
    `EXISTS (SELECT 1 FROM json_each(${column}, '$.${key}') je WHERE json_valid(${column}) AND lower(je.value) = lower(?))`,
  jsonObjectAgg: (key, value) => `json_group_object(${key}, ${value})`,
  inList: (expr) => `${expr} IN (SELECT value FROM json_each(?))`,
  listParam: (values) => JSON.stringify(values),
  forShare: '',
  rowsPerInsert: 1,
};

/** better-sqlite3 binds booleans as errors; 0/1 as SQLite stores them. */
const bind = (params: readonly SqlParam[]): unknown[] => params.map((p) => (typeof p === 'boolean' ? (p ? 1 : 0) : p));

/**
 * One per database file in this process, shared by its connections. better-sqlite3 waits for SQLite's
 * locks synchronously (busy_timeout), so a connection that waited for another connection of the same
 * thread to finish its (async) transaction would block the very thread that has to finish it. Statements
 * of every connection to the file therefore wait, asynchronously, while one of them has a transaction open.
 * Other processes (and threads) still queue on SQLite's own lock.
 */
interface FileLock {
  locked: boolean;
  released: Promise<void>;
  users: number;
}
const fileLocks = new Map<string, FileLock>();

function lockFor(path: string): FileLock {
  const key = path === ':memory:' ? `${path}#${Math.random()}` : resolvePath(path);
  let lock = fileLocks.get(key);
  if (!lock) fileLocks.set(key, (lock = { locked: false, released: Promise.resolve(), users: 0 }));
  lock.users++;
  return lock;
}

/**
 * SqlDb over one better-sqlite3 connection. better-sqlite3 is synchronous; the promise surface lets the
 * same repository code run on Postgres. An open transaction holds a per-connection lock, so a statement
 * from outside it never lands inside it.
 */
export class SqliteDb implements SqlDb {
  readonly dialect = sqliteDialect;
  readonly vec0: boolean;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly file: FileLock;
  private readonly owns: boolean;

  constructor(
    private readonly db: Database.Database,
    options: { vec0: boolean; ownsConnection: boolean },
  ) {
    this.vec0 = options.vec0;
    this.owns = options.ownsConnection;
    this.file = lockFor(db.name);
  }

  /** Opens its own connection to the library file (WAL, busy timeout, foreign keys), with sqlite-vec if it loads. */
  static open(path: string, loadVec?: (db: Database.Database) => void): SqliteDb {
    const db = new Database(path);
    db.pragma('busy_timeout = 10000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    let vec0 = false;
    if (loadVec) {
      try {
        loadVec(db);
        vec0 = true;
      } catch {
        vec0 = false;
      }
    }
    return new SqliteDb(db, { vec0, ownsConnection: true });
  }

  private statement(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  /** Waits while a transaction of this connection is open (statements outside it must not join it). */
  private async outside<T>(fn: () => T): Promise<T> {
    while (this.file.locked) await this.file.released;
    return fn();
  }

  all<R>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.outside(() => this.allNow<R>(sql, params));
  }
  get<R>(sql: string, params: readonly SqlParam[] = []): Promise<R | undefined> {
    return this.outside(() => this.getNow<R>(sql, params));
  }
  run(sql: string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return this.outside(() => this.runNow(sql, params));
  }
  exec(script: string): Promise<void> {
    return this.outside(() => void this.db.exec(script));
  }

  private allNow<R>(sql: string, params: readonly SqlParam[]): R[] {
    return this.statement(sql).all(...bind(params)) as R[];
  }
  private getNow<R>(sql: string, params: readonly SqlParam[]): R | undefined {
    return this.statement(sql).get(...bind(params)) as R | undefined;
  }
  private runNow(sql: string, params: readonly SqlParam[]): RunResult {
    const st = this.statement(sql);
    if (!st.reader) return { changes: st.run(...bind(params)).changes };
    st.all(...bind(params));
    return { changes: 0 };
  }

  async transaction<T>(fn: (tx: SqlDb) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    while (this.file.locked) await this.file.released;
    this.file.locked = true;
    let release!: () => void;
    this.file.released = new Promise<void>((resolve) => (release = resolve));
    const tx = this.inTransaction();
    try {
      this.db.exec(options.readOnly ? 'BEGIN DEFERRED' : 'BEGIN IMMEDIATE');
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    } finally {
      this.file.locked = false;
      release();
    }
  }

  /** The handle a transaction body uses: same connection, no lock (it holds it). */
  private inTransaction(): SqlDb {
    const self = this;
    return {
      dialect: this.dialect,
      vec0: this.vec0,
      all: async <R>(sql: string, params: readonly SqlParam[] = []) => self.allNow<R>(sql, params),
      get: async <R>(sql: string, params: readonly SqlParam[] = []) => self.getNow<R>(sql, params),
      run: async (sql: string, params: readonly SqlParam[] = []) => self.runNow(sql, params),
      exec: async (script: string) => void self.db.exec(script),
      transaction: async <T>(fn: (tx: SqlDb) => Promise<T>) => fn(self.inTransaction()),
      close: async () => {
        throw new Error('close() inside a transaction');
      },
    };
  }

  async close(): Promise<void> {
    while (this.file.locked) await this.file.released;
    if (this.owns && this.db.open) {
      this.db.close();
      if (--this.file.users === 0) for (const [key, lock] of fileLocks) if (lock === this.file) fileLocks.delete(key);
    }
  }
}
