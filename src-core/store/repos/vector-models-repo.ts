/**
 * Which model's vectors the library uses, and a model upgrade's staging area (issue 17).
 *
 * `vector_models` holds one row per kind ('descriptor'): the *active* model (every query reads vectors of
 * it only, every analysis writes it) and, while an upgrade runs, its *target*. The upgrade job writes the
 * target's vectors into `photo_embeddings_next`, never into `photo_embeddings`, so similar-photo search and
 * grouping keep reading the old model; the staged rows are the upgrade's progress (a killed job resumes
 * where they stop). The cut-over swaps them in, in one transaction: the embed results, the vectors and the
 * vec0 index hold the new model only, the old vectors are gone, and the target becomes active.
 */
import type { NamedMigration, SqlDb, SqlParam } from '../sql/sql-db.js';
import { DEFAULT_DESCRIPTOR_MODEL, DESCRIPTOR_MODELS, type VectorKind, type VectorModelStatus } from '../../../src-shared/vector-models.js';
import { embeddingFromResult } from '../store.js';
import { now } from '../rows.js';
import { ACTIVE_DESCRIPTOR_SQL, EmbeddingsRepo } from './embeddings-repo.js';

export const VECTOR_MODELS_MIGRATIONS: readonly NamedMigration[] = [
  {
    id: 'vector-models/001-tables',
    // Every vector row already names its model (photo_embeddings.model, faces.model); this adds which
    // model is active, the upgrade's state, and the staging table. The seed is what every library had.
    sqlite: `
      CREATE TABLE vector_models (
        kind TEXT PRIMARY KEY,
        active TEXT NOT NULL,
        target TEXT,
        state TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        run_started_at TEXT,
        run_done_at_start INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        updated_at TEXT NOT NULL
      );
      INSERT INTO vector_models (kind, active, state, updated_at) VALUES ('descriptor', '${DEFAULT_DESCRIPTOR_MODEL}', 'idle', '');
      CREATE TABLE photo_embeddings_next (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector BLOB NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
    postgres: `
      CREATE TABLE vector_models (
        kind TEXT COLLATE "C" PRIMARY KEY,
        active TEXT NOT NULL,
        target TEXT,
        state TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        run_started_at TEXT,
        run_done_at_start INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        updated_at TEXT NOT NULL
      );
      INSERT INTO vector_models (kind, active, state, updated_at) VALUES ('descriptor', '${DEFAULT_DESCRIPTOR_MODEL}', 'idle', '');
      CREATE TABLE photo_embeddings_next (
        photo_id TEXT COLLATE "C" PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        vector REAL[] NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
];


export interface VectorModels {
  active: string;
  /** Set while an upgrade runs: the analysis also stages a vector of this model. */
  target: string | null;
}

/** A photo whose target vector the upgrade still has to compute. */
export interface PendingPhoto {
  photoId: string;
  revision: number;
  previewPath: string | null;
}

export type CutOverResult =
  | { cutOver: true; from: string; to: string; replaced: number; dropped: number; droppedResults: number }
  | { cutOver: false; pending: number };

export class VectorModelsError extends Error {
  constructor(
    readonly code: 'invalid-request' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'VectorModelsError';
  }
}

interface StateRow {
  kind: string;
  active: string;
  target: string | null;
  state: string;
  started_at: string | null;
  finished_at: string | null;
  run_started_at: string | null;
  run_done_at_start: number | string;
  result: string | null;
}

/** Photos holding an active vector of their current revision without a staged one (the upgrade's work). */
const PENDING_WHERE = `FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
   WHERE e.model = ${ACTIVE_DESCRIPTOR_SQL}
     AND NOT EXISTS (SELECT 1 FROM photo_embeddings_next n WHERE n.photo_id = e.photo_id AND n.revision = p.revision
                     AND n.model = (SELECT target FROM vector_models WHERE kind = 'descriptor'))`;

export class VectorModelsRepo {
  constructor(private readonly db: SqlDb) {}

  private async row(kind: VectorKind, db: SqlDb = this.db): Promise<StateRow> {
    const row = await db.get<StateRow>('SELECT * FROM vector_models WHERE kind = ?', [kind]);
    if (!row) throw new Error(`vector_models has no row for "${kind}" (migration vector-models/001 not applied?)`);
    return row;
  }

  /** The active model and the upgrade target (null when none runs). */
  async models(kind: VectorKind = 'descriptor', db: SqlDb = this.db): Promise<VectorModels> {
    const r = await this.row(kind, db);
    return { active: r.active, target: r.state === 'running' ? r.target : null };
  }

  /** Progress and ETA of the upgrade (or the last one's outcome). */
  async status(kind: VectorKind = 'descriptor'): Promise<VectorModelStatus> {
    const r = await this.row(kind);
    const running = r.state === 'running';
    let done = 0;
    let pending = 0;
    if (running) {
      done = Number((await this.db.get<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM photo_embeddings_next n JOIN photos p ON p.id = n.photo_id AND p.revision = n.revision WHERE n.model = ?`,
        [r.target],
      ))?.n ?? 0);
      pending = Number((await this.db.get<{ n: number | string }>(`SELECT COUNT(*) AS n ${PENDING_WHERE}`))?.n ?? 0);
    }
    let perSecond: number | null = null;
    let etaAt: string | null = null;
    if (running && r.run_started_at) {
      const seconds = (Date.now() - Date.parse(r.run_started_at)) / 1000;
      const since = done - Number(r.run_done_at_start);
      if (seconds > 0 && since > 0) {
        perSecond = since / seconds;
        etaAt = new Date(Date.now() + (pending / perSecond) * 1000).toISOString();
      }
    }
    const result = r.result ? (JSON.parse(r.result) as unknown) : null;
    const finished = r.state === 'done' || r.state === 'failed';
    return {
      kind,
      active: r.active,
      target: running ? r.target : null,
      state: r.state as VectorModelStatus['state'],
      done,
      total: done + pending,
      startedAt: r.started_at,
      finishedAt: finished ? r.finished_at : null,
      etaAt,
      perSecond,
      result,
      available: [...DESCRIPTOR_MODELS],
    };
  }

  /**
   * Starts (or keeps) an upgrade to `target`. Switching to another target while one runs throws away
   * the staged vectors and starts over; asking for the active model while one runs cancels it.
   */
  async begin(kind: VectorKind, target: string): Promise<{ started: boolean; why: string }> {
    if (!(DESCRIPTOR_MODELS as readonly string[]).includes(target)) {
      throw new VectorModelsError('invalid-request', `unknown ${kind} model "${target}": use one of ${DESCRIPTOR_MODELS.join(', ')}`);
    }
    return this.db.transaction(async (tx) => {
      const r = await this.row(kind, tx);
      const t = now();
      if (r.state === 'running' && r.target === target) return { started: false, why: `the upgrade to ${target} is already running` };
      if (r.active === target) {
        if (r.state !== 'running') return { started: false, why: `${target} is already the active ${kind} model` };
        await tx.run('DELETE FROM photo_embeddings_next');
        await tx.run(`UPDATE vector_models SET target = NULL, state = 'idle', finished_at = ?, result = ?, updated_at = ? WHERE kind = ?`, [
          t,
          JSON.stringify({ cancelled: `back to ${target}` }),
          t,
          kind,
        ]);
        return { started: false, why: `the upgrade to ${r.target} was cancelled: ${target} stays active` };
      }
      await tx.run('DELETE FROM photo_embeddings_next');
      await tx.run(
        `UPDATE vector_models SET target = ?, state = 'running', started_at = ?, finished_at = NULL, run_started_at = ?, run_done_at_start = 0,
           result = NULL, updated_at = ? WHERE kind = ?`,
        [target, t, t, t, kind],
      );
      return { started: true, why: `re-embedding the library with ${target}; queries use ${r.active} until the cut-over` };
    });
  }

  /** A (re)started upgrade job: the ETA's rate counts from here. */
  async markRunStart(kind: VectorKind = 'descriptor'): Promise<void> {
    const { done } = await this.status(kind);
    await this.db.run(`UPDATE vector_models SET run_started_at = ?, run_done_at_start = ?, updated_at = ? WHERE kind = ? AND state = 'running'`, [
      now(),
      done,
      now(),
      kind,
    ]);
  }

  async fail(kind: VectorKind, message: string): Promise<void> {
    const t = now();
    await this.db.run(`UPDATE vector_models SET state = 'failed', finished_at = ?, result = ?, updated_at = ? WHERE kind = ? AND state = 'running'`, [
      t,
      JSON.stringify({ error: message }),
      t,
      kind,
    ]);
  }

  /** Photos still without a staged vector, by id. */
  async pendingPhotos(limit: number, exclude: ReadonlySet<string> = new Set()): Promise<PendingPhoto[]> {
    const rows = await this.db.all<{ photo_id: string; revision: number | string; preview_path: string | null }>(
      `SELECT e.photo_id, p.revision, (SELECT d.preview_path FROM photo_derivatives d WHERE d.photo_id = e.photo_id) AS preview_path
       ${PENDING_WHERE} ORDER BY e.photo_id LIMIT ?`,
      [limit + exclude.size],
    );
    return rows
      .filter((r) => !exclude.has(r.photo_id))
      .slice(0, limit)
      .map((r) => ({ photoId: r.photo_id, revision: Number(r.revision), previewPath: r.preview_path }));
  }

  /**
   * Keeps a vector of the upgrade's target for this photo revision; ignored (false) when no upgrade to
   * that model runs or the photo moved on to another revision.
   */
  async stage(photoId: string, revision: number, model: string, vector: Float32Array, db: SqlDb = this.db): Promise<boolean> {
    const pg = db.dialect.kind === 'postgres';
    const param: SqlParam = pg ? Array.from(vector) : Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    const { changes } = await db.run(
      `INSERT INTO photo_embeddings_next (photo_id, revision, model, dims, vector, updated_at)
       SELECT ?, ?, ?, ?, ${pg ? '?::real[]' : '?'}, ?
        WHERE EXISTS (SELECT 1 FROM photos WHERE id = ? AND revision = ?)
          AND EXISTS (SELECT 1 FROM vector_models WHERE kind = 'descriptor' AND state = 'running' AND target = ?)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, model = excluded.model, dims = excluded.dims,
         vector = excluded.vector, updated_at = excluded.updated_at`,
      [photoId, revision, model, vector.length, param, now(), photoId, revision, model],
    );
    return changes > 0;
  }

  /**
   * The cut-over, in one transaction: unless some photo still waits for its target vector (then nothing
   * changes and `pending` says how many), every staged vector replaces the photo's embed result and its
   * row in photo_embeddings, the rows of any other model are deleted (with the embed results they came
   * from: a photo of an older revision gets a new one when its analysis reaches embed), the vec0 index
   * is rebuilt from what is left, and the target becomes the active model. `dropPending` photos (their
   * preview is gone) lose their vector instead of blocking the switch.
   */
  async cutOver(kind: VectorKind = 'descriptor', dropPending: ReadonlySet<string> = new Set()): Promise<CutOverResult> {
    return this.db.transaction(async (tx) => {
      const r = await this.row(kind, tx);
      if (r.state !== 'running' || !r.target) throw new VectorModelsError('conflict', `no ${kind} upgrade is running`);
      const target = r.target;
      const pendingIds = (await tx.all<{ photo_id: string }>(`SELECT e.photo_id ${PENDING_WHERE}`)).map((p) => p.photo_id);
      const blocking = pendingIds.filter((id) => !dropPending.has(id));
      if (blocking.length > 0) return { cutOver: false, pending: blocking.length };

      const staged = await tx.all<{ photo_id: string; revision: number | string; dims: number | string; vector: unknown }>(
        `SELECT n.photo_id, n.revision, n.dims, n.vector FROM photo_embeddings_next n JOIN photos p ON p.id = n.photo_id AND p.revision = n.revision
          WHERE n.model = ?`,
        [target],
      );
      const embeddings = new EmbeddingsRepo(tx);
      for (const s of staged) {
        const vector = vectorFrom(s.vector);
        const result = { model: target, dims: Number(s.dims), vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') };
        await tx.run(`UPDATE photo_results SET json = ?, updated_at = ? WHERE photo_id = ? AND stage = 'embed'`, [JSON.stringify(result), now(), s.photo_id]);
        await embeddings.writeRow(tx, s.photo_id, Number(s.revision), target, vector);
      }
      // What is not of the target now is of the old model: gone, vectors and the results they came from.
      const dropped = (await tx.run('DELETE FROM photo_embeddings WHERE model <> ?', [target])).changes;
      let droppedResults = 0;
      const results = await tx.all<{ photo_id: string; json: string }>(`SELECT photo_id, json FROM photo_results WHERE stage = 'embed'`);
      for (const row of results) {
        const e = embeddingFromResult(JSON.parse(row.json) as unknown);
        if (e && e.model === target) continue;
        await tx.run(`DELETE FROM photo_results WHERE photo_id = ? AND stage = 'embed'`, [row.photo_id]);
        droppedResults++;
      }
      await embeddings.rebuildIndex(tx);
      await tx.run('DELETE FROM photo_embeddings_next');
      const t = now();
      const outcome = { cutOver: true as const, from: r.active, to: target, replaced: staged.length, dropped, droppedResults };
      await tx.run(`UPDATE vector_models SET active = ?, target = NULL, state = 'done', finished_at = ?, result = ?, updated_at = ? WHERE kind = ?`, [
        target,
        t,
        JSON.stringify(outcome),
        t,
        kind,
      ]);
      return outcome;
    });
  }

  /** Vectors per model in the store (active rows, staged rows): what tests and `shoebox models --json` check. */
  async vectorCounts(): Promise<{ active: Record<string, number>; staged: Record<string, number> }> {
    const count = async (table: string) =>
      Object.fromEntries(
        (await this.db.all<{ model: string; n: number | string }>(`SELECT model, COUNT(*) AS n FROM ${table} GROUP BY model ORDER BY model`)).map((r) => [
          r.model,
          Number(r.n),
        ]),
      );
    return { active: await count('photo_embeddings'), staged: await count('photo_embeddings_next') };
  }
}

function vectorFrom(value: unknown): Float32Array {
  if (Buffer.isBuffer(value)) return new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  throw new Error('staged vector: unexpected column value');
}
