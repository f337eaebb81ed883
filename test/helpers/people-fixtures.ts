/** Photos and synthetic face embeddings for the people tests (the clustering logic, not the model). */
import type { NewFace } from '../../src-core/store/repos/people-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { mulberry32 } from './prng.js';

export async function insertPhoto(db: SqlDb, id: string, takenAt: string | null = null): Promise<void> {
  const t = new Date().toISOString();
  await db.run(
    `INSERT INTO photos (id, path, size, mtime_ms, state, revision, created_at, updated_at) VALUES (?, ?, 1, 1, 'done', 1, ?, ?)`,
    [id, `/photos/${id}.jpg`, t, t],
  );
  if (takenAt) {
    await db.run(`INSERT INTO photo_metadata (photo_id, taken_at, keywords, updated_at) VALUES (?, ?, '[]', ?)`, [id, takenAt, t]);
  }
}

function unit(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s);
  return v.map((x) => x / n);
}

/** Identities as random unit vectors; a face of one is its vector plus noise (same person ≈ 0.2–0.35 apart, strangers ≈ 1). */
export class Identities {
  private readonly random: () => number;
  private readonly bases = new Map<string, Float32Array>();
  constructor(seed = 7, readonly dims = 512) {
    this.random = mulberry32(seed);
  }
  private gauss(): number {
    return Math.sqrt(-2 * Math.log(this.random() || 1e-9)) * Math.cos(2 * Math.PI * this.random());
  }
  vector(who: string, noise = 0.6): Float32Array {
    let base = this.bases.get(who);
    if (!base) {
      base = unit(Float32Array.from({ length: this.dims }, () => this.gauss()));
      this.bases.set(who, base);
    }
    const sigma = noise / Math.sqrt(this.dims);
    return unit(base.map((x) => x + this.gauss() * sigma));
  }
  face(who: string, index = 0, overrides: Partial<NewFace> = {}): NewFace {
    return {
      index,
      box: [0.1 + index * 0.3, 0.1, 0.2, 0.2],
      score: 0.99,
      sizePx: 200,
      sharpness: 0.8,
      gate: 'ok',
      model: 'test-model@1',
      embedding: this.vector(who),
      ...overrides,
    };
  }
}
