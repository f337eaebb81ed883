/**
 * Few-shot labels (issue 17): a label a person gives to a few photos ("receipts", "my dog"), its examples
 * (positive or "not this", who said so and when), the prototypes computed from them (with the descriptor
 * model they came from, so vectors of two models are never mixed), every photo's score, and the
 * evaluation runs. Both stores; vectors are kept as JSON text (a few dozen per label).
 */
import { randomUUID } from 'node:crypto';
import type { Evaluation } from '../../learning/fewshot.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';
import { insertRows } from '../sql/sql-db.js';
import { now } from '../rows.js';

export const LABELS_MIGRATIONS: readonly NamedMigration[] = [
  {
    id: 'labels/001-tables',
    sql: `
      CREATE TABLE labels (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        name_key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE label_examples (
        label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (label_id, photo_id)
      );
      CREATE TABLE label_prototypes (
        label_id TEXT PRIMARY KEY REFERENCES labels(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        features TEXT NOT NULL,
        prototype_json TEXT NOT NULL,
        threshold {{float}} NOT NULL,
        positives INTEGER NOT NULL,
        negatives INTEGER NOT NULL,
        computed_at TEXT NOT NULL
      );
      CREATE TABLE label_scores (
        label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        score {{float}} NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (label_id, photo_id)
      );
      CREATE INDEX label_scores_rank_idx ON label_scores(label_id, score);
      CREATE TABLE label_eval_runs (
        id TEXT PRIMARY KEY,
        label_id TEXT NOT NULL REFERENCES labels(id) ON DELETE CASCADE,
        model TEXT NOT NULL,
        features TEXT NOT NULL,
        seed INTEGER NOT NULL,
        folds INTEGER NOT NULL,
        positives INTEGER NOT NULL,
        negatives INTEGER NOT NULL,
        precision_value {{float}} NOT NULL,
        recall_value {{float}} NOT NULL,
        f1_value {{float}} NOT NULL,
        curve_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX label_eval_runs_label_idx ON label_eval_runs(label_id, created_at);
    `,
  },
];

export type ExampleKind = 'positive' | 'negative';

export class LabelError extends Error {
  constructor(
    readonly code: 'invalid-request' | 'not-found',
    message: string,
  ) {
    super(message);
  }
}

export interface Label {
  id: string;
  name: string;
  createdAt: string;
}

export interface LabelSummary extends Label {
  positives: number;
  negatives: number;
  /** Photos scored at or above the threshold that are not examples yet. */
  suggestions: number;
  threshold: number | null;
  /** The latest evaluation run's F1, when there is one. */
  lastF1: number | null;
}

export interface LabelExample {
  photoId: string;
  path: string;
  kind: ExampleKind;
  createdBy: string;
  createdAt: string;
}

export interface StoredPrototype {
  model: string;
  features: string;
  /** The prototype as the few-shot module wrote it (src-core/learning/fewshot.ts). */
  prototype: unknown;
  threshold: number;
  positives: number;
  negatives: number;
  computedAt: string;
}

export interface Suggestion {
  photoId: string;
  path: string;
  score: number;
}

/** A stored evaluation run: the k-fold's figures (src-core/learning/fewshot.ts) and what they were computed from. */
export interface EvalRun extends Evaluation {
  id: string;
  labelId: string;
  model: string;
  features: string;
  seed: number;
  createdAt: string;
}

/** A photo's stored inputs to the label features: its descriptor (of one model) and its detect result. */
export interface PhotoSignals {
  photoId: string;
  path: string;
  vector: Float32Array;
  /** The `detect` stage's JSON (faces, objects, text), null when it has none. */
  detect: unknown;
}

const MAX_NAME = 100;

function vectorOf(value: unknown): Float32Array {
  // SQLite: float32 BLOB; Postgres: REAL[] (an array of numbers).
  if (Buffer.isBuffer(value)) return new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
  if (Array.isArray(value)) return Float32Array.from(value as number[]);
  throw new Error('internal: a stored vector is neither a BLOB nor an array');
}

export class LabelsRepo {
  constructor(private readonly db: SqlDb) {}

