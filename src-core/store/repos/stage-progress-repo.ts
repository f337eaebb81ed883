import type { ErrorInfo } from '../../../src-shared/errors.js';
import type { PhotoDerivatives, PhotoMetadata } from '../../../src-shared/photo.js';
import type { Stage } from '../../../src-shared/stages.js';
import { METADATA_COLUMNS, metadataValues, now } from '../rows.js';
import type { SqlDb } from '../sql/sql-db.js';
import type { EmbeddingsRepo } from './embeddings-repo.js';
import { embeddingFromResult } from '../store.js';
import { VectorModelsRepo } from './vector-models-repo.js';
import { DEFAULT_FACE_MODEL } from '../../../src-shared/vector-models.js';

/**
 * An embed stage's result may carry the vector of a running upgrade's target beside the active one
 * (`upgrade: { model, dims, vector }`). Returns what photo_results keeps (the active model's vector,
 * without `upgrade`) and what is staged. A vector of neither model means the active model changed while
 * the stage ran (a cut-over): the stage fails and its retry embeds with the new model.
 */
async function pickEmbedResults(tx: SqlDb, result: unknown): Promise<{ active: unknown; staged: { model: string; vector: Float32Array } | null }> {
  const main = embeddingFromResult(result);
  if (!main) return { active: result, staged: null }; // not a vector: kept as it is (the similar search ignores it)
  const { upgrade, ...rest } = result as { upgrade?: unknown };
  const extra = embeddingFromResult(upgrade);
  const { active, target } = await new VectorModelsRepo(tx).models('descriptor', tx);
  const candidates = [{ value: rest as unknown, e: main }, ...(extra ? [{ value: upgrade, e: extra }] : [])];
  const mine = candidates.find((c) => c.e.model === active);
  if (!mine) {
    throw new Error(`embed result of ${candidates.map((c) => c.e.model).join(' + ')}, but the library's descriptor model is ${active} now; run the stage again`);
  }
  const next = target ? candidates.find((c) => c.e.model === target) : undefined;
  return { active: mine.value, staged: next ? { model: next.e.model, vector: next.e.vector } : null };
}

/**
 * A detect result's face vectors must be of the library's active face model: one embedded before a
 * face-model cut-over and saved after it is refused (the stage fails, its retry embeds with the new model).
 */
async function checkFaceModel(tx: SqlDb, result: unknown): Promise<void> {
  const r = result as { faces?: unknown; faceModel?: unknown } | null;
  if (!r || !Array.isArray(r.faces) || r.faces.length === 0) return;
  const made = typeof r.faceModel === 'string' ? r.faceModel : DEFAULT_FACE_MODEL;
  const { active } = await new VectorModelsRepo(tx).models('face', tx);
  if (made !== active) throw new Error(`detect result with faces of ${made}, but the library's face model is ${active} now; run the stage again`);
}

/** Job-driven writes name the photo and its revision: `id = ? AND revision = ?`, never a cancelled photo. */
const GUARD = `id = ? AND revision = ? AND state <> 'cancelled'`;

/**
 * Stage progress and results: the only thing a worker writes. Every write carries the photo's revision
 * and is ignored for an older one, so a late job from before a file changed cannot overwrite newer
 * results; every write is an upsert, so a retried stage never duplicates rows.
 */
export class StageProgressRepo {
  /** The guard as a condition of an INSERT … SELECT (Postgres locks the photo row for share). */
  private readonly guardExists: string;

  constructor(
    private readonly db: SqlDb,
    private readonly embeddings: EmbeddingsRepo,
  ) {
    this.guardExists = `EXISTS (SELECT 1 FROM photos WHERE ${GUARD}${db.dialect.forShare})`;
  }

