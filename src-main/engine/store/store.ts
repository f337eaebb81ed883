import type { ErrorInfo } from '../../../src-shared/errors.js';
import type { IngestRecord, IngestState, IngestTotals } from '../../../src-shared/ingest.js';
import type { Lane, WorkerClass } from '../../../src-shared/lanes.js';
import type {
  PhotoDerivatives,
  PhotoDetail,
  PhotoMetadata,
  PhotoRecord,
} from '../../../src-shared/photo.js';
import type { PhotoState, Stage, StageState } from '../../../src-shared/stages.js';

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

export const WORKER_STATES = ['starting', 'loading-models', 'ready', 'busy', 'stopping', 'stopped', 'crashed'] as const;
export type WorkerState = (typeof WORKER_STATES)[number];

export interface WorkerStatus {
  /** Stable per slot, e.g. "cpu-0". */
  id: string;
  workerClass: WorkerClass;
  pid: number | null;
  state: WorkerState;
  /** Why it crashed or stopped, when it did. */
  reason: string | null;
  rssMb: number | null;
  jobsDone: number;
  restarts: number;
  updatedAt: string;
}

export interface PhotoListQuery {
  state?: PhotoState;
  ingestId?: string;
  limit: number;
  offset: number;
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
  /** A later stage's result as JSON (faces, objects, embedding info…), replaced on re-run. */
  saveResult(photoId: string, revision: number, stage: Stage, result: unknown): Promise<void>;
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

export interface StoreConfig {
  /** 'sqlite' with a file path, or 'postgres' with a connection string and a schema name. */
  kind: 'sqlite' | 'postgres';
  sqlitePath?: string;
  postgresUrl?: string;
  /** Postgres schema, so tests and several libraries can share one database. Default "shoebox". */
  postgresSchema?: string;
}
