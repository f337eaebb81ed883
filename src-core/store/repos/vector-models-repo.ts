/**
 * Which model's vectors the library uses, and a model upgrade's state (issue 17), for every vector kind.
 *
 * `vector_models` holds one row per kind ('descriptor', 'face'): the *active* model (every query reads
 * vectors of it only, every analysis writes it) and, while an upgrade runs, its *target*. The upgrade job
 * writes the target's vectors into the kind's staging table, never where queries read, so similar-photo
 * search, grouping and people search keep reading the old model; the staged rows are the upgrade's
 * progress (a killed job resumes where they stop). The cut-over swaps them in, in one transaction: the
 * vectors, the results they came from and the indexes hold the new model only, and the target becomes
 * active. Where each kind keeps its vectors is in descriptor-vectors.ts and face-vectors.ts.
 */
import type { NamedMigration, SqlDb, SqlParam } from '../sql/sql-db.js';
import { DEFAULT_DESCRIPTOR_MODEL, DEFAULT_FACE_MODEL, MODELS_OF_KIND, VECTOR_KINDS, type VectorKind, type VectorModelStatus } from '../../../src-shared/vector-models.js';
import { now } from '../rows.js';
import { DESCRIPTOR_VECTORS } from './descriptor-vectors.js';
import { FACE_VECTORS, stageFaceVectors } from './face-vectors.js';
import type { KindVectors } from './kind-vectors.js';

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
  {
    id: 'vector-models/002-face',
    // The face model becomes switchable: its row, the staging table (one row per photo: the target's
    // vectors of its faces by detect index, base64 JSON), and face rows named by the versioned id
    // (they were 'face-feature@<sha prefix>' of fr_feature.onnx, which is face-feature-v1).
    sqlite: `
      INSERT INTO vector_models (kind, active, state, updated_at) VALUES ('face', '${DEFAULT_FACE_MODEL}', 'idle', '');
      UPDATE faces SET model = '${DEFAULT_FACE_MODEL}' WHERE model LIKE 'face-feature@%';
      CREATE TABLE photo_faces_next (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        vectors TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
    postgres: `
      INSERT INTO vector_models (kind, active, state, updated_at) VALUES ('face', '${DEFAULT_FACE_MODEL}', 'idle', '');
      UPDATE faces SET model = '${DEFAULT_FACE_MODEL}' WHERE model LIKE 'face-feature@%';
      CREATE TABLE photo_faces_next (
        photo_id TEXT COLLATE "C" PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        model TEXT NOT NULL,
        vectors TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `,
  },
];

/** Where each kind keeps its vectors. */
const KINDS: Readonly<Record<VectorKind, KindVectors>> = { descriptor: DESCRIPTOR_VECTORS, face: FACE_VECTORS };


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

export class VectorModelsRepo {
  constructor(private readonly db: SqlDb) {}

  private async row(kind: VectorKind, db: SqlDb = this.db): Promise<StateRow> {
    const row = await db.get<StateRow>('SELECT * FROM vector_models WHERE kind = ?', [kind]);
    if (!row) throw new Error(`vector_models has no row for "${kind}" (migrations vector-models/001–002 not applied?)`);
    return row;
  }

  /** The active model and the upgrade target (null when none runs). */
  async models(kind: VectorKind = 'descriptor', db: SqlDb = this.db): Promise<VectorModels> {
    const r = await this.row(kind, db);
    return { active: r.active, target: r.state === 'running' ? r.target : null };
  }

  private async pendingCount(kind: VectorKind, db: SqlDb = this.db): Promise<number> {
    return Number((await db.get<{ n: number | string }>(`SELECT COUNT(*) AS n FROM (${KINDS[kind].pendingSql(db)}) pending`))?.n ?? 0);
  }

  /** Progress and ETA of the upgrade (or the last one's outcome). */
  async status(kind: VectorKind = 'descriptor'): Promise<VectorModelStatus> {
    const r = await this.row(kind);
    const running = r.state === 'running';
    let done = 0;
    let pending = 0;
    if (running && r.target) {
      done = await KINDS[kind].stagedCount(this.db, r.target);
      pending = await this.pendingCount(kind);
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
      available: [...MODELS_OF_KIND[kind]],
    };
  }

  /**
   * Starts (or keeps) an upgrade to `target`. Switching to another target while one runs throws away
   * the staged vectors and starts over; asking for the active model while one runs cancels it.
   */
  async begin(kind: VectorKind, target: string): Promise<{ started: boolean; why: string }> {
    const models = MODELS_OF_KIND[kind];
    if (!models.includes(target)) {
      throw new VectorModelsError('invalid-request', `unknown ${kind} model "${target}": use one of ${models.join(', ')}`);
    }
    return this.db.transaction(async (tx) => {
      const r = await this.row(kind, tx);
      const t = now();
      if (r.state === 'running' && r.target === target) return { started: false, why: `the upgrade to ${target} is already running` };
      if (r.active === target) {
        if (r.state !== 'running') return { started: false, why: `${target} is already the active ${kind} model` };
        await KINDS[kind].clearStaged(tx);
        await tx.run(`UPDATE vector_models SET target = NULL, state = 'idle', finished_at = ?, result = ?, updated_at = ? WHERE kind = ?`, [
          t,
          JSON.stringify({ cancelled: `back to ${target}` }),
          t,
          kind,
        ]);
        return { started: false, why: `the upgrade to ${r.target} was cancelled: ${target} stays active` };
      }
      await KINDS[kind].clearStaged(tx);
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
  async pendingPhotos(limit: number, exclude: ReadonlySet<string> = new Set(), kind: VectorKind = 'descriptor'): Promise<PendingPhoto[]> {
    const rows = await this.db.all<{ photo_id: string; revision: number | string; preview_path: string | null }>(
      `SELECT pending.photo_id, pending.revision,
              (SELECT d.preview_path FROM photo_derivatives d WHERE d.photo_id = pending.photo_id) AS preview_path
         FROM (${KINDS[kind].pendingSql(this.db)}) pending ORDER BY pending.photo_id LIMIT ?`,
      [limit + exclude.size],
    );
    return rows
      .filter((r) => !exclude.has(r.photo_id))
      .slice(0, limit)
      .map((r) => ({ photoId: r.photo_id, revision: Number(r.revision), previewPath: r.preview_path }));
  }

  /**
   * Keeps a descriptor of the upgrade's target for this photo revision; ignored (false) when no upgrade
   * to that model runs or the photo moved on to another revision.
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

  /** Keeps the face vectors of the upgrade's target for this photo revision (by detect index; same rules as `stage`). */
  async stageFaces(photoId: string, revision: number, model: string, vectors: ReadonlyArray<Float32Array | null>): Promise<boolean> {
    return stageFaceVectors(this.db, photoId, revision, model, vectors);
  }

  /**
   * The cut-over, in one transaction: unless some photo still waits for its target vector (then nothing
   * changes and `pending` says how many), the kind swaps its staged vectors in and drops every other
   * model's (descriptor-vectors.ts, face-vectors.ts), and the target becomes the active model.
   * `dropPending` photos (their preview is gone) lose their vector instead of blocking the switch.
   */
  async cutOver(kind: VectorKind = 'descriptor', dropPending: ReadonlySet<string> = new Set()): Promise<CutOverResult> {
    return this.db.transaction(async (tx) => {
      const r = await this.row(kind, tx);
      if (r.state !== 'running' || !r.target) throw new VectorModelsError('conflict', `no ${kind} upgrade is running`);
      const target = r.target;
      const pendingIds = (await tx.all<{ photo_id: string }>(`SELECT pending.photo_id FROM (${KINDS[kind].pendingSql(tx)}) pending`)).map((p) => p.photo_id);
      const blocking = pendingIds.filter((id) => !dropPending.has(id));
      if (blocking.length > 0) return { cutOver: false, pending: blocking.length };
      const swapped = await KINDS[kind].swap(tx, target, dropPending);
      const t = now();
      const outcome = { cutOver: true as const, from: r.active, to: target, ...swapped };
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
  async vectorCounts(kind: VectorKind = 'descriptor'): Promise<{ active: Record<string, number>; staged: Record<string, number> }> {
    return KINDS[kind].counts(this.db);
  }
}

/** Every kind's status, the descriptor first (what `shoebox status`, `shoebox models` and the API show). */
export async function allModelStatuses(db: SqlDb): Promise<VectorModelStatus[]> {
  const repo = new VectorModelsRepo(db);
  const out: VectorModelStatus[] = [];
  for (const kind of VECTOR_KINDS) out.push(await repo.status(kind));
  return out;
}
