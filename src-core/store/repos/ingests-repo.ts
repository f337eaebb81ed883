import type { IngestRecord, IngestState, IngestTotals } from '../../../src-shared/ingest.js';
import { dedupeDecisions, ingestFromRow, now, TERMINAL_INGEST_STATES, totalsFromRow, type IngestRow, type TotalsRow } from '../rows.js';
import { insertRows, type SqlDb, type SqlParam } from '../sql/sql-db.js';
import type { FileDecision } from '../store.js';

/** The tables a photo's analysis writes, cleared when its content changes. */
export const PHOTO_OUTPUT_TABLES = ['photo_stages', 'photo_metadata', 'photo_derivatives', 'photo_results'] as const;

/** Ingests (one per "analyse these folders"), the photos they registered, and their totals. */
export class IngestsRepo {
  constructor(private readonly db: SqlDb) {}

  async create(id: string, roots: string[]): Promise<IngestRecord> {
    await this.db.run(
      `INSERT INTO ingests (id, roots, state, started_at, finished_at) VALUES (?, ?, 'scanning', ?, NULL)
       ON CONFLICT (id) DO NOTHING`,
      [id, JSON.stringify(roots), now()],
    );
    return ingestFromRow((await this.db.get<IngestRow>('SELECT * FROM ingests WHERE id = ?', [id]))!);
  }

  async setState(id: string, state: IngestState): Promise<void> {
    const terminal = TERMINAL_INGEST_STATES.includes(state);
    await this.db.run(`UPDATE ingests SET state = ?, finished_at = CASE WHEN ? = 1 THEN COALESCE(finished_at, ?) ELSE NULL END WHERE id = ?`, [
      state,
      terminal ? 1 : 0,
      now(),
      id,
    ]);
  }

  async get(id: string): Promise<IngestRecord | null> {
    const row = await this.db.get<IngestRow>('SELECT * FROM ingests WHERE id = ?', [id]);
    return row ? ingestFromRow(row) : null;
  }

  async list(limit: number): Promise<IngestRecord[]> {
    return (await this.db.all<IngestRow>('SELECT * FROM ingests ORDER BY started_at DESC, id DESC LIMIT ?', [limit])).map(ingestFromRow);
  }

  /**
   * Applies scan decisions in one transaction and links every file to the ingest (once per photo per
   * ingest; with duplicates in a batch the first decision wins). New photos and the links go in batches.
   */
  async registerFiles(ingestId: string, decisions: FileDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    const batch = dedupeDecisions(decisions);
    const at = now();
    await this.db.transaction(async (tx) => {
      const fresh = batch.flatMap((d): SqlParam[][] =>
        d.kind === 'new' ? [[d.photoId, d.path, d.size, d.mtimeMs, 'queued', 0, ingestId, at, at]] : [],
      );
      const photoColumns = ['id', 'path', 'size', 'mtime_ms', 'state', 'revision', 'ingest_id', 'created_at', 'updated_at'];
      await insertRows(tx, 'photos', photoColumns, fresh, 'ON CONFLICT (id) DO NOTHING');
      const changed: string[] = [];
      for (const d of batch) {
        switch (d.kind) {
          case 'changed':
            changed.push(d.photoId);
            await tx.run(
              `UPDATE photos SET size = ?, mtime_ms = ?, content_hash = NULL, state = 'queued', revision = revision + 1,
                 ingest_id = ?, failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = ?
               WHERE id = ?`,
              [d.size, d.mtimeMs, ingestId, at, d.photoId],
            );
            break;
          case 'touched':
            await tx.run('UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?', [d.size, d.mtimeMs, at, d.photoId]);
            break;
          case 'resume':
            await tx.run('UPDATE photos SET ingest_id = ?, updated_at = ? WHERE id = ?', [ingestId, at, d.photoId]);
            break;
          case 'new':
          case 'unchanged':
            break;
        }
      }
      if (changed.length > 0) {
        const inChanged = tx.dialect.inList('photo_id');
        for (const table of PHOTO_OUTPUT_TABLES) await tx.run(`DELETE FROM ${table} WHERE ${inChanged}`, [tx.dialect.listParam(changed)]);
      }
      await insertRows(tx, 'ingest_photos', ['ingest_id', 'photo_id', 'outcome'], batch.map((d) => [ingestId, d.photoId, d.kind]),
        'ON CONFLICT (ingest_id, photo_id) DO NOTHING');
    });
  }

  async totals(ingestId: string): Promise<IngestTotals> {
    const row = await this.db.get<TotalsRow>(
      `SELECT COUNT(*) AS photos,
         SUM(CASE WHEN p.state = 'queued' THEN 1 ELSE 0 END) AS queued,
         SUM(CASE WHEN p.state = 'processing' THEN 1 ELSE 0 END) AS processing,
         SUM(CASE WHEN p.state = 'done' THEN 1 ELSE 0 END) AS done,
         SUM(CASE WHEN p.state = 'failed' THEN 1 ELSE 0 END) AS failed,
         SUM(CASE WHEN p.state = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
         SUM(CASE WHEN p.state = 'done' AND ip.outcome IN ('unchanged', 'touched') THEN 1 ELSE 0 END) AS skipped
       FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = ?`,
      [ingestId],
    );
    return totalsFromRow(row);
  }

  /** Photos of an ingest that still need work (state queued or processing). */
  async unfinishedCount(ingestId: string): Promise<number> {
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = ? AND p.state IN ('queued', 'processing')`,
      [ingestId],
    );
    return Number(row?.n ?? 0);
  }

  /** Every queued/processing photo of the ingest → cancelled; ingest → cancelled. Returns the photo ids, sorted. */
  async cancel(ingestId: string): Promise<string[]> {
    const at = now();
    return this.db.transaction(async (tx) => {
      const rows = await tx.all<{ id: string }>(
        `UPDATE photos SET state = 'cancelled', updated_at = ?
         WHERE id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = ?) AND state IN ('queued', 'processing')
         RETURNING id`,
        [at, ingestId],
      );
      await tx.run(`UPDATE ingests SET state = 'cancelled', finished_at = COALESCE(finished_at, ?) WHERE id = ?`, [at, ingestId]);
      return rows.map((r) => r.id).sort();
    });
  }
}
