/**
 * What differs between the vector kinds a model upgrade can switch (issue 17): where a kind's vectors
 * live, where the upgrade stages its target's vectors, and how the cut-over swaps them in. The upgrade's
 * state machine (vector_models: begin, progress and ETA, cancel, fail) is shared and lives in
 * VectorModelsRepo; each kind plugs in here (descriptor-vectors.ts, face-vectors.ts).
 */
import type { SqlDb } from '../sql/sql-db.js';

export interface SwapOutcome {
  /** Work units (photos) whose staged vectors replaced the old ones. */
  replaced: number;
  /** Vector rows of another model removed (or, for faces, emptied) because nothing replaced them. */
  dropped: number;
  /** Stage results that held vectors of another model and were dropped or emptied. */
  droppedResults: number;
}

export interface KindVectors {
  /**
   * `SELECT <photo_id> AS photo_id, <revision> AS revision FROM …` of the photos whose current revision
   * still needs a vector of the upgrade's target (the upgrade's work; its progress is the rest).
   */
  pendingSql(db: SqlDb): string;
  /** Photos (current revision) with staged vectors of `target`. */
  stagedCount(db: SqlDb, target: string): Promise<number>;
  /** Drops every staged vector (a cancelled or restarted upgrade). */
  clearStaged(tx: SqlDb): Promise<void>;
  /**
   * The cut-over's swap, inside its transaction, once nothing blocks it: every staged vector replaces
   * the old one, whatever is left of another model goes (no mixing), the staging table is emptied.
   * `dropPending` photos (no preview) lose their vectors instead of blocking the switch.
   */
  swap(tx: SqlDb, target: string, dropPending: ReadonlySet<string>): Promise<SwapOutcome>;
  /** Vectors per model: in use (`active`) and staged (`staged`). */
  counts(db: SqlDb): Promise<{ active: Record<string, number>; staged: Record<string, number> }>;
}

/** A float32 vector from a BLOB (SQLite) or a REAL[] (Postgres) column. */
export function vectorFrom(value: unknown): Float32Array {
  if (Buffer.isBuffer(value)) return new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  throw new Error('staged vector: unexpected column value');
}

/** `{ model: count }` of a `SELECT model, COUNT(*) AS n … GROUP BY model`. */
export async function countByModel(db: SqlDb, sql: string): Promise<Record<string, number>> {
  const rows = await db.all<{ model: string; n: number | string }>(sql);
  return Object.fromEntries(rows.map((r) => [r.model, Number(r.n)]));
}
