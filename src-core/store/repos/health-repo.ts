import { checkStoreIntegrity } from '../accounting.js';
import type { SqlDb } from '../sql/sql-db.js';

/** Checks a library's database: used by health reporting, the tests and the chaos run. */
export class HealthRepo {
  constructor(private readonly db: SqlDb) {}

  /**
   * 'ok' or the problems, one a line, on both stores: rows without their photo or ingest, unknown
   * states, failures without a reason, per-state counts that do not add up (src-core/store/accounting.ts);
   * then SQLite's own integrity and foreign-key checks, or Postgres' constraints not yet validated.
   */
  integrityCheck(): Promise<string> {
    return checkStoreIntegrity(this.db);
  }
}
