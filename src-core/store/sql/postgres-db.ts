import pg from 'pg';
import { POSTGRES_SCHEMA_NAME } from '../../../src-shared/store-location.js';
import { numberPlaceholders } from './sql-db.js';
import type { RunResult, SqlDb, SqlDialect, SqlParam, TransactionOptions } from './sql-db.js';

const TYPES: Record<string, string> = { float: 'DOUBLE PRECISION', bigint: 'BIGINT', blob: 'BYTEA', json: 'TEXT', serial: 'BIGSERIAL' };

/** JSON lives in TEXT columns (as in SQLite); rows are always written by JSON.stringify, so the cast holds. */
export const postgresDialect: SqlDialect = {
  kind: 'postgres',
  jsonNumber: (column, key) =>
    `(CASE WHEN jsonb_typeof(${column}::jsonb -> '${key}') = 'number' THEN (${column}::jsonb ->> '${key}')::float8 END)`,
  jsonText: (column, key) => `(${column}::jsonb ->> '${key}')`,
  jsonArrayLength: (column, key) =>
    `(CASE WHEN jsonb_typeof(${column}::jsonb -> '${key}') = 'array' THEN jsonb_array_length(${column}::jsonb -> '${key}') END)`,
  ilike: (expr) => `${expr} ILIKE ? ESCAPE '\\'`,
  types: (ddl) => ddl.replace(/\{\{(\w+)\}\}/g, (_, t: string) => TYPES[t] ?? `{{${t}}}`),
  jsonArray: (column, key) => postgresJsonArray(column, key),
  jsonArrayHasText: (column, key) =>
    `EXISTS (SELECT 1 FROM jsonb_array_elements_text(COALESCE(${postgresJsonArray(column, key)}, '[]'::jsonb)) t WHERE lower(t) = lower(?::text))`,
  jsonObjectAgg: (key, value) => `json_object_agg(${key}, ${value})`,
  inList: (expr) => `${expr} = ANY(?::text[])`,
  listParam: (values) => values,
  forShare: ' FOR SHARE',
  rowsPerInsert: 500,
};

function postgresJsonArray(column: string, key: string): string {
  return `(CASE WHEN jsonb_typeof(${column}::jsonb -> '${key}') = 'array' THEN ${column}::jsonb -> '${key}' END)`;
}

/** Postgres error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

type Queryable = pg.Pool | pg.PoolClient;

/** How long a session may sit inside a transaction without sending a statement (see open()). */
export const IDLE_IN_TRANSACTION_MS = 60_000;

/** SqlDb over a pg Pool whose connections use the library's schema as search_path. */
export class PostgresDb implements SqlDb {
  readonly dialect = postgresDialect;
  readonly vec0 = false;
  private readonly sqlCache = new Map<string, string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { ownsPool: boolean } = { ownsPool: false },
  ) {}

  /**
   * A pool whose connections use `schema` as their search_path (the schema is created by the core
   * migrations). Only this module imports pg, and it is loaded only for Postgres stores.
   */
  static open(connectionString: string, schema: string, tuning: { idleInTransactionMs?: number } = {}): PostgresDb {
    if (!POSTGRES_SCHEMA_NAME.test(schema)) {
      throw new Error(`invalid Postgres schema name "${schema}": use lower-case letters, digits and _`);
    }
    const pool = new pg.Pool({
      connectionString,
      options: `-c search_path=${schema}`,
      max: 8,
      // A host that dies (power, network) inside a transaction leaves its session "idle in transaction",
      // holding row locks that stop every other host's writes to those rows until TCP gives up (hours).
      // Our transactions never wait on a person or the network between statements, so the server ends
      // such a session after a minute and its locks go with it.
      idle_in_transaction_session_timeout: tuning.idleInTransactionMs ?? IDLE_IN_TRANSACTION_MS,
      keepAlive: true,
    });
    // An idle client that loses its connection emits 'error' on the pool; without a listener the
    // process would crash. Report it as a warning; the next query reconnects or fails on its own.
    pool.on('error', (error) => process.emitWarning(`Postgres connection lost: ${error.message}`));
    return new PostgresDb(pool, { ownsPool: true });
  }

  private text(sql: string): string {
    let text = this.sqlCache.get(sql);
    if (text === undefined) {
      text = numberPlaceholders(sql);
      this.sqlCache.set(sql, text);
    }
    return text;
  }

  private async query<R extends pg.QueryResultRow>(on: Queryable, sql: string, params: readonly SqlParam[]) {
    return on.query<R>(this.text(sql), params as unknown[]);
  }

  private handle(on: Queryable): SqlDb {
    return {
      dialect: this.dialect,
      vec0: false,
      all: async <R>(sql: string, params: readonly SqlParam[] = []) => (await this.query(on, sql, params)).rows as R[],
      get: async <R>(sql: string, params: readonly SqlParam[] = []) => (await this.query(on, sql, params)).rows[0] as R | undefined,
      run: async (sql: string, params: readonly SqlParam[] = []): Promise<RunResult> => ({
        changes: (await this.query(on, sql, params)).rowCount ?? 0,
      }),
      exec: async (script: string) => void (await on.query(script)),
      transaction: async <T>(fn: (tx: SqlDb) => Promise<T>) => fn(this.handle(on)),
      close: async () => {
        throw new Error('close() inside a transaction');
      },
    };
  }

  all<R>(sql: string, params: readonly SqlParam[] = []): Promise<R[]> {
    return this.handle(this.pool).all<R>(sql, params);
  }
  get<R>(sql: string, params: readonly SqlParam[] = []): Promise<R | undefined> {
    return this.handle(this.pool).get<R>(sql, params);
  }
  run(sql: string, params: readonly SqlParam[] = []): Promise<RunResult> {
    return this.handle(this.pool).run(sql, params);
  }
  exec(script: string): Promise<void> {
    return this.handle(this.pool).exec(script);
  }

  async transaction<T>(fn: (tx: SqlDb) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      // A checked-out client whose connection the server ends (idle-in-transaction timeout, a restart)
      // emits 'error'; the pool listens only on idle clients, so without this the process would crash.
      // The transaction's next statement fails on its own; the broken client is discarded, not reused.
      let broken: Error | undefined;
      const onError = (error: Error) => (broken = error);
      client.on('error', onError);
      try {
        await client.query(options.readOnly ? 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY' : 'BEGIN');
        const result = await fn(this.handle(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!broken) await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        throw error;
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  async close(): Promise<void> {
    if (this.options.ownsPool) await this.pool.end();
  }
}
