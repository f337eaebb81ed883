import type { SqlDb } from '../sql/sql-db.js';

/** Checks a library's database: used by `shoebox` health reporting and the chaos tests. */
export class HealthRepo {
  constructor(private readonly db: SqlDb) {}

  /** SQLite: PRAGMA integrity_check and foreign_key_check; Postgres: a trivial query. 'ok' or the problems. */
  async integrityCheck(): Promise<string> {
    if (this.db.dialect.kind === 'postgres') {
      const row = await this.db.get<{ ok: number }>('SELECT 1 AS ok');
      return row?.ok === 1 ? 'ok' : 'unexpected answer from Postgres';
    }
    const rows = await this.db.all<{ integrity_check: string }>('PRAGMA integrity_check');
    const problems = rows.map((r) => r.integrity_check).filter((text) => text !== 'ok');
    const fk = await this.db.all<{ table: string; rowid: number; parent: string }>('PRAGMA foreign_key_check');
    for (const row of fk) problems.push(`foreign key: ${row.table} row ${row.rowid} has no ${row.parent}`);
    return problems.length === 0 ? 'ok' : problems.join('\n');
  }

  /** Rows that break "one row per photo per stage" (must be 0; used by chaos tests). */
  async countDuplicateRows(): Promise<number> {
    const extra = (table: string, key: string) => `(SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM ${table} GROUP BY ${key}) t)`;
    const row = await this.db.get<{ n: number | string }>(
      `SELECT ${extra('photo_stages', 'photo_id, stage')} + ${extra('photo_results', 'photo_id, stage')}
         + ${extra('photo_metadata', 'photo_id')} + ${extra('photo_derivatives', 'photo_id')} + ${extra('photos', 'path')} AS n`,
    );
    return Number(row?.n ?? 0);
  }
}
