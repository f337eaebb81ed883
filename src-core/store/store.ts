import type { z } from 'zod';
import type { StoreLocation } from '../../src-shared/store-location.js';
import type { SqlDb } from './sql/sql-db.js';
import type { EmbeddingsRepo } from './repos/embeddings-repo.js';
import type { EngineStateRepo } from './repos/engine-state-repo.js';
import type { HealthRepo } from './repos/health-repo.js';
import type { IngestsRepo } from './repos/ingests-repo.js';
import type { PhotosRepo } from './repos/photos-repo.js';
import type { SkipListRepo } from './repos/skip-list-repo.js';
import type { StageProgressRepo } from './repos/stage-progress-repo.js';
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
  /** The person's rating (−1 reject … 5) and colour label (photo_marks), null when never given. */
  rating: number | null;
  label: string | null;
}

/** One neighbour from store.photos.similar. */
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
 * The library's store: repositories by kind of data over one SQL surface (`sql`, src-core/store/sql),
 * the same code on SQLite and Postgres, one contract test suite (test/store-contract.test.ts) run
 * against both. New kinds of data join as their own repository file in src-core/store/repos.
 *
 * Writes that come from jobs carry the photo's revision: a write for an older revision is ignored,
 * so a late job from before a file changed cannot overwrite newer results. Every write is an upsert:
 * a retried stage never duplicates rows.
 */
export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** The library's database as one SQL surface, for repositories (SQLite: the store's one connection). */
  readonly sql: SqlDb;
  readonly ingests: IngestsRepo;
  /** Photos, library queries (grid, filters, detail, similar) and the person's actions on photos. */
  readonly photos: PhotosRepo;
  /** Stage progress and results: the only thing a worker writes. */
  readonly progress: StageProgressRepo;
  /** The embedding vectors and their nearest-neighbour index. */
  readonly embeddings: EmbeddingsRepo;
  /** Pauses and worker statuses (survive a restart). */
  readonly engineState: EngineStateRepo;
  /** Paths never to analyse again. */
  readonly skips: SkipListRepo;
  readonly health: HealthRepo;
  /** Applies pending migrations (core, then named); safe to call from several processes at once. */
  migrate(): Promise<void>;
  close(): Promise<void>;
}

/** The aggregate of the library's repositories (the same type as Store). */
export type LibraryStore = Store;

/** Where the store lives (src-shared/store-location.ts); the Postgres schema defaults to "shoebox". */
export type StoreConfig = z.input<typeof StoreLocation>;
