import type { SqlDb } from '../store/sql/sql-db.js';

/**
 * Index maintenance (issue 18): fresh planner statistics. SQLite: `PRAGMA optimize` (runs ANALYZE
 * only on the tables whose statistics are stale) then `ANALYZE`; Postgres: `ANALYZE`. VACUUM is left
 * out: it rewrites the whole file and blocks writers, too much for a scheduled job on a desktop.
 */
export async function maintainIndexes(db: SqlDb): Promise<{ store: 'sqlite' | 'postgres'; statements: string[] }> {
  const statements = db.dialect.kind === 'sqlite' ? ['PRAGMA optimize', 'ANALYZE'] : ['ANALYZE'];
  for (const statement of statements) await db.exec(statement);
  return { store: db.dialect.kind, statements };
}
