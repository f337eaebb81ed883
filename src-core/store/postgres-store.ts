import pg from 'pg';
import type { ErrorInfo } from '../../src-shared/errors.js';
import type { IngestRecord, IngestState, IngestTotals } from '../../src-shared/ingest.js';
import type { Lane } from '../../src-shared/lanes.js';
import type { PhotoDerivatives, PhotoDetail, PhotoMetadata, PhotoRecord } from '../../src-shared/photo.js';
import type { PhotoState, Stage } from '../../src-shared/stages.js';
import { pendingMigrations } from './migrations.js';
import { PostgresDb } from './sql/postgres-db.js';
import {
  DISCARDED_NOTE,
  METADATA_COLUMNS,
  TERMINAL_INGEST_STATES,
  checkFilters,
  dedupeDecisions,
  detailFrom,
  emptyStateCounts,
  failedFromRow,
  ingestFromRow,
  listItemFromRow,
  metadataValues,
  pauseFromRow,
  photoFromRow,
  totalsFromRow,
  unfinishedFrom,
  workerFromRow,
} from './sqlite-store.js';
import type {
  DerivativesRow,
  FailedRow,
  IngestRow,
  ListItemRow,
  MetadataRow,
  PauseRow,
  PhotoRow,
  ResultRow,
  StageRow,
  TotalsRow,
  WorkerRow,
} from './sqlite-store.js';
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
  WorkerStatus,
} from './store.js';
import { embeddingFromResult, LIBRARY_PAGE_FROM } from './store.js';

type Queryable = pg.Pool | pg.PoolClient;

const now = (): string => new Date().toISOString();

/** Schema names go into SQL and the connection options, so only plain identifiers are accepted. */
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Postgres error codes worth retrying a whole transaction for. */
const RETRYABLE = new Set(['40001', '40P01']);

/**
 * Guard for job-driven writes ($1 = photo id, $2 = revision): the photo is at this revision and not
 * cancelled. FOR SHARE makes a concurrent bumpRevision/cancel wait for this write (or this write
 * re-check the guard against the row it committed), so a stale write cannot land after a reset.
 */
const GUARD = `id = $1 AND revision = $2 AND state <> 'cancelled'`;
const GUARD_EXISTS = `EXISTS (SELECT 1 FROM photos WHERE ${GUARD} FOR SHARE)`;

/**
 * The stage results are JSON in a TEXT column (same schema as SQLite), cast to jsonb here. Rows
 * written by saveResult are always valid JSON (JSON.stringify), so the cast cannot fail.
 * Quality score and face count are NULL until the stage ran (or when the shape is not the expected one).
 */
const PG_QUALITY = `(CASE WHEN jsonb_typeof(rq.json::jsonb -> 'score') = 'number' THEN (rq.json::jsonb ->> 'score')::float8 END)`;
const PG_FACES = `(CASE WHEN jsonb_typeof(rd.json::jsonb -> 'faces') = 'array' THEN jsonb_array_length(rd.json::jsonb -> 'faces') END)`;
const PG_TAGS = `(CASE WHEN jsonb_typeof(rt.json::jsonb -> 'tags') = 'array' THEN rt.json::jsonb -> 'tags' END)`;

