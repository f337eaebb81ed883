import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import type { ErrorCode, ErrorInfo } from '../../../src-shared/errors.js';
import type { IngestRecord, IngestState, IngestTotals } from '../../../src-shared/ingest.js';
import type { Lane, WorkerRole } from '../../../src-shared/lanes.js';
import type {
  PhotoDerivatives,
  PhotoDetail,
  PhotoMetadata,
  PhotoRecord,
  StageRecord,
} from '../../../src-shared/photo.js';
import { PHOTO_STATES, STAGES } from '../../../src-shared/stages.js';
import type { PhotoState, Stage, StageState } from '../../../src-shared/stages.js';
import { pendingMigrations } from './migrations.js';
import type {
  FailedPhoto,
  FileDecision,
  PauseRecord,
  PhotoFilters,
  PhotoListItem,
  PhotoListQuery,
  SimilarPhoto,
  SkippedPath,
  Store,
  UnfinishedPhoto,
  WorkerState,
  WorkerStatus,
} from './store.js';
import { embeddingFromResult, LIBRARY_PAGE_FROM } from './store.js';

// ── rows as both databases return them, and their mapping to the shared types ──────────────
// Postgres returns BIGINT as a string, hence Number() on every numeric column.

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

const num = (value: number | string | null | undefined): number => (value == null ? 0 : Number(value));
const numOrNull = (value: number | string | null | undefined): number | null => (value == null ? null : Number(value));

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
export function metadataValues(m: PhotoMetadata): unknown[] {
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

const now = (): string => new Date().toISOString();

// ── the SQLite store ─────────────────────────────────────────────────────────

/** The quality score and the face count, read from the stage results' JSON (NULL until the stage ran). */
const SQLITE_QUALITY = `CASE WHEN json_valid(rq.json) AND json_type(rq.json, '$.score') IN ('integer', 'real') THEN json_extract(rq.json, '$.score') END`;
const SQLITE_FACES = `CASE WHEN json_valid(rd.json) AND json_type(rd.json, '$.faces') = 'array' THEN json_array_length(rd.json, '$.faces') END`;

/** Guard for job-driven writes: the photo is at this revision and not cancelled. */
const GUARD = `id = @photoId AND revision = @revision AND state <> 'cancelled'`;
const GUARD_EXISTS = `EXISTS (SELECT 1 FROM photos WHERE ${GUARD})`;

/**
 * SQLite implementation. better-sqlite3 is synchronous: every method does its work at once and
 * returns a settled Promise. Several processes share the file (WAL); every write is one short
 * statement or one BEGIN IMMEDIATE transaction, so writers queue on the busy timeout instead of
 * failing with SQLITE_BUSY.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly cache = new Map<string, Database.Statement>();

  /** Whether sqlite-vec's loadable extension loaded (else similarPhotos scans exactly in JS). */
  readonly vectorIndex: boolean;
  /** vec0 tables checked against photo_embeddings on this connection, by dims. */
  private readonly vecChecked = new Set<number>();

  constructor(readonly path: string) {
    // The desktop app runs under Electron's ABI and names its own build of better-sqlite3 (src-main/desktop/layout.ts).
    const nativeBinding = process.env['SHOEBOX_SQLITE_BINDING'] || undefined;
    this.db = new Database(path, nativeBinding ? { nativeBinding } : {});
    this.db.pragma('busy_timeout = 10000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    let loaded = false;
    // An explicit extension path (the packaged app's, outside app.asar) must load: failing it is an error, not a fallback.
    const vecPath = process.env['SHOEBOX_SQLITE_VEC_PATH'] || null;
    if (process.env['SHOEBOX_NO_SQLITE_VEC'] !== '1') {
      try {
        if (vecPath) this.db.loadExtension(vecPath);
        else sqliteVec.load(this.db);
        loaded = true;
      } catch (error) {
        if (vecPath) {
          this.db.close();
          throw new Error(`sqlite-vec could not be loaded from ${vecPath} (SHOEBOX_SQLITE_VEC_PATH): ${(error as Error).message}`);
        }
        // No prebuilt extension for this platform: the exact scan answers instead, and says so once.
        process.emitWarning(`sqlite-vec is not available (${(error as Error).message}); similar-photo search scans every vector`, 'ShoeboxWarning');
      }
    }
    this.vectorIndex = loaded;
  }

  /** Prepared once per connection. */
  private st(sql: string): Database.Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }

  private tx<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  async migrate(): Promise<void> {
    this.tx(() => {
      this.db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      const applied = (this.db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map(
        (r) => r.version,
      );
      for (const migration of pendingMigrations(applied)) {
        this.db.exec(migration.sqlite);
        this.db
          .prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
          .run(migration.version, migration.name, now());
        if (migration.version === 3) this.backfillEmbeddings();
      }
    });
  }

  /** Vectors written before migration 3 (only in photo_results) go into photo_embeddings once. */
  private backfillEmbeddings(): void {
    const rows = this.db
      .prepare(
        `SELECT r.photo_id, r.json, p.revision FROM photo_results r JOIN photos p ON p.id = r.photo_id WHERE r.stage = 'embed'`,
      )
      .all() as { photo_id: string; json: string; revision: number }[];
    for (const row of rows) this.writeEmbedding(row.photo_id, row.revision, JSON.parse(row.json) as unknown);
  }

  /** Upserts the vector (and its vec0 row when the extension is loaded). Caller checks the guard. */
  private writeEmbedding(photoId: string, revision: number, result: unknown): void {
    const e = embeddingFromResult(result);
    if (!e) return;
    const blob = Buffer.from(e.vector.buffer, e.vector.byteOffset, e.vector.byteLength);
    this.st(
      `INSERT INTO photo_embeddings (photo_id, revision, model, dims, vector, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, model = excluded.model, dims = excluded.dims,
         vector = excluded.vector, updated_at = excluded.updated_at`,
    ).run(photoId, revision, e.model, e.dims, blob, now());
    if (this.vectorIndex) {
      const table = this.ensureVecTable(e.dims);
      this.st(`DELETE FROM ${table} WHERE photo_id = ?`).run(photoId);
      this.st(`INSERT INTO ${table} (photo_id, embedding) VALUES (?, ?)`).run(photoId, blob);
    }
  }

  /**
   * The vec0 index for vectors of this many dims (cosine distance, exact), created on first use and
   * rebuilt from photo_embeddings when its row count differs (a writer without the extension).
   */
  private ensureVecTable(dims: number): string {
    const table = `vec_photo_embeddings_${Math.trunc(dims)}`;
    if (this.vecChecked.has(dims)) return table;
    this.db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(photo_id TEXT PRIMARY KEY, embedding float[${Math.trunc(dims)}] distance_metric=cosine)`,
    );
    const indexed = (this.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    const stored = (this.db.prepare('SELECT COUNT(*) AS n FROM photo_embeddings WHERE dims = ?').get(dims) as { n: number }).n;
    if (indexed !== stored) {
      this.db.transaction(() => {
        this.db.exec(`DELETE FROM ${table}`);
        const insert = this.db.prepare(`INSERT INTO ${table} (photo_id, embedding) VALUES (?, ?)`);
        for (const r of this.db.prepare('SELECT photo_id, vector FROM photo_embeddings WHERE dims = ?').all(dims) as Array<{
          photo_id: string;
          vector: Buffer;
        }>) {
          insert.run(r.photo_id, r.vector);
        }
      })();
    }
    this.vecChecked.add(dims);
    return table;
  }

  async similarPhotos(photoId: string, k: number): Promise<SimilarPhoto[]> {
    const limit = Math.max(0, Math.trunc(k));
    const self = this.st(
      `SELECT e.model, e.dims, e.vector FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE e.photo_id = ?`,
    ).get(photoId) as { model: string; dims: number; vector: Buffer } | undefined;
    if (!self || limit === 0) return [];
    if (this.vectorIndex) {
      const table = this.ensureVecTable(self.dims);
      const total = (this.st(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
      // Stale rows (older revision, other model, the photo itself) are dropped after the KNN:
      // ask for more until k are left or the index is exhausted.
      for (let want = limit + 1; ; want = Math.min(total, want * 4)) {
        const rows = this.st(
          `WITH knn AS MATERIALIZED (SELECT photo_id, distance FROM ${table} WHERE embedding MATCH @q AND k = @want)
           SELECT knn.photo_id AS photoId, p.path AS path, knn.distance AS distance FROM knn
           JOIN photo_embeddings e ON e.photo_id = knn.photo_id AND e.model = @model
           JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
           WHERE knn.photo_id <> @self ORDER BY knn.distance, knn.photo_id LIMIT @limit`,
        ).all({ q: self.vector, want, model: self.model, self: photoId, limit }) as SimilarPhoto[];
        if (rows.length >= limit || want >= total) return rows.map((r) => ({ ...r, distance: Math.max(0, r.distance) }));
      }
    }
    // Exact scan without the extension.
    const q = new Float32Array(self.vector.buffer.slice(self.vector.byteOffset, self.vector.byteOffset + self.vector.byteLength));
    const out: SimilarPhoto[] = [];
    for (const r of this.st(
      `SELECT e.photo_id, e.vector, p.path FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE e.model = ? AND e.dims = ? AND e.photo_id <> ?`,
    ).iterate(self.model, self.dims, photoId) as Iterable<{ photo_id: string; vector: Buffer; path: string }>) {
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * r.vector.readFloatLE(i * 4);
      out.push({ photoId: r.photo_id, path: r.path, distance: Math.max(0, 1 - dot) });
    }
    return out.sort((a, b) => a.distance - b.distance || (a.photoId < b.photoId ? -1 : 1)).slice(0, limit);
  }

  async close(): Promise<void> {
    this.cache.clear();
    if (this.db.open) this.db.close();
  }

  // ── ingests ──────────────────────────────────────────────────────────────

  async createIngest(id: string, roots: string[]): Promise<IngestRecord> {
    this.st(
      `INSERT INTO ingests (id, roots, state, started_at, finished_at) VALUES (?, ?, 'scanning', ?, NULL)
       ON CONFLICT (id) DO NOTHING`,
    ).run(id, JSON.stringify(roots), now());
    return ingestFromRow(this.st('SELECT * FROM ingests WHERE id = ?').get(id) as IngestRow);
  }

  async setIngestState(id: string, state: IngestState): Promise<void> {
    const terminal = TERMINAL_INGEST_STATES.includes(state);
    this.st(
      `UPDATE ingests SET state = ?, finished_at = CASE WHEN ? THEN COALESCE(finished_at, ?) ELSE NULL END WHERE id = ?`,
    ).run(state, terminal ? 1 : 0, now(), id);
  }

  async getIngest(id: string): Promise<IngestRecord | null> {
    const row = this.st('SELECT * FROM ingests WHERE id = ?').get(id) as IngestRow | undefined;
    return row ? ingestFromRow(row) : null;
  }

  async listIngests(limit: number): Promise<IngestRecord[]> {
    const rows = this.st('SELECT * FROM ingests ORDER BY started_at DESC, id DESC LIMIT ?').all(limit) as IngestRow[];
    return rows.map(ingestFromRow);
  }

  async registerFiles(ingestId: string, decisions: FileDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    const batch = dedupeDecisions(decisions);
    const at = now();
    const insertNew = this.st(
      `INSERT INTO photos (id, path, size, mtime_ms, content_hash, state, revision, ingest_id, created_at, updated_at)
       VALUES (?, ?, ?, ?, NULL, 'queued', 0, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    );
    const changed = this.st(
      `UPDATE photos SET size = ?, mtime_ms = ?, content_hash = NULL, state = 'queued', revision = revision + 1,
         ingest_id = ?, failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = ?
       WHERE id = ?`,
    );
    const touched = this.st(`UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?`);
    const resume = this.st(`UPDATE photos SET ingest_id = ?, updated_at = ? WHERE id = ?`);
    const clearStages = this.st('DELETE FROM photo_stages WHERE photo_id = ?');
    const clearMetadata = this.st('DELETE FROM photo_metadata WHERE photo_id = ?');
    const clearDerivatives = this.st('DELETE FROM photo_derivatives WHERE photo_id = ?');
    const clearResults = this.st('DELETE FROM photo_results WHERE photo_id = ?');
    const link = this.st(
      `INSERT INTO ingest_photos (ingest_id, photo_id, outcome) VALUES (?, ?, ?) ON CONFLICT (ingest_id, photo_id) DO NOTHING`,
    );
    this.tx(() => {
      for (const d of batch) {
        switch (d.kind) {
          case 'new':
            insertNew.run(d.photoId, d.path, d.size, d.mtimeMs, ingestId, at, at);
            break;
          case 'changed':
            changed.run(d.size, d.mtimeMs, ingestId, at, d.photoId);
            clearStages.run(d.photoId);
            clearMetadata.run(d.photoId);
            clearDerivatives.run(d.photoId);
            clearResults.run(d.photoId);
            break;
          case 'touched':
            touched.run(d.size, d.mtimeMs, at, d.photoId);
            break;
          case 'resume':
            resume.run(ingestId, at, d.photoId);
            break;
          case 'unchanged':
            break;
        }
        link.run(ingestId, d.photoId, d.kind);
      }
    });
  }

  async ingestTotals(ingestId: string): Promise<IngestTotals> {
    const row = this.st(
      `SELECT COUNT(*) AS photos,
         SUM(CASE WHEN p.state = 'queued' THEN 1 ELSE 0 END) AS queued,
         SUM(CASE WHEN p.state = 'processing' THEN 1 ELSE 0 END) AS processing,
         SUM(CASE WHEN p.state = 'done' THEN 1 ELSE 0 END) AS done,
         SUM(CASE WHEN p.state = 'failed' THEN 1 ELSE 0 END) AS failed,
         SUM(CASE WHEN p.state = 'cancelled' THEN 1 ELSE 0 END) AS cancelled,
         SUM(CASE WHEN p.state = 'done' AND ip.outcome IN ('unchanged', 'touched') THEN 1 ELSE 0 END) AS skipped
       FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = ?`,
    ).get(ingestId) as TotalsRow | undefined;
    return totalsFromRow(row);
  }

  async ingestUnfinishedCount(ingestId: string): Promise<number> {
    const row = this.st(
      `SELECT COUNT(*) AS n FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = ? AND p.state IN ('queued', 'processing')`,
    ).get(ingestId) as { n: number };
    return row.n;
  }

  // ── photos ───────────────────────────────────────────────────────────────

  private photoRow(id: string): PhotoRow | undefined {
    return this.st('SELECT * FROM photos WHERE id = ?').get(id) as PhotoRow | undefined;
  }

  async getPhoto(id: string): Promise<PhotoRecord | null> {
    const row = this.photoRow(id);
    return row ? photoFromRow(row) : null;
  }

  async getPhotosByPaths(paths: string[]): Promise<Map<string, PhotoRecord>> {
    const out = new Map<string, PhotoRecord>();
    if (paths.length === 0) return out;
    const rows = this.st('SELECT * FROM photos WHERE path IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(paths),
    ) as PhotoRow[];
    for (const row of rows) out.set(row.path, photoFromRow(row));
    return out;
  }

  async getPhotoDetail(id: string): Promise<PhotoDetail | null> {
    // One read transaction, so the parts agree with each other.
    return this.db.transaction(() => {
      const row = this.photoRow(id);
      if (!row) return null;
      const stages = this.st('SELECT * FROM photo_stages WHERE photo_id = ?').all(id) as StageRow[];
      const metadata = this.st('SELECT * FROM photo_metadata WHERE photo_id = ?').get(id) as MetadataRow | undefined;
      const derivatives = this.st('SELECT * FROM photo_derivatives WHERE photo_id = ?').get(id) as
        | DerivativesRow
        | undefined;
      const results = this.st('SELECT * FROM photo_results WHERE photo_id = ? ORDER BY stage').all(id) as ResultRow[];
      return detailFrom(photoFromRow(row), stages, metadata, derivatives, results);
    }).deferred();
  }

  async listPhotos(query: PhotoListQuery): Promise<PhotoRecord[]> {
    const rows = this.st(
      `SELECT * FROM photos
       WHERE (@state IS NULL OR state = @state)
         AND (@ingestId IS NULL OR id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = @ingestId))
       ORDER BY path LIMIT @limit OFFSET @offset`,
    ).all({
      state: query.state ?? null,
      ingestId: query.ingestId ?? null,
      limit: query.limit,
      offset: query.offset,
    }) as PhotoRow[];
    return rows.map(photoFromRow);
  }

  /**
   * FROM + WHERE shared by the grid list and its count. JSON1 reads the stage results in place:
   * detect → {faces: […]}, tag → {tags: […]}, quality → {score}. Only the filters that are set
   * go into the SQL (one prepared statement per combination).
   */
  private filtered(f: PhotoFilters): { from: string; params: Record<string, unknown> } {
    checkFilters(f);
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (f.state !== undefined) (where.push('p.state = @state'), (params.state = f.state));
    if (f.ingestId !== undefined) {
      where.push('p.id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = @ingestId)');
      params.ingestId = f.ingestId;
    }
    if (f.ids !== undefined) (where.push('p.id IN (SELECT value FROM json_each(@ids))'), (params.ids = JSON.stringify(f.ids)));
    if (f.tag !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM json_each(rt.json, '$.tags') je WHERE json_valid(rt.json) AND lower(je.value) = lower(@tag))`);
      params.tag = f.tag;
    }
    if (f.hasFaces !== undefined) where.push(`COALESCE(${SQLITE_FACES}, 0) ${f.hasFaces ? '> 0' : '= 0'}`);
    if (f.qualityMin !== undefined) (where.push(`${SQLITE_QUALITY} >= @qualityMin`), (params.qualityMin = f.qualityMin));
    if (f.qualityMax !== undefined) (where.push(`${SQLITE_QUALITY} <= @qualityMax`), (params.qualityMax = f.qualityMax));
    if (f.camera !== undefined) {
      where.push(`instr(lower(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')), lower(@camera)) > 0`);
      params.camera = f.camera;
    }
    if (f.takenFrom !== undefined) (where.push('substr(m.taken_at, 1, 10) >= @takenFrom'), (params.takenFrom = f.takenFrom));
    if (f.takenTo !== undefined) (where.push('substr(m.taken_at, 1, 10) <= @takenTo'), (params.takenTo = f.takenTo));
    const from = `${LIBRARY_PAGE_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return { from, params };
  }

  async listPhotoItems(query: PhotoListQuery): Promise<PhotoListItem[]> {
    const { from, params } = this.filtered(query);
    const rows = this.st(
      `SELECT p.*, d.thumbnail_path, m.make, m.model, m.taken_at,
         (SELECT json_group_object(s.stage, s.state) FROM photo_stages s WHERE s.photo_id = p.id) AS stages_json,
         ${SQLITE_QUALITY} AS quality, ${SQLITE_FACES} AS faces,
         CASE WHEN json_valid(rt.json) AND json_type(rt.json, '$.tags') = 'array' THEN json_extract(rt.json, '$.tags') END AS tags_json
       ${from}
       ORDER BY p.path LIMIT @limit OFFSET @offset`,
    ).all({ ...params, limit: query.limit, offset: query.offset }) as ListItemRow[];
    return rows.map(listItemFromRow);
  }

  async countPhotos(filters: PhotoFilters): Promise<number> {
    const { from, params } = this.filtered(filters);
    return (this.st(`SELECT COUNT(*) AS n ${from}`).get(params) as { n: number }).n;
  }

  async countPhotosByState(): Promise<Record<PhotoState, number>> {
    const counts = emptyStateCounts();
    const rows = this.st('SELECT state, COUNT(*) AS n FROM photos GROUP BY state').all() as { state: string; n: number }[];
    for (const row of rows) counts[row.state as PhotoState] = row.n;
    return counts;
  }

  async listUnfinished(afterId: string | null, limit: number): Promise<UnfinishedPhoto[]> {
    return this.db.transaction(() => {
      const photos = this.st(
        `SELECT * FROM photos WHERE state IN ('queued', 'processing') AND (@after IS NULL OR id > @after)
         ORDER BY id LIMIT @limit`,
      ).all({ after: afterId, limit }) as PhotoRow[];
      if (photos.length === 0) return [];
      const stages = this.st(
        'SELECT * FROM photo_stages WHERE photo_id IN (SELECT value FROM json_each(?))',
      ).all(JSON.stringify(photos.map((p) => p.id))) as StageRow[];
      return unfinishedFrom(photos, stages);
    }).deferred();
  }

  // ── stage progress ───────────────────────────────────────────────────────

  async startStage(photoId: string, revision: number, stage: Stage): Promise<void> {
    const at = now();
    this.tx(() => {
      const touched = this.st(
        `UPDATE photos SET state = CASE WHEN state IN ('queued', 'processing') THEN 'processing' ELSE state END,
           updated_at = @at WHERE ${GUARD}`,
      ).run({ photoId, revision, at });
      if (touched.changes === 0) return;
      this.st(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES (@photoId, @stage, 'running', NULL, NULL, NULL, NULL, 1, @at)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'running', ms = NULL, error_code = NULL, error = NULL,
           note = NULL, attempts = photo_stages.attempts + 1, updated_at = excluded.updated_at`,
      ).run({ photoId, stage, at });
    });
  }

  async finishStage(
    photoId: string,
    revision: number,
    stage: Stage,
    outcome: { state: 'done' | 'skipped'; ms: number; note?: string },
  ): Promise<void> {
    const params = { photoId, revision, stage, state: outcome.state, ms: outcome.ms, note: outcome.note ?? null, at: now() };
    this.tx(() => {
      this.st(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         SELECT @photoId, @stage, @state, @ms, NULL, NULL, @note, 0, @at WHERE ${GUARD_EXISTS}
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = excluded.state, ms = excluded.ms, error_code = NULL,
           error = NULL, note = excluded.note, updated_at = excluded.updated_at`,
      ).run(params);
      if (outcome.note !== undefined) {
        this.st(`UPDATE photos SET note = @note, updated_at = @at WHERE ${GUARD}`).run(params);
      }
    });
  }

  async failStage(
    photoId: string,
    revision: number,
    stage: Stage | null,
    error: ErrorInfo,
    ms: number | null,
  ): Promise<void> {
    const params = { photoId, revision, stage, code: error.code, message: error.message, ms, at: now() };
    this.tx(() => {
      const touched = this.st(
        `UPDATE photos SET state = 'failed', failed_stage = @stage, error_code = @code, error = @message,
           updated_at = @at WHERE ${GUARD}`,
      ).run(params);
      if (touched.changes === 0 || stage === null) return;
      this.st(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES (@photoId, @stage, 'failed', @ms, @code, @message, NULL, 1, @at)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'failed', ms = excluded.ms,
           error_code = excluded.error_code, error = excluded.error, updated_at = excluded.updated_at`,
      ).run(params);
    });
  }

  async setContentHash(photoId: string, revision: number, contentHash: string): Promise<void> {
    this.st(`UPDATE photos SET content_hash = @contentHash, updated_at = @at WHERE ${GUARD}`).run({
      photoId,
      revision,
      contentHash,
      at: now(),
    });
  }

  async saveMetadata(photoId: string, revision: number, metadata: PhotoMetadata): Promise<void> {
    const columns = METADATA_COLUMNS.join(', ');
    const placeholders = METADATA_COLUMNS.map((_, i) => `@v${i}`).join(', ');
    const updates = METADATA_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
    const params: Record<string, unknown> = { photoId, revision, at: now() };
    metadataValues(metadata).forEach((value, i) => (params[`v${i}`] = value));
    this.st(
      `INSERT INTO photo_metadata (photo_id, ${columns}, updated_at)
       SELECT @photoId, ${placeholders}, @at WHERE ${GUARD_EXISTS}
       ON CONFLICT (photo_id) DO UPDATE SET ${updates}, updated_at = excluded.updated_at`,
    ).run(params);
  }

  async saveDerivatives(photoId: string, revision: number, d: PhotoDerivatives): Promise<void> {
    this.st(
      `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at)
       SELECT @photoId, @thumbnailPath, @previewPath, @width, @height, @dhash, @format, @at WHERE ${GUARD_EXISTS}
       ON CONFLICT (photo_id) DO UPDATE SET thumbnail_path = excluded.thumbnail_path,
         preview_path = excluded.preview_path, width = excluded.width, height = excluded.height,
         dhash = excluded.dhash, format = excluded.format, updated_at = excluded.updated_at`,
    ).run({
      photoId,
      revision,
      thumbnailPath: d.thumbnailPath,
      previewPath: d.previewPath,
      width: d.width,
      height: d.height,
      dhash: d.dhash,
      format: d.format,
      at: now(),
    });
  }

  async saveResult(photoId: string, revision: number, stage: Stage, result: unknown): Promise<void> {
    this.tx(() => {
      const { changes } = this.st(
        `INSERT INTO photo_results (photo_id, stage, json, updated_at)
         SELECT @photoId, @stage, @json, @at WHERE ${GUARD_EXISTS}
         ON CONFLICT (photo_id, stage) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`,
      ).run({ photoId, revision, stage, json: JSON.stringify(result ?? null), at: now() });
      if (stage === 'embed' && changes > 0) this.writeEmbedding(photoId, revision, result);
    });
  }

  async completePhoto(photoId: string, revision: number): Promise<void> {
    this.st(
      `UPDATE photos SET state = 'done', failed_stage = NULL, error_code = NULL, error = NULL, updated_at = @at
       WHERE id = @photoId AND revision = @revision AND state IN ('queued', 'processing')`,
    ).run({ photoId, revision, at: now() });
  }

  // ── actions from the person ──────────────────────────────────────────────

  async requeuePhoto(photoId: string): Promise<PhotoRecord | null> {
    const at = now();
    return this.tx(() => {
      const row = this.st(
        `UPDATE photos SET state = 'queued', failed_stage = NULL, error_code = NULL, error = NULL, note = NULL,
           updated_at = ? WHERE id = ? AND state IN ('failed', 'cancelled') RETURNING *`,
      ).get(at, photoId) as PhotoRow | undefined;
      if (!row) return null;
      this.st(
        `UPDATE photo_stages SET state = 'pending', updated_at = ? WHERE photo_id = ? AND state IN ('failed', 'running')`,
      ).run(at, photoId);
      return photoFromRow(row);
    });
  }

  async bumpRevision(photoId: string, ingestId: string | null): Promise<PhotoRecord | null> {
    const at = now();
    return this.tx(() => {
      const row = this.st(
        `UPDATE photos SET revision = revision + 1, state = 'queued', ingest_id = COALESCE(?, ingest_id),
           failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = ?
         WHERE id = ? RETURNING *`,
      ).get(ingestId, at, photoId) as PhotoRow | undefined;
      if (!row) return null;
      this.st('DELETE FROM photo_stages WHERE photo_id = ?').run(photoId);
      this.st('DELETE FROM photo_metadata WHERE photo_id = ?').run(photoId);
      this.st('DELETE FROM photo_derivatives WHERE photo_id = ?').run(photoId);
      this.st('DELETE FROM photo_results WHERE photo_id = ?').run(photoId);
      return photoFromRow(row);
    });
  }

  async cancelPhotos(photoIds: string[]): Promise<string[]> {
    if (photoIds.length === 0) return [];
    const rows = this.st(
      `UPDATE photos SET state = 'cancelled', updated_at = ?
       WHERE id IN (SELECT value FROM json_each(?)) AND state IN ('queued', 'processing') RETURNING id`,
    ).all(now(), JSON.stringify(photoIds)) as { id: string }[];
    return rows.map((r) => r.id).sort();
  }

  async cancelIngest(ingestId: string): Promise<string[]> {
    const at = now();
    return this.tx(() => {
      const rows = this.st(
        `UPDATE photos SET state = 'cancelled', updated_at = ?
         WHERE id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = ?) AND state IN ('queued', 'processing')
         RETURNING id`,
      ).all(at, ingestId) as { id: string }[];
      this.st(`UPDATE ingests SET state = 'cancelled', finished_at = COALESCE(finished_at, ?) WHERE id = ?`).run(
        at,
        ingestId,
      );
      return rows.map((r) => r.id).sort();
    });
  }

  async listFailed(limit: number, offset: number): Promise<FailedPhoto[]> {
    const rows = this.st(
      `SELECT p.*, s.attempts AS attempts FROM photos p
       LEFT JOIN photo_stages s ON s.photo_id = p.id AND s.stage = p.failed_stage
       WHERE p.state = 'failed' ORDER BY p.updated_at DESC, p.id DESC LIMIT ? OFFSET ?`,
    ).all(limit, offset) as FailedRow[];
    return rows.map(failedFromRow);
  }

  async discardFailed(photoId: string): Promise<boolean> {
    const result = this.st(
      `UPDATE photos SET state = 'cancelled', note = ?, updated_at = ? WHERE id = ? AND state = 'failed'`,
    ).run(DISCARDED_NOTE, now(), photoId);
    return result.changes > 0;
  }

  async skipPaths(entries: { path: string; reason: string }[]): Promise<void> {
    const insert = this.st(
      `INSERT INTO skipped_paths (path, reason, at) VALUES (?, ?, ?)
       ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
    );
    const at = now();
    this.tx(() => {
      for (const e of entries) insert.run(e.path, e.reason, at);
    });
  }

  async unskipPath(path: string): Promise<boolean> {
    return this.st('DELETE FROM skipped_paths WHERE path = ?').run(path).changes > 0;
  }

  async listSkipped(limit: number, offset: number): Promise<SkippedPath[]> {
    return this.st('SELECT path, reason, at FROM skipped_paths ORDER BY at DESC, path LIMIT ? OFFSET ?').all(limit, offset) as SkippedPath[];
  }

  async skippedAmong(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const rows = this.st('SELECT path FROM skipped_paths WHERE path IN (SELECT value FROM json_each(?))').all(
      JSON.stringify(paths),
    ) as { path: string }[];
    return new Set(rows.map((r) => r.path));
  }

  // ── engine state ─────────────────────────────────────────────────────────

  async setPause(pause: PauseRecord): Promise<void> {
    this.st(
      `INSERT INTO pauses (scope, by, reason, at) VALUES (?, ?, ?, ?)
       ON CONFLICT (scope) DO UPDATE SET by = excluded.by, reason = excluded.reason, at = excluded.at`,
    ).run(pause.scope, pause.by, pause.reason, pause.at);
  }

  async clearPause(scope: Lane | 'all'): Promise<void> {
    this.st('DELETE FROM pauses WHERE scope = ?').run(scope);
  }

  async listPauses(): Promise<PauseRecord[]> {
    return (this.st('SELECT * FROM pauses ORDER BY scope').all() as PauseRow[]).map(pauseFromRow);
  }

  async upsertWorkerStatus(s: WorkerStatus): Promise<void> {
    this.st(
      `INSERT INTO workers (id, worker_class, pid, state, reason, rss_mb, jobs_done, restarts, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET worker_class = excluded.worker_class, pid = excluded.pid,
         state = excluded.state, reason = excluded.reason, rss_mb = excluded.rss_mb,
         jobs_done = excluded.jobs_done, restarts = excluded.restarts, updated_at = excluded.updated_at`,
    ).run(s.id, s.workerClass, s.pid, s.state, s.reason, s.rssMb, s.jobsDone, s.restarts, s.updatedAt);
  }

  async listWorkerStatuses(): Promise<WorkerStatus[]> {
    return (this.st('SELECT * FROM workers ORDER BY id').all() as WorkerRow[]).map(workerFromRow);
  }

  async clearWorkerStatuses(): Promise<void> {
    this.st('DELETE FROM workers').run();
  }

  // ── health ───────────────────────────────────────────────────────────────

  async integrityCheck(): Promise<string> {
    const rows = this.db.pragma('integrity_check') as { integrity_check: string }[];
    const problems = rows.map((r) => r.integrity_check).filter((text) => text !== 'ok');
    const fk = this.db.pragma('foreign_key_check') as { table: string; rowid: number; parent: string }[];
    for (const row of fk) problems.push(`foreign key: ${row.table} row ${row.rowid} has no ${row.parent}`);
    return problems.length === 0 ? 'ok' : problems.join('\n');
  }

  async countDuplicateRows(): Promise<number> {
    const row = this.st(
      `SELECT
         (SELECT COUNT(*) - COUNT(DISTINCT photo_id || char(0) || stage) FROM photo_stages)
       + (SELECT COUNT(*) - COUNT(DISTINCT photo_id || char(0) || stage) FROM photo_results)
       + (SELECT COUNT(*) - COUNT(DISTINCT photo_id) FROM photo_metadata)
       + (SELECT COUNT(*) - COUNT(DISTINCT photo_id) FROM photo_derivatives)
       + (SELECT COUNT(*) - COUNT(DISTINCT path) FROM photos) AS n`,
    ).get() as { n: number };
    return row.n;
  }
}
