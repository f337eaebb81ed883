import type { PhotoDetail, PhotoRecord } from '../../../src-shared/photo.js';
import type { PhotoState } from '../../../src-shared/stages.js';
import {
  checkFilters,
  detailFrom,
  DISCARDED_NOTE,
  emptyStateCounts,
  failedFromRow,
  listItemFromRow,
  now,
  photoFromRow,
  unfinishedFrom,
  type DerivativesRow,
  type FailedRow,
  type ListItemRow,
  type MetadataRow,
  type PhotoRow,
  type ResultRow,
  type StageRow,
} from '../rows.js';
import { likePattern, type SqlDb, type SqlParam } from '../sql/sql-db.js';
import { LIBRARY_PAGE_FROM, type FailedPhoto, type PhotoFilters, type PhotoListItem, type PhotoListQuery, type UnfinishedPhoto } from '../store.js';
import type { EmbeddingsRepo } from './embeddings-repo.js';
import { PHOTO_OUTPUT_TABLES } from './ingests-repo.js';

/** Photos: reads for the library (grid pages, filters, detail, similar photos) and the person's actions on them. */
export class PhotosRepo {
  constructor(
    private readonly db: SqlDb,
    private readonly embeddings: EmbeddingsRepo,
  ) {}

  async get(id: string): Promise<PhotoRecord | null> {
    const row = await this.db.get<PhotoRow>('SELECT * FROM photos WHERE id = ?', [id]);
    return row ? photoFromRow(row) : null;
  }

  /** Many at once, for the scan; returns only the paths that are known. */
  async getByPaths(paths: string[]): Promise<Map<string, PhotoRecord>> {
    const out = new Map<string, PhotoRecord>();
    if (paths.length === 0) return out;
    const rows = await this.db.all<PhotoRow>(`SELECT * FROM photos WHERE ${this.db.dialect.inList('path')}`, [this.db.dialect.listParam(paths)]);
    for (const row of rows) out.set(row.path, photoFromRow(row));
    return out;
  }

  /** The photo with its stages, metadata, derivatives and results, read from one snapshot. */
  async getDetail(id: string): Promise<PhotoDetail | null> {
    return this.db.transaction(
      async (tx) => {
        const row = await tx.get<PhotoRow>('SELECT * FROM photos WHERE id = ?', [id]);
        if (!row) return null;
        const stages = await tx.all<StageRow>('SELECT * FROM photo_stages WHERE photo_id = ?', [id]);
        const metadata = await tx.get<MetadataRow>('SELECT * FROM photo_metadata WHERE photo_id = ?', [id]);
        const derivatives = await tx.get<DerivativesRow>('SELECT * FROM photo_derivatives WHERE photo_id = ?', [id]);
        const results = await tx.all<ResultRow>('SELECT * FROM photo_results WHERE photo_id = ? ORDER BY stage', [id]);
        return detailFrom(photoFromRow(row), stages, metadata, derivatives, results);
      },
      { readOnly: true },
    );
  }

  async list(query: PhotoListQuery): Promise<PhotoRecord[]> {
    const state = query.state ?? null;
    const ingestId = query.ingestId ?? null;
    const rows = await this.db.all<PhotoRow>(
      `SELECT * FROM photos
       WHERE (CAST(? AS TEXT) IS NULL OR state = ?)
         AND (CAST(? AS TEXT) IS NULL OR id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = ?))
       ORDER BY path LIMIT ? OFFSET ?`,
      [state, state, ingestId, ingestId, query.limit, query.offset],
    );
    return rows.map(photoFromRow);
  }

  /**
   * FROM + WHERE shared by the grid list and its count. The stage results are read in place:
   * detect → {faces: […]}, tag → {tags: […]}, quality → {score}. Only the filters that are set go into
   * the SQL (one prepared statement per combination).
   */
  private filtered(f: PhotoFilters): { from: string; params: SqlParam[] } {
    checkFilters(f);
    const d = this.db.dialect;
    const where: string[] = [];
    const params: SqlParam[] = [];
    const add = (condition: string, ...values: SqlParam[]) => (where.push(condition), params.push(...values));
    if (f.state !== undefined) add('p.state = ?', f.state);
    if (f.ingestId !== undefined) add('p.id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = ?)', f.ingestId);
    if (f.ids !== undefined) add(d.inList('p.id'), d.listParam(f.ids));
    if (f.tag !== undefined) add(d.jsonArrayHasText('rt.json', 'tags'), f.tag);
    if (f.hasFaces !== undefined) add(`COALESCE(${d.jsonArrayLength('rd.json', 'faces')}, 0) ${f.hasFaces ? '> 0' : '= 0'}`);
    if (f.qualityMin !== undefined) add(`${d.jsonNumber('rq.json', 'score')} >= ?`, f.qualityMin);
    if (f.qualityMax !== undefined) add(`${d.jsonNumber('rq.json', 'score')} <= ?`, f.qualityMax);
    if (f.camera !== undefined) add(d.ilike(`(COALESCE(m.make, '') || ' ' || COALESCE(m.model, ''))`), likePattern(f.camera));
    if (f.takenFrom !== undefined) add('substr(m.taken_at, 1, 10) >= ?', f.takenFrom);
    if (f.takenTo !== undefined) add('substr(m.taken_at, 1, 10) <= ?', f.takenTo);
    return { from: `${LIBRARY_PAGE_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`, params };
  }

