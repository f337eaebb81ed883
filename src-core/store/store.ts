import type { z } from 'zod';
import type { StoreLocation } from '../../src-shared/store-location.js';
import type { SqlDb } from './sql/sql-db.js';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { IngestRecord, IngestState, IngestTotals } from '../../src-shared/ingest.js';
import type { Lane, WorkerRole } from '../../src-shared/lanes.js';
import type {
  PhotoDerivatives,
  PhotoDetail,
  PhotoMetadata,
  PhotoRecord,
} from '../../src-shared/photo.js';
import type { PhotoState, Stage, StageState } from '../../src-shared/stages.js';

/**
 * What the scan decided for one file; the store applies a batch of these in one transaction.
 * The decision itself is made by the engine (src-main/engine/ingest), not by the store.
 */
export type FileDecision =
  /** Never seen: insert at revision 0, state queued. */
  | { kind: 'new'; photoId: string; path: string; size: number; mtimeMs: number }
  /** Content changed: revision + 1, state queued, stage rows, results, failure cleared. */
  | { kind: 'changed'; photoId: string; size: number; mtimeMs: number }
  /** Size or mtime moved but the content hash is the same: update the stat, no work. */
  | { kind: 'touched'; photoId: string; size: number; mtimeMs: number }
  /** Same size and mtime: no work. */
  | { kind: 'unchanged'; photoId: string }
  /** Known, not finished (an interrupted ingest): queue its next job again, same revision. */
  | { kind: 'resume'; photoId: string };

export type IngestOutcome = FileDecision['kind'];

export interface FailedPhoto {
  photoId: string;
  path: string;
  revision: number;
  stage: Stage | null;
  errorCode: string;
  error: string;
  attempts: number;
  failedAt: string;
  ingestId: string | null;
}

export interface UnfinishedPhoto {
  id: string;
  revision: number;
  ingestId: string | null;
  state: PhotoState;
  /** Only stages that have a row. */
  stages: Partial<Record<Stage, StageState>>;
}

export interface PauseRecord {
  /** A lane, or 'all' for everything. */
  scope: Lane | 'all';
  /** Who paused it: the person, or the system (low memory, Redis near its limit…). */
  by: 'user' | 'system';
  reason: string;
  at: string;
}

/**
 * The tables a library page and its filters read, the same in both stores: the photo, its
 * derivatives and metadata, and the detect / tag / quality results the filters match inside.
 */
export const LIBRARY_PAGE_FROM = `FROM photos p
       LEFT JOIN photo_derivatives d ON d.photo_id = p.id
       LEFT JOIN photo_metadata m ON m.photo_id = p.id
       LEFT JOIN photo_results rd ON rd.photo_id = p.id AND rd.stage = 'detect'
       LEFT JOIN photo_results rt ON rt.photo_id = p.id AND rt.stage = 'tag'
       LEFT JOIN photo_results rq ON rq.photo_id = p.id AND rq.stage = 'quality'`;