  /** Stage → running, attempts + 1; photo → processing (unless cancelled). */
  async startStage(photoId: string, revision: number, stage: Stage): Promise<void> {
    const at = now();
    await this.db.transaction(async (tx) => {
      const touched = await tx.run(
        `UPDATE photos SET state = CASE WHEN state IN ('queued', 'processing') THEN 'processing' ELSE state END,
           updated_at = ? WHERE ${GUARD}`,
        [at, photoId, revision],
      );
      if (touched.changes === 0) return;
      await tx.run(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES (?, ?, 'running', NULL, NULL, NULL, NULL, 1, ?)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'running', ms = NULL, error_code = NULL, error = NULL,
           note = NULL, attempts = photo_stages.attempts + 1, updated_at = excluded.updated_at`,
        [photoId, stage, at],
      );
    });
  }

  /** Stage → done or skipped, with its time and an optional note (why it was skipped). */
  async finishStage(
    photoId: string,
    revision: number,
    stage: Stage,
    outcome: { state: 'done' | 'skipped'; ms: number; note?: string },
  ): Promise<void> {
    const at = now();
    const note = outcome.note ?? null;
    const upsert = (db: SqlDb) =>
      db.run(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         SELECT ?, ?, ?, ?, NULL, NULL, ?, 0, ? WHERE ${this.guardExists}
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = excluded.state, ms = excluded.ms, error_code = NULL,
           error = NULL, note = excluded.note, updated_at = excluded.updated_at`,
        [photoId, stage, outcome.state, outcome.ms, note, at, photoId, revision],
      );
    if (outcome.note === undefined) {
      await upsert(this.db);
      return;
    }
    await this.db.transaction(async (tx) => {
      await upsert(tx);
      await tx.run(`UPDATE photos SET note = ?, updated_at = ? WHERE ${GUARD}`, [note, at, photoId, revision]);
    });
  }

  /** Stage → failed; photo → failed with the stage, code and message. */
  async failStage(photoId: string, revision: number, stage: Stage | null, error: ErrorInfo, ms: number | null): Promise<void> {
    const at = now();
    await this.db.transaction(async (tx) => {
      const touched = await tx.run(
        `UPDATE photos SET state = 'failed', failed_stage = ?, error_code = ?, error = ?, updated_at = ? WHERE ${GUARD}`,
        [stage, error.code, error.message, at, photoId, revision],
      );
      if (touched.changes === 0 || stage === null) return;
      await tx.run(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES (?, ?, 'failed', ?, ?, ?, NULL, 1, ?)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'failed', ms = excluded.ms,
           error_code = excluded.error_code, error = excluded.error, updated_at = excluded.updated_at`,
        [photoId, stage, ms, error.code, error.message, at],
      );
    });
  }

  async setContentHash(photoId: string, revision: number, contentHash: string): Promise<void> {
    await this.db.run(`UPDATE photos SET content_hash = ?, updated_at = ? WHERE ${GUARD}`, [contentHash, now(), photoId, revision]);
  }

  async saveMetadata(photoId: string, revision: number, metadata: PhotoMetadata): Promise<void> {
    const columns = METADATA_COLUMNS.join(', ');
    const placeholders = METADATA_COLUMNS.map(() => '?').join(', ');
    const updates = METADATA_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
    await this.db.run(
      `INSERT INTO photo_metadata (photo_id, ${columns}, updated_at)
       SELECT ?, ${placeholders}, ? WHERE ${this.guardExists}
       ON CONFLICT (photo_id) DO UPDATE SET ${updates}, updated_at = excluded.updated_at`,
      [photoId, ...metadataValues(metadata), now(), photoId, revision],
    );
  }

  async saveDerivatives(photoId: string, revision: number, d: PhotoDerivatives): Promise<void> {
    await this.db.run(
      `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at)
       SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE ${this.guardExists}
       ON CONFLICT (photo_id) DO UPDATE SET thumbnail_path = excluded.thumbnail_path,
         preview_path = excluded.preview_path, width = excluded.width, height = excluded.height,
         dhash = excluded.dhash, format = excluded.format, updated_at = excluded.updated_at`,
      [photoId, d.thumbnailPath, d.previewPath, d.width, d.height, d.dhash, d.format, now(), photoId, revision],
    );
  }

  /**
   * A later stage's result as JSON (faces, objects, embedding info…), replaced on re-run. An `embed`
   * result (`{ model, dims, vector: base64 float32 }`) also goes into the vector index, in the same transaction.
   */
  async saveResult(photoId: string, revision: number, stage: Stage, result: unknown): Promise<void> {
    const write = (db: SqlDb, value: unknown = result) =>
      db.run(
        `INSERT INTO photo_results (photo_id, stage, json, updated_at)
         SELECT ?, ?, ?, ? WHERE ${this.guardExists}
         ON CONFLICT (photo_id, stage) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
        [photoId, stage, JSON.stringify(value ?? null), now(), photoId, revision],
      );
    if (stage === 'detect') {
      await this.db.transaction(async (tx) => {
        await checkFaceModel(tx, result);
        await write(tx);
      });
      return;
    }
    if (stage !== 'embed') {
      await write(this.db);
      return;
    }
    await this.db.transaction(async (tx) => {
      // One model per library (vector-models-repo.ts): the vector of the active model is the result;
      // one of an upgrade's target is staged for its cut-over; any other is refused.
      const { active, staged } = await pickEmbedResults(tx, result);
      if (staged) await new VectorModelsRepo(tx).stage(photoId, revision, staged.model, staged.vector, tx);
      const { changes } = await write(tx, active);
      if (changes > 0) await this.embeddings.write(tx, photoId, revision, active);
    });
  }

  /** Photo → done (from processing or queued). */
  async completePhoto(photoId: string, revision: number): Promise<void> {
    await this.db.run(
      `UPDATE photos SET state = 'done', failed_stage = NULL, error_code = NULL, error = NULL, updated_at = ?
       WHERE id = ? AND revision = ? AND state IN ('queued', 'processing')`,
      [now(), photoId, revision],
    );
  }
}
