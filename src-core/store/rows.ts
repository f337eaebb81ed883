/**
 * The store's rows as both databases return them, and their mapping to the shared types: one module,
 * used by every repository. Postgres returns BIGINT and COUNT(*) as strings, hence Number() on every
 * numeric column.
 */
import type { ErrorCode } from '../../src-shared/errors.js';
import type { IngestRecord, IngestState, IngestTotals } from '../../src-shared/ingest.js';
import type { Lane, WorkerRole } from '../../src-shared/lanes.js';
import type { PhotoDerivatives, PhotoDetail, PhotoMetadata, PhotoRecord, StageRecord } from '../../src-shared/photo.js';
import { PHOTO_STATES, STAGES } from '../../src-shared/stages.js';
import type { PhotoState, Stage, StageState } from '../../src-shared/stages.js';
import type { SqlParam } from './sql/sql-db.js';
import type {
  FailedPhoto,
  FileDecision,
  PauseRecord,
  PhotoFilters,
  PhotoListItem,
  UnfinishedPhoto,
  WorkerState,
  WorkerStatus,
} from './store.js';


export interface PhotoRow {
  id: string;
  path: string;
  size: number | string;
  mtime_ms: number;
  content_hash: string | null;
  state: string;
  revision: number;
  ingest_id: string | null;
  failed_stage: string | null;
  error_code: string | null;
  error: string | null;
  note: string | null;
  created_at: string;
  updated_at: string;
}

export interface StageRow {
  photo_id: string;
  stage: string;
  state: string;
  ms: number | null;
  error_code: string | null;
  error: string | null;
  note: string | null;
  attempts: number;
  updated_at: string;
}

export interface MetadataRow {
  photo_id: string;
  taken_at: string | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  orientation: number | null;
  width: number | null;
  height: number | null;
  iso: number | null;
  exposure_time: number | null;
  f_number: number | null;
  focal_length: number | null;
  gps_lat: number | null;
  gps_lon: number | null;
  gps_alt: number | null;
  rating: number | null;
  keywords: string;
}

export interface DerivativesRow {
  photo_id: string;
  thumbnail_path: string;
  preview_path: string;
  width: number;
  height: number;
  dhash: string;
  format: string;
}

export interface ResultRow {
  photo_id: string;
  stage: string;
  json: string;
}

export interface IngestRow {
  id: string;
  roots: string;
  state: string;
  started_at: string;
  finished_at: string | null;
}

export interface PauseRow {
  scope: string;
  by: string;
  reason: string;
  at: string;
}

export interface WorkerRow {
  id: string;
  worker_class: string;
  pid: number | null;
  state: string;
  reason: string | null;
  rss_mb: number | null;
  jobs_done: number;
  restarts: number;
  updated_at: string;
}

export interface FailedRow extends PhotoRow {
  attempts: number | null;
}

export interface TotalsRow {
  photos: number | string | null;
  queued: number | string | null;
  processing: number | string | null;
  done: number | string | null;
  failed: number | string | null;
  cancelled: number | string | null;
  skipped: number | string | null;
}

export const num = (value: number | string | null | undefined): number => (value == null ? 0 : Number(value));
export const numOrNull = (value: number | string | null | undefined): number | null => (value == null ? null : Number(value));