  /** A label by name (case-insensitive), created when `create` and missing. */
  async label(name: string, create = false): Promise<Label> {
    const clean = name.trim();
    if (clean.length === 0 || clean.length > MAX_NAME) throw new LabelError('invalid-request', `a label is 1–${MAX_NAME} characters, not "${name}"`);
    const key = clean.toLowerCase();
    if (create) {
      const t = now();
      await this.db.run(`INSERT INTO labels (id, name, name_key, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name_key) DO NOTHING`, [
        randomUUID(),
        clean,
        key,
        t,
        t,
      ]);
    }
    const row = await this.db.get<{ id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM labels WHERE name_key = ?', [key]);
    if (!row) throw new LabelError('not-found', `no label "${clean}"`);
    return { id: row.id, name: row.name, createdAt: row.created_at };
  }

  async labelById(id: string): Promise<Label | null> {
    const row = await this.db.get<{ id: string; name: string; created_at: string }>('SELECT id, name, created_at FROM labels WHERE id = ?', [id]);
    return row ? { id: row.id, name: row.name, createdAt: row.created_at } : null;
  }

  async list(): Promise<LabelSummary[]> {
    const rows = await this.db.all<{
      id: string;
      name: string;
      created_at: string;
      positives: number | string;
      negatives: number | string;
      threshold: number | string | null;
    }>(
      `SELECT l.id, l.name, l.created_at,
              (SELECT COUNT(*) FROM label_examples e WHERE e.label_id = l.id AND e.kind = 'positive') AS positives,
              (SELECT COUNT(*) FROM label_examples e WHERE e.label_id = l.id AND e.kind = 'negative') AS negatives,
              pr.threshold
         FROM labels l LEFT JOIN label_prototypes pr ON pr.label_id = l.id
        ORDER BY l.name_key`,
    );
    const out: LabelSummary[] = [];
    for (const r of rows) {
      const threshold = r.threshold === null ? null : Number(r.threshold);
      const suggestions = threshold === null ? 0 : await this.suggestionCount(r.id, threshold);
      const [last] = await this.evalRuns(r.id, 1);
      out.push({
        id: r.id,
        name: r.name,
        createdAt: r.created_at,
        positives: Number(r.positives),
        negatives: Number(r.negatives),
        suggestions,
        threshold,
        lastF1: last?.f1 ?? null,
      });
    }
    return out;
  }

  async allLabelIds(): Promise<string[]> {
    return (await this.db.all<{ id: string }>('SELECT id FROM labels ORDER BY name_key')).map((r) => r.id);
  }

  /** Marks photos as examples (a photo marked before changes its kind); returns how many rows changed. */
  async addExamples(labelId: string, photoIds: readonly string[], kind: ExampleKind, by: string): Promise<number> {
    if (photoIds.length === 0) return 0;
    const t = now();
    return this.db.transaction(async (tx) => {
      let changed = 0;
      for (const photoId of photoIds) {
        const r = await tx.run(
          `INSERT INTO label_examples (label_id, photo_id, kind, created_by, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (label_id, photo_id) DO UPDATE SET kind = excluded.kind, created_by = excluded.created_by, created_at = excluded.created_at`,
          [labelId, photoId, kind, by, t],
        );
        changed += r.changes;
      }
      await tx.run('UPDATE labels SET updated_at = ? WHERE id = ?', [t, labelId]);
      return changed;
    });
  }

  async removeExample(labelId: string, photoId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM label_examples WHERE label_id = ? AND photo_id = ?', [labelId, photoId])).changes > 0;
  }

  async examples(labelId: string): Promise<LabelExample[]> {
    const rows = await this.db.all<{ photo_id: string; path: string; kind: string; created_by: string; created_at: string }>(
      `SELECT e.photo_id, p.path, e.kind, e.created_by, e.created_at FROM label_examples e JOIN photos p ON p.id = e.photo_id
        WHERE e.label_id = ? ORDER BY e.created_at, p.path`,
      [labelId],
    );
    return rows.map((r) => ({ photoId: r.photo_id, path: r.path, kind: r.kind as ExampleKind, createdBy: r.created_by, createdAt: r.created_at }));
  }

  async savePrototype(labelId: string, p: Omit<StoredPrototype, 'computedAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO label_prototypes (label_id, model, features, prototype_json, threshold, positives, negatives, computed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (label_id) DO UPDATE SET model = excluded.model, features = excluded.features, prototype_json = excluded.prototype_json,
         threshold = excluded.threshold, positives = excluded.positives, negatives = excluded.negatives, computed_at = excluded.computed_at`,
      [labelId, p.model, p.features, JSON.stringify(p.prototype), p.threshold, p.positives, p.negatives, now()],
    );
  }

  async dropPrototype(labelId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM label_prototypes WHERE label_id = ?', [labelId]);
      await tx.run('DELETE FROM label_scores WHERE label_id = ?', [labelId]);
    });
  }

  async prototype(labelId: string): Promise<StoredPrototype | null> {
    const r = await this.db.get<{
      model: string;
      features: string;
      prototype_json: string;
      threshold: number | string;
      positives: number | string;
      negatives: number | string;
      computed_at: string;
    }>('SELECT model, features, prototype_json, threshold, positives, negatives, computed_at FROM label_prototypes WHERE label_id = ?', [labelId]);
    if (!r) return null;
    return {
      model: r.model,
      features: r.features,
      prototype: JSON.parse(r.prototype_json) as unknown,
      threshold: Number(r.threshold),
      positives: Number(r.positives),
      negatives: Number(r.negatives),
      computedAt: r.computed_at,
    };
  }

  /** Every prototype with its label id (scoring a newly analysed photo against all labels). */
  async prototypes(): Promise<Array<StoredPrototype & { labelId: string }>> {
    const ids = (await this.db.all<{ label_id: string }>('SELECT label_id FROM label_prototypes ORDER BY label_id')).map((r) => r.label_id);
    const out: Array<StoredPrototype & { labelId: string }> = [];
    for (const id of ids) {
      const p = await this.prototype(id);
      if (p) out.push({ ...p, labelId: id });
    }
    return out;
  }

  /** Replaces a label's scores with this set (all of one descriptor model), in one transaction. */
  async replaceScores(labelId: string, model: string, scores: ReadonlyArray<{ photoId: string; score: number }>): Promise<void> {
    const t = now();
    await this.db.transaction(async (tx) => {
      await tx.run('DELETE FROM label_scores WHERE label_id = ?', [labelId]);
      await insertRows(tx, 'label_scores', ['label_id', 'photo_id', 'model', 'score', 'updated_at'], scores.map((s) => [labelId, s.photoId, model, s.score, t]));
    });
  }

  /** One photo's score for a label (a photo analysed after the prototypes were computed). */
  async saveScore(labelId: string, photoId: string, model: string, score: number): Promise<void> {
    await this.db.run(
      `INSERT INTO label_scores (label_id, photo_id, model, score, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (label_id, photo_id) DO UPDATE SET model = excluded.model, score = excluded.score, updated_at = excluded.updated_at`,
      [labelId, photoId, model, score, now()],
    );
  }

  async score(labelId: string, photoId: string): Promise<number | null> {
    const r = await this.db.get<{ score: number | string }>('SELECT score FROM label_scores WHERE label_id = ? AND photo_id = ?', [labelId, photoId]);
    return r ? Number(r.score) : null;
  }

  /**
   * Photos scored at or above `threshold` that are not examples of the label, best first. Only scores of
   * the prototype's own model count (a score left from an older descriptor is never shown).
   */
  async suggestions(labelId: string, threshold: number, limit: number): Promise<Suggestion[]> {
    const rows = await this.db.all<{ photo_id: string; path: string; score: number | string }>(
      `SELECT s.photo_id, p.path, s.score FROM label_scores s
         JOIN label_prototypes pr ON pr.label_id = s.label_id AND pr.model = s.model
         JOIN photos p ON p.id = s.photo_id
         LEFT JOIN label_examples e ON e.label_id = s.label_id AND e.photo_id = s.photo_id
        WHERE s.label_id = ? AND s.score >= ? AND e.photo_id IS NULL
        ORDER BY s.score DESC, p.path LIMIT ?`,
      [labelId, threshold, Math.max(0, Math.trunc(limit))],
    );
    return rows.map((r) => ({ photoId: r.photo_id, path: r.path, score: Number(r.score) }));
  }

  /** How many photos `suggestions` would list (the sidebar's badge), counted in the store. */
  async suggestionCount(labelId: string, threshold: number): Promise<number> {
    const r = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM label_scores s
         JOIN label_prototypes pr ON pr.label_id = s.label_id AND pr.model = s.model
         LEFT JOIN label_examples e ON e.label_id = s.label_id AND e.photo_id = s.photo_id
        WHERE s.label_id = ? AND s.score >= ? AND e.photo_id IS NULL`,
      [labelId, threshold],
    );
    return Number(r?.n ?? 0);
  }

  async saveEvalRun(run: Omit<EvalRun, 'id' | 'createdAt'>): Promise<EvalRun> {
    const full: EvalRun = { ...run, id: randomUUID(), createdAt: now() };
    await this.db.run(
      `INSERT INTO label_eval_runs (id, label_id, model, features, seed, folds, positives, negatives, precision_value, recall_value, f1_value, curve_json, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [full.id, full.labelId, full.model, full.features, full.seed, full.folds, full.positives, full.negatives, full.precision, full.recall, full.f1, JSON.stringify(full.curve), full.createdAt],
    );
    return full;
  }

  /** A label's evaluation runs, newest first. */
  async evalRuns(labelId: string, limit = 50): Promise<EvalRun[]> {
    const rows = await this.db.all<{
      id: string;
      label_id: string;
      model: string;
      features: string;
      seed: number | string;
      folds: number | string;
      positives: number | string;
      negatives: number | string;
      precision_value: number | string;
      recall_value: number | string;
      f1_value: number | string;
      curve_json: string;
      created_at: string;
    }>('SELECT * FROM label_eval_runs WHERE label_id = ? ORDER BY created_at DESC, id LIMIT ?', [labelId, Math.max(0, Math.trunc(limit))]);
    return rows.map((r) => ({
      id: r.id,
      labelId: r.label_id,
      model: r.model,
      features: r.features,
      seed: Number(r.seed),
      folds: Number(r.folds),
      positives: Number(r.positives),
      negatives: Number(r.negatives),
      precision: Number(r.precision_value),
      recall: Number(r.recall_value),
      f1: Number(r.f1_value),
      curve: JSON.parse(r.curve_json) as Evaluation['curve'],
      createdAt: r.created_at,
    }));
  }

  /**
   * The stored inputs of the label features for photos at their current revision whose descriptor is of
   * `model` (all such photos, or only `photoIds`). A photo embedded by another model is left out, never mixed.
   */
  async signals(model: string, photoIds?: readonly string[]): Promise<PhotoSignals[]> {
    const only = photoIds ? ` AND ${this.db.dialect.inList('e.photo_id')}` : '';
    const out: PhotoSignals[] = [];
    const chunks = photoIds ? Array.from({ length: Math.ceil(photoIds.length / 500) }, (_, i) => photoIds.slice(i * 500, i * 500 + 500)) : [null];
    for (const chunk of chunks) {
      if (chunk && chunk.length === 0) continue;
      const rows = await this.db.all<{ photo_id: string; path: string; vector: unknown; detect: string | null }>(
        `SELECT e.photo_id, p.path, e.vector, r.json AS detect FROM photo_embeddings e
           JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
           LEFT JOIN photo_results r ON r.photo_id = e.photo_id AND r.stage = 'detect'
          WHERE e.model = ?${only} ORDER BY e.photo_id`,
        chunk ? [model, this.db.dialect.listParam(chunk)] : [model],
      );
      for (const r of rows) out.push({ photoId: r.photo_id, path: r.path, vector: vectorOf(r.vector), detect: r.detect ? (JSON.parse(r.detect) as unknown) : null });
    }
    return out;
  }

  /** The descriptor model most photos are embedded with now (null in an empty library). */
  async currentModel(): Promise<string | null> {
    const r = await this.db.get<{ model: string }>('SELECT model, COUNT(*) AS n FROM photo_embeddings GROUP BY model ORDER BY n DESC, model LIMIT 1');
    return r?.model ?? null;
  }
}