export const WORKER_STATES = ['starting', 'loading-models', 'ready', 'busy', 'stopping', 'stopped', 'crashed'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export interface WorkerStatus {
  /** Stable per slot, e.g. "cpu-0". */
  id: string;
  /** cpu and ml: bulk processes of that class; interactive: the high_priority process (both classes). */
  workerClass: WorkerRole;
  pid: number | null;
  state: WorkerState;
  /** Why it crashed or stopped, when it did. */
  reason: string | null;
  rssMb: number | null;
  jobsDone: number;
  restarts: number;
  updatedAt: string;
}

/**
 * Filters for the library grid, applied in the store (never in the window): results of the ML
 * stages are matched inside their JSON (`photo_results`), metadata by its columns.
 */
export interface PhotoFilters {
  state?: PhotoState;
  ingestId?: string;
  /** Only these photos (a similar-photos list); at most a page of them. */
  ids?: string[];
  /** One tag of the `tag` stage's result, matched case-insensitively and exactly ("people", "text:menu"). */
  tag?: string;
  /** true: at least one face found; false: none found (or detect has not run). */
  hasFaces?: boolean;
  /** Quality score bounds (0–5), inclusive; a photo without a score never matches a bound. */
  qualityMin?: number;
  qualityMax?: number;
  /** Case-insensitive substring of "make model". */
  camera?: string;
  /** Inclusive `YYYY-MM-DD` bounds on the day the photo was taken (as recorded); no date never matches. */
  takenFrom?: string;
  takenTo?: string;
}

export interface PhotoListQuery extends PhotoFilters {
  limit: number;
  offset: number;
}

/** One grid tile, read in one query: no per-photo detail load. */
export interface PhotoListItem extends PhotoRecord {
  thumbnailPath: string | null;
  /** Only stages that have a row. */
  stages: Partial<Record<Stage, StageState>>;
  make: string | null;
  model: string | null;
  takenAt: string | null;
  /** Quality score, null until the quality stage ran. */
  quality: number | null;
  /** Faces found, null until detect ran. */
  faces: number | null;
  tags: string[];
}

/** One neighbour from Store.similarPhotos. */
export interface SimilarPhoto {
  photoId: string;
  path: string;
  /** Cosine distance, 1 − cos (the vectors are unit length). */
  distance: number;
}

/** An `embed` stage result decoded for the vector index; null when the result is not one. */
export function embeddingFromResult(result: unknown): { model: string; dims: number; vector: Float32Array } | null {
  if (typeof result !== 'object' || result === null) return null;
  const r = result as { model?: unknown; dims?: unknown; vector?: unknown };
  if (typeof r.model !== 'string' || typeof r.vector !== 'string' || typeof r.dims !== 'number') return null;
  const bytes = Buffer.from(r.vector, 'base64');
  if (bytes.length !== r.dims * 4 || r.dims < 1) return null;
  const vector = new Float32Array(r.dims);
  for (let i = 0; i < r.dims; i++) vector[i] = bytes.readFloatLE(i * 4);
  let n = 0;
  for (const v of vector) n += v * v;
  n = Math.sqrt(n);
  if (!Number.isFinite(n) || n === 0) return null;
  for (let i = 0; i < vector.length; i++) vector[i] = vector[i]! / n;
  return { model: r.model, dims: r.dims, vector };
}

/** A file the person asked never to analyse again ("skip this file from now on"). */
export interface SkippedPath {
  path: string;
  reason: string;
  at: string;
}

/**
 * The library's store. One interface, two implementations (SQLite default, Postgres optional),
 * one contract test suite (test/store-contract.test.ts) run against both.
 *
 * Writes that come from jobs carry the photo's revision: a write for an older revision is ignored,
 * so a late job from before a file changed cannot overwrite newer results. Every write is an upsert:
 * a retried stage never duplicates rows.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * The library's database as one SQL surface for the repositories written over the dialect layer
   * (src-core/store/sql). SQLite: its own connection to the same file, opened on first use.
   */
  readonly sql: SqlDb;
  /** Applies pending versioned migrations; safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  // ── ingests ────────────────────────────────────────────────────────────
  createIngest(id: string, roots: string[]): Promise<IngestRecord>;
  setIngestState(id: string, state: IngestState): Promise<void>;
  getIngest(id: string): Promise<IngestRecord | null>;
  listIngests(limit: number): Promise<IngestRecord[]>;
  /** Applies scan decisions and links every file to the ingest (once per photo per ingest). */
  registerFiles(ingestId: string, decisions: FileDecision[]): Promise<void>;
  ingestTotals(ingestId: string): Promise<IngestTotals>;
  /** Photos of an ingest that still need work (state queued or processing). */
  ingestUnfinishedCount(ingestId: string): Promise<number>;

  // ── photos ─────────────────────────────────────────────────────────────
  getPhoto(id: string): Promise<PhotoRecord | null>;
  /** Many at once, for the scan; returns only the paths that are known. */
  getPhotosByPaths(paths: string[]): Promise<Map<string, PhotoRecord>>;
  getPhotoDetail(id: string): Promise<PhotoDetail | null>;
  listPhotos(query: PhotoListQuery): Promise<PhotoRecord[]>;
  /** The grid's page in one query (same order and filters as listPhotos). */
  listPhotoItems(query: PhotoListQuery): Promise<PhotoListItem[]>;
  /** How many photos match the filters. */
  countPhotos(filters: PhotoFilters): Promise<number>;
  countPhotosByState(): Promise<Record<PhotoState, number>>;
  /** Keyset-paged list of photos in state queued or processing, for the sweep. */
  listUnfinished(afterId: string | null, limit: number): Promise<UnfinishedPhoto[]>;

  // ── stage progress (written by workers) ───────────────────────────────
  /** Stage → running, attempts + 1; photo → processing (unless cancelled). */
  startStage(photoId: string, revision: number, stage: Stage): Promise<void>;
  /** Stage → done or skipped, with its time and an optional note (why it was skipped). */
  finishStage(
    photoId: string,
    revision: number,
    stage: Stage,
    outcome: { state: 'done' | 'skipped'; ms: number; note?: string },
  ): Promise<void>;
  /** Stage → failed; photo → failed with the stage, code and message. */
  failStage(photoId: string, revision: number, stage: Stage | null, error: ErrorInfo, ms: number | null): Promise<void>;
  setContentHash(photoId: string, revision: number, contentHash: string): Promise<void>;
  saveMetadata(photoId: string, revision: number, metadata: PhotoMetadata): Promise<void>;
  saveDerivatives(photoId: string, revision: number, derivatives: PhotoDerivatives): Promise<void>;
  /**
   * A later stage's result as JSON (faces, objects, embedding info…), replaced on re-run. An `embed`
   * result (`{ model, dims, vector: base64 float32 }`) also goes into the k-nearest-neighbour index.
   */
  saveResult(photoId: string, revision: number, stage: Stage, result: unknown): Promise<void>;
  /**
   * The k photos whose embedding (same model, current revision) is closest to this photo's, nearest
   * first: cosine distance 0 (same) … 2 (opposite), ties by photo id. [] when the photo has no
   * embedding yet. SQLite: sqlite-vec `vec0` index (exact); Postgres: exact scan over REAL[].
   */
  similarPhotos(photoId: string, k: number): Promise<SimilarPhoto[]>;
  /** Photo → done (from processing or queued). */
  completePhoto(photoId: string, revision: number): Promise<void>;

  // ── actions from the person ────────────────────────────────────────────
  /** Failed or cancelled → queued, failure cleared, same revision (the job is retried). */
  requeuePhoto(photoId: string): Promise<PhotoRecord | null>;
  /** revision + 1, state queued, results cleared: a fresh analysis. */
  bumpRevision(photoId: string, ingestId: string | null): Promise<PhotoRecord | null>;
  /** Non-terminal photos → cancelled; returns the ids that changed. */
  cancelPhotos(photoIds: string[]): Promise<string[]>;
  /** Every queued/processing photo of the ingest → cancelled; ingest → cancelled. */
  cancelIngest(ingestId: string): Promise<string[]>;
  listFailed(limit: number, offset: number): Promise<FailedPhoto[]>;
  /** Forgets a failed photo's failure without retrying it (state cancelled, note "discarded"). */
  discardFailed(photoId: string): Promise<boolean>;

  /** Adds paths to the skip list (registration ignores them from now on). */
  skipPaths(entries: { path: string; reason: string }[]): Promise<void>;
  /** Removes a path from the skip list; true when it was there. */
  unskipPath(path: string): Promise<boolean>;
  listSkipped(limit: number, offset: number): Promise<SkippedPath[]>;
  /** Which of these paths are on the skip list. */
  skippedAmong(paths: string[]): Promise<Set<string>>;

  // ── engine state that must survive a restart ─────────────────────────
  setPause(pause: PauseRecord): Promise<void>;
  clearPause(scope: Lane | 'all'): Promise<void>;
  listPauses(): Promise<PauseRecord[]>;
  upsertWorkerStatus(status: WorkerStatus): Promise<void>;
  listWorkerStatuses(): Promise<WorkerStatus[]>;
  /** Drops worker rows (at engine start: the previous run's workers are gone). */
  clearWorkerStatuses(): Promise<void>;

  // ── health ─────────────────────────────────────────────────────────────
  /** SQLite: PRAGMA integrity_check; Postgres: a trivial query. Returns 'ok' or the problems. */
  integrityCheck(): Promise<string>;
  /** Rows that break "one row per photo per stage" (must be 0; used by chaos tests). */
  countDuplicateRows(): Promise<number>;
}

/** Where the store lives (src-shared/store-location.ts); the Postgres schema defaults to "shoebox". */
export type StoreConfig = z.input<typeof StoreLocation>;