export function photoFromRow(row: PhotoRow): PhotoRecord {
  return {
    id: row.id,
    path: row.path,
    size: Number(row.size),
    mtimeMs: Number(row.mtime_ms),
    contentHash: row.content_hash,
    state: row.state as PhotoState,
    revision: Number(row.revision),
    ingestId: row.ingest_id,
    failedStage: row.failed_stage as Stage | null,
    errorCode: row.error_code as ErrorCode | null,
    error: row.error,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function stageFromRow(row: StageRow): StageRecord {
  return {
    stage: row.stage as Stage,
    state: row.state as StageState,
    ms: numOrNull(row.ms),
    errorCode: row.error_code as ErrorCode | null,
    error: row.error,
    note: row.note ?? null,
    attempts: Number(row.attempts),
    updatedAt: row.updated_at,
  };
}

export function metadataFromRow(row: MetadataRow): PhotoMetadata {
  return {
    takenAt: row.taken_at,
    make: row.make,
    model: row.model,
    lens: row.lens,
    orientation: numOrNull(row.orientation),
    width: numOrNull(row.width),
    height: numOrNull(row.height),
    iso: numOrNull(row.iso),
    exposureTime: numOrNull(row.exposure_time),
    fNumber: numOrNull(row.f_number),
    focalLength: numOrNull(row.focal_length),
    gps:
      row.gps_lat == null || row.gps_lon == null
        ? null
        : { lat: Number(row.gps_lat), lon: Number(row.gps_lon), alt: numOrNull(row.gps_alt) },
    rating: numOrNull(row.rating),
    keywords: JSON.parse(row.keywords) as string[],
  };
}

/** Column values for photo_metadata, in the order of METADATA_COLUMNS. */
export function metadataValues(m: PhotoMetadata): SqlParam[] {
  return [
    m.takenAt,
    m.make,
    m.model,
    m.lens,
    m.orientation,
    m.width,
    m.height,
    m.iso,
    m.exposureTime,
    m.fNumber,
    m.focalLength,
    m.gps?.lat ?? null,
    m.gps?.lon ?? null,
    m.gps?.alt ?? null,
    m.rating,
    JSON.stringify(m.keywords ?? []),
  ];
}

export const METADATA_COLUMNS = [
  'taken_at',
  'make',
  'model',
  'lens',
  'orientation',
  'width',
  'height',
  'iso',
  'exposure_time',
  'f_number',
  'focal_length',
  'gps_lat',
  'gps_lon',
  'gps_alt',
  'rating',
  'keywords',
] as const;

export function derivativesFromRow(row: DerivativesRow): PhotoDerivatives {
  return {
    thumbnailPath: row.thumbnail_path,
    previewPath: row.preview_path,
    width: Number(row.width),
    height: Number(row.height),
    dhash: row.dhash,
    format: row.format,
  };
}

export function ingestFromRow(row: IngestRow): IngestRecord {
  return {
    id: row.id,
    roots: JSON.parse(row.roots) as string[],
    state: row.state as IngestState,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

export function pauseFromRow(row: PauseRow): PauseRecord {
  return { scope: row.scope as Lane | 'all', by: row.by as 'user' | 'system', reason: row.reason, at: row.at };
}

export function workerFromRow(row: WorkerRow): WorkerStatus {
  return {
    id: row.id,
    workerClass: row.worker_class as WorkerRole,
    pid: numOrNull(row.pid),
    state: row.state as WorkerState,
    reason: row.reason,
    rssMb: numOrNull(row.rss_mb),
    jobsDone: Number(row.jobs_done),
    restarts: Number(row.restarts),
    updatedAt: row.updated_at,
  };
}

export function failedFromRow(row: FailedRow): FailedPhoto {
  return {
    photoId: row.id,
    path: row.path,
    revision: Number(row.revision),
    stage: row.failed_stage as Stage | null,
    errorCode: row.error_code ?? 'internal',
    error: row.error ?? '',
    attempts: num(row.attempts),
    failedAt: row.updated_at,
    ingestId: row.ingest_id,
  };
}

export function totalsFromRow(row: TotalsRow | undefined): IngestTotals {
  const skipped = num(row?.skipped);
  return {
    photos: num(row?.photos),
    queued: num(row?.queued),
    processing: num(row?.processing),
    completed: num(row?.done) - skipped,
    failed: num(row?.failed),
    cancelled: num(row?.cancelled),
    skipped,
  };
}

export function detailFrom(
  photo: PhotoRecord,
  stages: StageRow[],
  metadata: MetadataRow | undefined,
  derivatives: DerivativesRow | undefined,
  results: ResultRow[],
): PhotoDetail {
  const order = (stage: string): number => {
    const index = (STAGES as readonly string[]).indexOf(stage);
    return index < 0 ? STAGES.length : index;
  };
  const byStage: Record<string, unknown> = {};
  for (const row of results) byStage[row.stage] = JSON.parse(row.json) as unknown;
  return {
    ...photo,
    stages: stages.map(stageFromRow).sort((a, b) => order(a.stage) - order(b.stage)),
    metadata: metadata ? metadataFromRow(metadata) : null,
    derivatives: derivatives ? derivativesFromRow(derivatives) : null,
    results: byStage,
  };
}

export function unfinishedFrom(photos: PhotoRow[], stages: StageRow[]): UnfinishedPhoto[] {
  const byPhoto = new Map<string, Partial<Record<Stage, StageState>>>();
  for (const row of stages) {
    let entry = byPhoto.get(row.photo_id);
    if (!entry) byPhoto.set(row.photo_id, (entry = {}));
    entry[row.stage as Stage] = row.state as StageState;
  }
  return photos.map((row) => ({
    id: row.id,
    revision: Number(row.revision),
    ingestId: row.ingest_id,
    state: row.state as PhotoState,
    stages: byPhoto.get(row.id) ?? {},
  }));
}

/** A grid row: the photo's columns plus what the tile shows (both dialects select these names). */
export interface ListItemRow extends PhotoRow {
  thumbnail_path: string | null;
  make: string | null;
  model: string | null;
  taken_at: string | null;
  /** JSON object stage → state (text in SQLite, parsed in Postgres), null when no stage row. */
  stages_json: string | Record<string, string> | null;
  quality: number | string | null;
  faces: number | string | null;
  /** JSON array of tags (text in SQLite, parsed in Postgres), null until the tag stage ran. */
  tags_json: string | unknown[] | null;
  mark_rating: number | string | null;
  mark_label: string | null;
}

const parsed = <T,>(value: string | T | null): T | null => (value == null ? null : typeof value === 'string' ? (JSON.parse(value) as T) : value);

export function listItemFromRow(row: ListItemRow): PhotoListItem {
  const tags = parsed<unknown[]>(row.tags_json);
  return {
    ...photoFromRow(row),
    thumbnailPath: row.thumbnail_path,
    stages: (parsed<Record<string, string>>(row.stages_json) ?? {}) as Partial<Record<Stage, StageState>>,
    make: row.make,
    model: row.model,
    takenAt: row.taken_at,
    quality: numOrNull(row.quality),
    faces: numOrNull(row.faces),
    rating: numOrNull(row.mark_rating),
    label: row.mark_label,
    tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [],
  };
}

/** Rejects filter values that cannot be right, so both stores answer the same way. */
export function checkFilters(f: PhotoFilters): void {
  for (const key of ['takenFrom', 'takenTo'] as const) {
    const value = f[key];
    if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new Error(`${key} must be YYYY-MM-DD, got "${value}"`);
  }
}

export function emptyStateCounts(): Record<PhotoState, number> {
  const counts = {} as Record<PhotoState, number>;
  for (const state of PHOTO_STATES) counts[state] = 0;
  return counts;
}

/**
 * One decision per photo per batch (the first one wins, as the ingest link keeps the first
 * outcome), so that both stores apply a batch with duplicates the same way.
 */
export function dedupeDecisions(decisions: FileDecision[]): FileDecision[] {
  const seen = new Set<string>();
  const out: FileDecision[] = [];
  for (const decision of decisions) {
    if (seen.has(decision.photoId)) continue;
    seen.add(decision.photoId);
    out.push(decision);
  }
  return out;
}

export const TERMINAL_INGEST_STATES: readonly IngestState[] = ['done', 'cancelled', 'interrupted'];

export const DISCARDED_NOTE = 'discarded by the user';

export const now = (): string => new Date().toISOString();