/**
 * Postgres implementation: a pg Pool whose connections all use `search_path = <schema>`, every
 * multi-statement write in one transaction, set-based batch writes (unnest) for the scan.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly schema: string;
  private readonly pool: pg.Pool;
  /** The same pool as one SQL surface for the repositories over the dialect layer. */
  readonly sql: PostgresDb;

  constructor(connectionString: string, schema = 'shoebox') {
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`invalid Postgres schema name "${schema}": use lower-case letters, digits and _`);
    }
    this.schema = schema;
    this.pool = new pg.Pool({ connectionString, options: `-c search_path=${schema}`, max: 8 });
    // An idle client that loses its connection emits 'error' on the pool; without a listener the
    // process would crash. Report it as a warning; the next query reconnects or fails on its own.
    this.pool.on('error', (error) => process.emitWarning(`Postgres connection lost: ${error.message}`));
    this.sql = new PostgresDb(this.pool);
  }

  private async tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        const code = (error as { code?: string }).code;
        if (code && RETRYABLE.has(code) && attempt < 5) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  private async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], db: Queryable = this.pool): Promise<R[]> {
    return (await db.query<R>(sql, params)).rows;
  }

  async migrate(): Promise<void> {
    await this.tx(async (client) => {
      // Several processes may start at once: one migrates, the others wait here, then find nothing to do.
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`shoebox-migrate:${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${this.schema}.schema_migrations (
        version INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      const applied = await this.rows<{ version: number }>(
        `SELECT version FROM ${this.schema}.schema_migrations`,
        [],
        client,
      );
      // The connection's search_path may have been set before the schema existed; make it explicit.
      await client.query(`SET LOCAL search_path TO ${this.schema}`);
      for (const migration of pendingMigrations(applied.map((r) => r.version))) {
        await client.query(migration.postgres);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          now(),
        ]);
        if (migration.version === 3) {
          // Vectors written before migration 3 (only in photo_results) go into photo_embeddings once.
          const old = await this.rows<{ photo_id: string; json: string; revision: number }>(
            `SELECT r.photo_id, r.json, p.revision FROM photo_results r JOIN photos p ON p.id = r.photo_id WHERE r.stage = 'embed'`,
            [],
            client,
          );
          for (const r of old) await this.writeEmbedding(client, r.photo_id, Number(r.revision), JSON.parse(r.json) as unknown);
        }
      }
    });
  }

  private async writeEmbedding(db: Queryable, photoId: string, revision: number, result: unknown): Promise<void> {
    const e = embeddingFromResult(result);
    if (!e) return;
    await db.query(
      `INSERT INTO photo_embeddings (photo_id, revision, model, dims, vector, updated_at) VALUES ($1, $2, $3, $4, $5::real[], $6)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, model = excluded.model, dims = excluded.dims,
         vector = excluded.vector, updated_at = excluded.updated_at`,
      [photoId, revision, e.model, e.dims, Array.from(e.vector), now()],
    );
  }

  async similarPhotos(photoId: string, k: number): Promise<SimilarPhoto[]> {
    const limit = Math.max(0, Math.trunc(k));
    if (limit === 0) return [];
    // No pgvector on this server: an exact scan, 1 − dot product of unit vectors, in SQL.
    const rows = await this.rows<{ photo_id: string; path: string; distance: number | string }>(
      `SELECT e.photo_id, p.path,
              GREATEST(0, 1 - (SELECT SUM(a::float8 * b::float8) FROM unnest(e.vector, q.vector) AS t(a, b))) AS distance
       FROM photo_embeddings q
       JOIN photos qp ON qp.id = q.photo_id AND qp.revision = q.revision
       JOIN photo_embeddings e ON e.model = q.model AND e.dims = q.dims AND e.photo_id <> q.photo_id
       JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE q.photo_id = $1
       ORDER BY distance, e.photo_id
       LIMIT $2`,
      [photoId, limit],
    );
    return rows.map((r) => ({ photoId: r.photo_id, path: r.path, distance: Number(r.distance) }));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  // ── ingests ──────────────────────────────────────────────────────────────

  async createIngest(id: string, roots: string[]): Promise<IngestRecord> {
    await this.pool.query(
      `INSERT INTO ingests (id, roots, state, started_at, finished_at) VALUES ($1, $2, 'scanning', $3, NULL)
       ON CONFLICT (id) DO NOTHING`,
      [id, JSON.stringify(roots), now()],
    );
    const [row] = await this.rows<IngestRow>('SELECT * FROM ingests WHERE id = $1', [id]);
    return ingestFromRow(row!);
  }

  async setIngestState(id: string, state: IngestState): Promise<void> {
    await this.pool.query(
      `UPDATE ingests SET state = $1, finished_at = CASE WHEN $2::boolean THEN COALESCE(finished_at, $3) ELSE NULL END
       WHERE id = $4`,
      [state, TERMINAL_INGEST_STATES.includes(state), now(), id],
    );
  }

  async getIngest(id: string): Promise<IngestRecord | null> {
    const [row] = await this.rows<IngestRow>('SELECT * FROM ingests WHERE id = $1', [id]);
    return row ? ingestFromRow(row) : null;
  }

  async listIngests(limit: number): Promise<IngestRecord[]> {
    const rows = await this.rows<IngestRow>('SELECT * FROM ingests ORDER BY started_at DESC, id DESC LIMIT $1', [limit]);
    return rows.map(ingestFromRow);
  }

  async registerFiles(ingestId: string, decisions: FileDecision[]): Promise<void> {
    if (decisions.length === 0) return;
    const batch = dedupeDecisions(decisions);
    const at = now();
    const of = <K extends FileDecision['kind']>(kind: K) =>
      batch.filter((d): d is Extract<FileDecision, { kind: K }> => d.kind === kind);
    const fresh = of('new');
    const changed = of('changed');
    const touched = of('touched');
    const resumed = of('resume');
    await this.tx(async (client) => {
      if (fresh.length > 0) {
        await client.query(
          `INSERT INTO photos (id, path, size, mtime_ms, content_hash, state, revision, ingest_id, created_at, updated_at)
           SELECT id, path, size, mtime_ms, NULL, 'queued', 0, $5, $6, $6
           FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[]) AS f(id, path, size, mtime_ms)
           ON CONFLICT (id) DO NOTHING`,
          [fresh.map((d) => d.photoId), fresh.map((d) => d.path), fresh.map((d) => d.size), fresh.map((d) => d.mtimeMs), ingestId, at],
        );
      }
      if (changed.length > 0) {
        const ids = changed.map((d) => d.photoId);
        await client.query(
          `UPDATE photos p SET size = f.size, mtime_ms = f.mtime_ms, content_hash = NULL, state = 'queued',
             revision = p.revision + 1, ingest_id = $4, failed_stage = NULL, error_code = NULL, error = NULL,
             note = NULL, updated_at = $5
           FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS f(id, size, mtime_ms)
           WHERE p.id = f.id`,
          [ids, changed.map((d) => d.size), changed.map((d) => d.mtimeMs), ingestId, at],
        );
        for (const table of ['photo_stages', 'photo_metadata', 'photo_derivatives', 'photo_results']) {
          await client.query(`DELETE FROM ${table} WHERE photo_id = ANY($1::text[])`, [ids]);
        }
      }
      if (touched.length > 0) {
        await client.query(
          `UPDATE photos p SET size = f.size, mtime_ms = f.mtime_ms, updated_at = $4
           FROM unnest($1::text[], $2::bigint[], $3::float8[]) AS f(id, size, mtime_ms)
           WHERE p.id = f.id`,
          [touched.map((d) => d.photoId), touched.map((d) => d.size), touched.map((d) => d.mtimeMs), at],
        );
      }
      if (resumed.length > 0) {
        await client.query(`UPDATE photos SET ingest_id = $2, updated_at = $3 WHERE id = ANY($1::text[])`, [
          resumed.map((d) => d.photoId),
          ingestId,
          at,
        ]);
      }
      await client.query(
        `INSERT INTO ingest_photos (ingest_id, photo_id, outcome)
         SELECT $1, photo_id, outcome FROM unnest($2::text[], $3::text[]) AS f(photo_id, outcome)
         ON CONFLICT (ingest_id, photo_id) DO NOTHING`,
        [ingestId, batch.map((d) => d.photoId), batch.map((d) => d.kind)],
      );
    });
  }

  async ingestTotals(ingestId: string): Promise<IngestTotals> {
    const [row] = await this.rows<TotalsRow>(
      `SELECT COUNT(*)::int AS photos,
         COUNT(*) FILTER (WHERE p.state = 'queued')::int AS queued,
         COUNT(*) FILTER (WHERE p.state = 'processing')::int AS processing,
         COUNT(*) FILTER (WHERE p.state = 'done')::int AS done,
         COUNT(*) FILTER (WHERE p.state = 'failed')::int AS failed,
         COUNT(*) FILTER (WHERE p.state = 'cancelled')::int AS cancelled,
         COUNT(*) FILTER (WHERE p.state = 'done' AND ip.outcome IN ('unchanged', 'touched'))::int AS skipped
       FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = $1`,
      [ingestId],
    );
    return totalsFromRow(row);
  }

  async ingestUnfinishedCount(ingestId: string): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM ingest_photos ip JOIN photos p ON p.id = ip.photo_id
       WHERE ip.ingest_id = $1 AND p.state IN ('queued', 'processing')`,
      [ingestId],
    );
    return row!.n;
  }

  // ── photos ───────────────────────────────────────────────────────────────

  async getPhoto(id: string): Promise<PhotoRecord | null> {
    const [row] = await this.rows<PhotoRow>('SELECT * FROM photos WHERE id = $1', [id]);
    return row ? photoFromRow(row) : null;
  }

  async getPhotosByPaths(paths: string[]): Promise<Map<string, PhotoRecord>> {
    const out = new Map<string, PhotoRecord>();
    if (paths.length === 0) return out;
    const rows = await this.rows<PhotoRow>('SELECT * FROM photos WHERE path = ANY($1::text[])', [paths]);
    for (const row of rows) out.set(row.path, photoFromRow(row));
    return out;
  }

  async getPhotoDetail(id: string): Promise<PhotoDetail | null> {
    // REPEATABLE READ so the parts come from one snapshot.
    return this.tx(async (client) => {
      await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [row] = await this.rows<PhotoRow>('SELECT * FROM photos WHERE id = $1', [id], client);
      if (!row) return null;
      const stages = await this.rows<StageRow>('SELECT * FROM photo_stages WHERE photo_id = $1', [id], client);
      const [metadata] = await this.rows<MetadataRow>('SELECT * FROM photo_metadata WHERE photo_id = $1', [id], client);
      const [derivatives] = await this.rows<DerivativesRow>(
        'SELECT * FROM photo_derivatives WHERE photo_id = $1',
        [id],
        client,
      );
      const results = await this.rows<ResultRow>(
        'SELECT * FROM photo_results WHERE photo_id = $1 ORDER BY stage',
        [id],
        client,
      );
      return detailFrom(photoFromRow(row), stages, metadata, derivatives, results);
    });
  }

  async listPhotos(query: PhotoListQuery): Promise<PhotoRecord[]> {
    const rows = await this.rows<PhotoRow>(
      `SELECT * FROM photos
       WHERE ($1::text IS NULL OR state = $1)
         AND ($2::text IS NULL OR id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = $2))
       ORDER BY path LIMIT $3 OFFSET $4`,
      [query.state ?? null, query.ingestId ?? null, query.limit, query.offset],
    );
    return rows.map(photoFromRow);
  }

  /** FROM + WHERE shared by the grid list and its count; only the filters that are set go into the SQL. */
  private filtered(f: PhotoFilters): { from: string; params: unknown[] } {
    checkFilters(f);
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (value: unknown): string => (params.push(value), `$${params.length}`);
    if (f.state !== undefined) where.push(`p.state = ${p(f.state)}`);
    if (f.ingestId !== undefined) where.push(`p.id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = ${p(f.ingestId)})`);
    if (f.ids !== undefined) where.push(`p.id = ANY(${p(f.ids)}::text[])`);
    if (f.tag !== undefined) {
      where.push(`EXISTS (SELECT 1 FROM jsonb_array_elements_text(COALESCE(${PG_TAGS}, '[]'::jsonb)) t WHERE lower(t) = lower(${p(f.tag)}))`);
    }
    if (f.hasFaces !== undefined) where.push(`COALESCE(${PG_FACES}, 0) ${f.hasFaces ? '> 0' : '= 0'}`);
    if (f.qualityMin !== undefined) where.push(`${PG_QUALITY} >= ${p(f.qualityMin)}::float8`);
    if (f.qualityMax !== undefined) where.push(`${PG_QUALITY} <= ${p(f.qualityMax)}::float8`);
    if (f.camera !== undefined) {
      where.push(`strpos(lower(COALESCE(m.make, '') || ' ' || COALESCE(m.model, '')), lower(${p(f.camera)}::text)) > 0`);
    }
    if (f.takenFrom !== undefined) where.push(`substr(m.taken_at, 1, 10) >= ${p(f.takenFrom)}::text`);
    if (f.takenTo !== undefined) where.push(`substr(m.taken_at, 1, 10) <= ${p(f.takenTo)}::text`);
    const from = `${LIBRARY_PAGE_FROM} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`;
    return { from, params };
  }

  async listPhotoItems(query: PhotoListQuery): Promise<PhotoListItem[]> {
    const { from, params } = this.filtered(query);
    const n = params.length;
    const rows = await this.rows<ListItemRow>(
      `SELECT p.*, d.thumbnail_path, m.make, m.model, m.taken_at,
         (SELECT json_object_agg(s.stage, s.state) FROM photo_stages s WHERE s.photo_id = p.id) AS stages_json,
         ${PG_QUALITY} AS quality, ${PG_FACES} AS faces, ${PG_TAGS} AS tags_json
       ${from}
       ORDER BY p.path LIMIT $${n + 1} OFFSET $${n + 2}`,
      [...params, query.limit, query.offset],
    );
    return rows.map(listItemFromRow);
  }

  async countPhotos(filters: PhotoFilters): Promise<number> {
    const { from, params } = this.filtered(filters);
    const [row] = await this.rows<{ n: number }>(`SELECT COUNT(*)::int AS n ${from}`, params);
    return row!.n;
  }

  async countPhotosByState(): Promise<Record<PhotoState, number>> {
    const counts = emptyStateCounts();
    const rows = await this.rows<{ state: string; n: number }>(
      'SELECT state, COUNT(*)::int AS n FROM photos GROUP BY state',
    );
    for (const row of rows) counts[row.state as PhotoState] = row.n;
    return counts;
  }

  async listUnfinished(afterId: string | null, limit: number): Promise<UnfinishedPhoto[]> {
    const photos = await this.rows<PhotoRow>(
      `SELECT * FROM photos WHERE state IN ('queued', 'processing') AND ($1::text IS NULL OR id > $1)
       ORDER BY id LIMIT $2`,
      [afterId, limit],
    );
    if (photos.length === 0) return [];
    const stages = await this.rows<StageRow>('SELECT * FROM photo_stages WHERE photo_id = ANY($1::text[])', [
      photos.map((p) => p.id),
    ]);
    return unfinishedFrom(photos, stages);
  }

  // ── stage progress ───────────────────────────────────────────────────────

  async startStage(photoId: string, revision: number, stage: Stage): Promise<void> {
    await this.tx(async (client) => {
      const at = now();
      const touched = await client.query(
        `UPDATE photos SET state = CASE WHEN state IN ('queued', 'processing') THEN 'processing' ELSE state END,
           updated_at = $3 WHERE ${GUARD}`,
        [photoId, revision, at],
      );
      if (touched.rowCount === 0) return;
      await client.query(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES ($1, $2, 'running', NULL, NULL, NULL, NULL, 1, $3)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'running', ms = NULL, error_code = NULL, error = NULL,
           note = NULL, attempts = photo_stages.attempts + 1, updated_at = excluded.updated_at`,
        [photoId, stage, at],
      );
    });
  }

  async finishStage(
    photoId: string,
    revision: number,
    stage: Stage,
    outcome: { state: 'done' | 'skipped'; ms: number; note?: string },
  ): Promise<void> {
    const at = now();
    const note = outcome.note ?? null;
    const upsert = `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
      SELECT $1, $3, $4, $5, NULL, NULL, $6, 0, $7 WHERE ${GUARD_EXISTS}
      ON CONFLICT (photo_id, stage) DO UPDATE SET state = excluded.state, ms = excluded.ms, error_code = NULL,
        error = NULL, note = excluded.note, updated_at = excluded.updated_at`;
    const params = [photoId, revision, stage, outcome.state, outcome.ms, note, at];
    if (outcome.note === undefined) {
      await this.pool.query(upsert, params);
      return;
    }
    await this.tx(async (client) => {
      await client.query(upsert, params);
      await client.query(`UPDATE photos SET note = $3, updated_at = $4 WHERE ${GUARD}`, [photoId, revision, note, at]);
    });
  }

  async failStage(
    photoId: string,
    revision: number,
    stage: Stage | null,
    error: ErrorInfo,
    ms: number | null,
  ): Promise<void> {
    await this.tx(async (client) => {
      const at = now();
      const touched = await client.query(
        `UPDATE photos SET state = 'failed', failed_stage = $3, error_code = $4, error = $5, updated_at = $6
         WHERE ${GUARD}`,
        [photoId, revision, stage, error.code, error.message, at],
      );
      if (touched.rowCount === 0 || stage === null) return;
      await client.query(
        `INSERT INTO photo_stages (photo_id, stage, state, ms, error_code, error, note, attempts, updated_at)
         VALUES ($1, $2, 'failed', $3, $4, $5, NULL, 1, $6)
         ON CONFLICT (photo_id, stage) DO UPDATE SET state = 'failed', ms = excluded.ms,
           error_code = excluded.error_code, error = excluded.error, updated_at = excluded.updated_at`,
        [photoId, stage, ms, error.code, error.message, at],
      );
    });
  }

  async setContentHash(photoId: string, revision: number, contentHash: string): Promise<void> {
    await this.pool.query(`UPDATE photos SET content_hash = $3, updated_at = $4 WHERE ${GUARD}`, [
      photoId,
      revision,
      contentHash,
      now(),
    ]);
  }

  async saveMetadata(photoId: string, revision: number, metadata: PhotoMetadata): Promise<void> {
    const columns = METADATA_COLUMNS.join(', ');
    const placeholders = METADATA_COLUMNS.map((_, i) => `$${i + 4}`).join(', ');
    const updates = METADATA_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ');
    await this.pool.query(
      `INSERT INTO photo_metadata (photo_id, updated_at, ${columns})
       SELECT $1, $3, ${placeholders} WHERE ${GUARD_EXISTS}
       ON CONFLICT (photo_id) DO UPDATE SET ${updates}, updated_at = excluded.updated_at`,
      [photoId, revision, now(), ...metadataValues(metadata)],
    );
  }

  async saveDerivatives(photoId: string, revision: number, d: PhotoDerivatives): Promise<void> {
    await this.pool.query(
      `INSERT INTO photo_derivatives (photo_id, thumbnail_path, preview_path, width, height, dhash, format, updated_at)
       SELECT $1, $3, $4, $5, $6, $7, $8, $9 WHERE ${GUARD_EXISTS}
       ON CONFLICT (photo_id) DO UPDATE SET thumbnail_path = excluded.thumbnail_path,
         preview_path = excluded.preview_path, width = excluded.width, height = excluded.height,
         dhash = excluded.dhash, format = excluded.format, updated_at = excluded.updated_at`,
      [photoId, revision, d.thumbnailPath, d.previewPath, d.width, d.height, d.dhash, d.format, now()],
    );
  }

  async saveResult(photoId: string, revision: number, stage: Stage, result: unknown): Promise<void> {
    const sql = `INSERT INTO photo_results (photo_id, stage, json, updated_at)
       SELECT $1, $3, $4, $5 WHERE ${GUARD_EXISTS}
       ON CONFLICT (photo_id, stage) DO UPDATE SET json = excluded.json, updated_at = excluded.updated_at`;
    const params = [photoId, revision, stage, JSON.stringify(result ?? null), now()];
    if (stage !== 'embed') {
      await this.pool.query(sql, params);
      return;
    }
    await this.tx(async (client) => {
      const { rowCount } = await client.query(sql, params);
      if (rowCount) await this.writeEmbedding(client, photoId, revision, result);
    });
  }

  async completePhoto(photoId: string, revision: number): Promise<void> {
    await this.pool.query(
      `UPDATE photos SET state = 'done', failed_stage = NULL, error_code = NULL, error = NULL, updated_at = $3
       WHERE id = $1 AND revision = $2 AND state IN ('queued', 'processing')`,
      [photoId, revision, now()],
    );
  }

  // ── actions from the person ──────────────────────────────────────────────

  async requeuePhoto(photoId: string): Promise<PhotoRecord | null> {
    return this.tx(async (client) => {
      const at = now();
      const [row] = await this.rows<PhotoRow>(
        `UPDATE photos SET state = 'queued', failed_stage = NULL, error_code = NULL, error = NULL, note = NULL,
           updated_at = $2 WHERE id = $1 AND state IN ('failed', 'cancelled') RETURNING *`,
        [photoId, at],
        client,
      );
      if (!row) return null;
      await client.query(
        `UPDATE photo_stages SET state = 'pending', updated_at = $2 WHERE photo_id = $1 AND state IN ('failed', 'running')`,
        [photoId, at],
      );
      return photoFromRow(row);
    });
  }

  async bumpRevision(photoId: string, ingestId: string | null): Promise<PhotoRecord | null> {
    return this.tx(async (client) => {
      const [row] = await this.rows<PhotoRow>(
        `UPDATE photos SET revision = revision + 1, state = 'queued', ingest_id = COALESCE($2, ingest_id),
           failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [photoId, ingestId, now()],
        client,
      );
      if (!row) return null;
      for (const table of ['photo_stages', 'photo_metadata', 'photo_derivatives', 'photo_results']) {
        await client.query(`DELETE FROM ${table} WHERE photo_id = $1`, [photoId]);
      }
      return photoFromRow(row);
    });
  }

  async cancelPhotos(photoIds: string[]): Promise<string[]> {
    if (photoIds.length === 0) return [];
    const rows = await this.rows<{ id: string }>(
      `UPDATE photos SET state = 'cancelled', updated_at = $2
       WHERE id = ANY($1::text[]) AND state IN ('queued', 'processing') RETURNING id`,
      [photoIds, now()],
    );
    return rows.map((r) => r.id).sort();
  }

  async cancelIngest(ingestId: string): Promise<string[]> {
    return this.tx(async (client) => {
      const at = now();
      const rows = await this.rows<{ id: string }>(
        `UPDATE photos SET state = 'cancelled', updated_at = $2
         WHERE id IN (SELECT photo_id FROM ingest_photos WHERE ingest_id = $1) AND state IN ('queued', 'processing')
         RETURNING id`,
        [ingestId, at],
        client,
      );
      await client.query(`UPDATE ingests SET state = 'cancelled', finished_at = COALESCE(finished_at, $2) WHERE id = $1`, [
        ingestId,
        at,
      ]);
      return rows.map((r) => r.id).sort();
    });
  }

  async listFailed(limit: number, offset: number): Promise<FailedPhoto[]> {
    const rows = await this.rows<FailedRow>(
      `SELECT p.*, s.attempts AS attempts FROM photos p
       LEFT JOIN photo_stages s ON s.photo_id = p.id AND s.stage = p.failed_stage
       WHERE p.state = 'failed' ORDER BY p.updated_at DESC, p.id DESC LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    return rows.map(failedFromRow);
  }

  async discardFailed(photoId: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE photos SET state = 'cancelled', note = $2, updated_at = $3 WHERE id = $1 AND state = 'failed'`,
      [photoId, DISCARDED_NOTE, now()],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async skipPaths(entries: { path: string; reason: string }[]): Promise<void> {
    if (entries.length === 0) return;
    // One row per path (the last reason wins), so ON CONFLICT never meets the same path twice.
    const byPath = new Map(entries.map((e) => [e.path, e.reason]));
    await this.pool.query(
      `INSERT INTO skipped_paths (path, reason, at)
       SELECT path, reason, $3 FROM unnest($1::text[], $2::text[]) AS f(path, reason)
       ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
      [[...byPath.keys()], [...byPath.values()], now()],
    );
  }

  async unskipPath(path: string): Promise<boolean> {
    return ((await this.pool.query('DELETE FROM skipped_paths WHERE path = $1', [path])).rowCount ?? 0) > 0;
  }

  async listSkipped(limit: number, offset: number): Promise<SkippedPath[]> {
    return this.rows<SkippedPath>('SELECT path, reason, at FROM skipped_paths ORDER BY at DESC, path LIMIT $1 OFFSET $2', [limit, offset]);
  }

  async skippedAmong(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const rows = await this.rows<{ path: string }>('SELECT path FROM skipped_paths WHERE path = ANY($1::text[])', [paths]);
    return new Set(rows.map((r) => r.path));
  }

  // ── engine state ─────────────────────────────────────────────────────────

  async setPause(pause: PauseRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO pauses (scope, by, reason, at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (scope) DO UPDATE SET by = excluded.by, reason = excluded.reason, at = excluded.at`,
      [pause.scope, pause.by, pause.reason, pause.at],
    );
  }

  async clearPause(scope: Lane | 'all'): Promise<void> {
    await this.pool.query('DELETE FROM pauses WHERE scope = $1', [scope]);
  }

  async listPauses(): Promise<PauseRecord[]> {
    return (await this.rows<PauseRow>('SELECT * FROM pauses ORDER BY scope COLLATE "C"')).map(pauseFromRow);
  }

  async upsertWorkerStatus(s: WorkerStatus): Promise<void> {
    await this.pool.query(
      `INSERT INTO workers (id, worker_class, pid, state, reason, rss_mb, jobs_done, restarts, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET worker_class = excluded.worker_class, pid = excluded.pid,
         state = excluded.state, reason = excluded.reason, rss_mb = excluded.rss_mb,
         jobs_done = excluded.jobs_done, restarts = excluded.restarts, updated_at = excluded.updated_at`,
      [s.id, s.workerClass, s.pid, s.state, s.reason, s.rssMb, s.jobsDone, s.restarts, s.updatedAt],
    );
  }

  async listWorkerStatuses(): Promise<WorkerStatus[]> {
    return (await this.rows<WorkerRow>('SELECT * FROM workers ORDER BY id')).map(workerFromRow);
  }

  async clearWorkerStatuses(): Promise<void> {
    await this.pool.query('DELETE FROM workers');
  }

  // ── health ───────────────────────────────────────────────────────────────

  async integrityCheck(): Promise<string> {
    const [row] = await this.rows<{ ok: number }>('SELECT 1 AS ok');
    return row?.ok === 1 ? 'ok' : 'unexpected answer from Postgres';
  }

  async countDuplicateRows(): Promise<number> {
    const [row] = await this.rows<{ n: number }>(
      `SELECT (
         (SELECT COUNT(*) - COUNT(DISTINCT (photo_id, stage)) FROM photo_stages)
       + (SELECT COUNT(*) - COUNT(DISTINCT (photo_id, stage)) FROM photo_results)
       + (SELECT COUNT(*) - COUNT(DISTINCT photo_id) FROM photo_metadata)
       + (SELECT COUNT(*) - COUNT(DISTINCT photo_id) FROM photo_derivatives)
       + (SELECT COUNT(*) - COUNT(DISTINCT path) FROM photos))::int AS n`,
    );
    return row!.n;
  }
}