  /** The grid's page in one query (same order and filters as `list`). */
  async listItems(query: PhotoListQuery): Promise<PhotoListItem[]> {
    const d = this.db.dialect;
    const { from, params } = this.filtered(query);
    const rows = await this.db.all<ListItemRow>(
      `SELECT p.*, d.thumbnail_path, m.make, m.model, m.taken_at,
         (SELECT ${d.jsonObjectAgg('s.stage', 's.state')} FROM photo_stages s WHERE s.photo_id = p.id) AS stages_json,
         ${d.jsonNumber('rq.json', 'score')} AS quality, ${d.jsonArrayLength('rd.json', 'faces')} AS faces,
         ${d.jsonArray('rt.json', 'tags')} AS tags_json,
         (SELECT k.rating FROM photo_marks k WHERE k.photo_id = p.id) AS mark_rating,
         (SELECT k.label FROM photo_marks k WHERE k.photo_id = p.id) AS mark_label
       ${from}
       ORDER BY p.path LIMIT ? OFFSET ?`,
      [...params, query.limit, query.offset],
    );
    return rows.map(listItemFromRow);
  }

  /** How many photos match the filters. */
  async count(filters: PhotoFilters): Promise<number> {
    const { from, params } = this.filtered(filters);
    return Number((await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n ${from}`, params))?.n ?? 0);
  }

  async countByState(): Promise<Record<PhotoState, number>> {
    const counts = emptyStateCounts();
    for (const row of await this.db.all<{ state: string; n: number | string }>('SELECT state, COUNT(*) AS n FROM photos GROUP BY state')) {
      counts[row.state as PhotoState] = Number(row.n);
    }
    return counts;
  }

  /** Keyset-paged list of photos in state queued or processing, for the sweep. */
  async listUnfinished(afterId: string | null, limit: number): Promise<UnfinishedPhoto[]> {
    return this.db.transaction(
      async (tx) => {
        const photos = await tx.all<PhotoRow>(
          `SELECT * FROM photos WHERE state IN ('queued', 'processing') AND (CAST(? AS TEXT) IS NULL OR id > ?)
           ORDER BY id LIMIT ?`,
          [afterId, afterId, limit],
        );
        if (photos.length === 0) return [];
        const stages = await tx.all<StageRow>(`SELECT * FROM photo_stages WHERE ${tx.dialect.inList('photo_id')}`, [
          tx.dialect.listParam(photos.map((p) => p.id)),
        ]);
        return unfinishedFrom(photos, stages);
      },
      { readOnly: true },
    );
  }

  /** Nearest photos by embedding; see EmbeddingsRepo.similar. */
  similar(photoId: string, k: number) {
    return this.embeddings.similar(photoId, k);
  }

  // ── actions from the person ──────────────────────────────────────────────

  /** Failed or cancelled → queued, failure cleared, same revision (the job is retried). */
  async requeue(photoId: string): Promise<PhotoRecord | null> {
    const at = now();
    return this.db.transaction(async (tx) => {
      const row = await tx.get<PhotoRow>(
        `UPDATE photos SET state = 'queued', failed_stage = NULL, error_code = NULL, error = NULL, note = NULL,
           updated_at = ? WHERE id = ? AND state IN ('failed', 'cancelled') RETURNING *`,
        [at, photoId],
      );
      if (!row) return null;
      await tx.run(`UPDATE photo_stages SET state = 'pending', updated_at = ? WHERE photo_id = ? AND state IN ('failed', 'running')`, [
        at,
        photoId,
      ]);
      return photoFromRow(row);
    });
  }

  /** revision + 1, state queued, results cleared: a fresh analysis. */
  async bumpRevision(photoId: string, ingestId: string | null): Promise<PhotoRecord | null> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<PhotoRow>(
        `UPDATE photos SET revision = revision + 1, state = 'queued', ingest_id = COALESCE(?, ingest_id),
           failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = ?
         WHERE id = ? RETURNING *`,
        [ingestId, now(), photoId],
      );
      if (!row) return null;
      for (const table of PHOTO_OUTPUT_TABLES) await tx.run(`DELETE FROM ${table} WHERE photo_id = ?`, [photoId]);
      return photoFromRow(row);
    });
  }

  /** Non-terminal photos → cancelled; returns the ids that changed, sorted. */
  async cancel(photoIds: string[]): Promise<string[]> {
    if (photoIds.length === 0) return [];
    const rows = await this.db.all<{ id: string }>(
      `UPDATE photos SET state = 'cancelled', updated_at = ?
       WHERE ${this.db.dialect.inList('id')} AND state IN ('queued', 'processing') RETURNING id`,
      [now(), this.db.dialect.listParam(photoIds)],
    );
    return rows.map((r) => r.id).sort();
  }

  async listFailed(limit: number, offset: number): Promise<FailedPhoto[]> {
    const rows = await this.db.all<FailedRow>(
      `SELECT p.*, s.attempts AS attempts FROM photos p
       LEFT JOIN photo_stages s ON s.photo_id = p.id AND s.stage = p.failed_stage
       WHERE p.state = 'failed' ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?`,
      [limit, offset],
    );
    return rows.map(failedFromRow);
  }

  /** Forgets a failed photo's failure without retrying it (state cancelled, note "discarded"). */
  async discardFailed(photoId: string): Promise<boolean> {
    const { changes } = await this.db.run(`UPDATE photos SET state = 'cancelled', note = ?, updated_at = ? WHERE id = ? AND state = 'failed'`, [
      DISCARDED_NOTE,
      now(),
      photoId,
    ]);
    return changes > 0;
  }
}
