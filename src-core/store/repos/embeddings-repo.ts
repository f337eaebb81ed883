import { embeddingFromResult, type SimilarPhoto } from '../store.js';
import { now } from '../rows.js';
import type { SqlDb, SqlParam } from '../sql/sql-db.js';

/**
 * The active descriptor model (src-core/store/repos/vector-models-repo.ts): every query over the vectors
 * filters on it, so vectors of two models are never compared, even for a moment.
 */
export const ACTIVE_DESCRIPTOR_SQL = `(SELECT active FROM vector_models WHERE kind = 'descriptor')`;

/**
 * The `embed` vectors (photo_embeddings) and the nearest-neighbour search over them. The vector's column
 * and the index differ per database, so they live behind `VectorIndex`: SQLite keeps a BLOB and, when
 * sqlite-vec loaded, a vec0 table per dimension; Postgres keeps REAL[] and scans exactly in SQL.
 */
export class EmbeddingsRepo {
  private readonly index: VectorIndex;

  constructor(private readonly db: SqlDb) {
    this.index = db.dialect.kind === 'postgres' ? new PostgresExactScan() : new SqliteVectorIndex(db.vec0);
  }

  /** Upserts the vector of an `embed` result (ignored when it is not one). Callers check the revision guard. */
  async write(tx: SqlDb, photoId: string, revision: number, result: unknown): Promise<void> {
    const e = embeddingFromResult(result);
    if (!e) return;
    await this.writeRow(tx, photoId, revision, e.model, e.vector);
  }

  /** Upserts one vector row and its index entry. */
  async writeRow(tx: SqlDb, photoId: string, revision: number, model: string, vector: Float32Array): Promise<void> {
    const e = { model, dims: vector.length, vector };
    await tx.run(
      `INSERT INTO photo_embeddings (photo_id, revision, model, dims, vector, updated_at) VALUES (?, ?, ?, ?, ${this.index.vectorPlaceholder}, ?)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, model = excluded.model, dims = excluded.dims,
         vector = excluded.vector, updated_at = excluded.updated_at`,
      [photoId, revision, e.model, e.dims, this.index.vectorParam(e.vector), now()],
    );
    await this.index.afterWrite(tx, photoId, e.dims, e.vector);
  }

  /** Vectors written before core migration 3 (only in photo_results) go into photo_embeddings, once. */
  async backfill(tx: SqlDb): Promise<void> {
    const rows = await tx.all<{ photo_id: string; json: string; revision: number | string }>(
      `SELECT r.photo_id, r.json, p.revision FROM photo_results r JOIN photos p ON p.id = r.photo_id WHERE r.stage = 'embed'`,
    );
    for (const row of rows) await this.write(tx, row.photo_id, Number(row.revision), JSON.parse(row.json) as unknown);
  }

  /** After a model cut-over (in its transaction): the vector index holds exactly the rows of photo_embeddings. */
  async rebuildIndex(tx: SqlDb): Promise<void> {
    await this.index.rebuild(tx);
  }

  /**
   * The k photos whose embedding (same model, current revision) is closest to this photo's, nearest
   * first: cosine distance 0 (same) … 2 (opposite), ties by photo id. [] when the photo has no embedding yet.
   */
  async similar(photoId: string, k: number): Promise<SimilarPhoto[]> {
    const limit = Math.max(0, Math.trunc(k));
    if (limit === 0) return [];
    return this.index.similar(this.db, photoId, limit);
  }
}

interface VectorIndex {
  /** The VALUES placeholder of the vector column. */
  readonly vectorPlaceholder: string;
  vectorParam(vector: Float32Array): SqlParam;
  afterWrite(tx: SqlDb, photoId: string, dims: number, vector: Float32Array): Promise<void>;
  similar(db: SqlDb, photoId: string, limit: number): Promise<SimilarPhoto[]>;
  rebuild(tx: SqlDb): Promise<void>;
}

/** Postgres: REAL[] column; no pgvector on this server, so an exact scan, 1 − dot product of unit vectors. */
class PostgresExactScan implements VectorIndex {
  readonly vectorPlaceholder = '?::real[]';
  vectorParam(vector: Float32Array): SqlParam {
    return Array.from(vector);
  }
  async afterWrite(): Promise<void> {}
  async rebuild(): Promise<void> {}
  async similar(db: SqlDb, photoId: string, limit: number): Promise<SimilarPhoto[]> {
    const rows = await db.all<{ photo_id: string; path: string; distance: number | string }>(
      `SELECT e.photo_id, p.path,
              GREATEST(0, 1 - (SELECT SUM(a::float8 * b::float8) FROM unnest(e.vector, q.vector) AS t(a, b))) AS distance
       FROM photo_embeddings q
       JOIN photos qp ON qp.id = q.photo_id AND qp.revision = q.revision
       JOIN photo_embeddings e ON e.model = q.model AND e.dims = q.dims AND e.photo_id <> q.photo_id
       JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE q.photo_id = ? AND q.model = ${ACTIVE_DESCRIPTOR_SQL}
       ORDER BY distance, e.photo_id
       LIMIT ?`,
      [photoId, limit],
    );
    return rows.map((r) => ({ photoId: r.photo_id, path: r.path, distance: Number(r.distance) }));
  }
}

const blobOf = (vector: Float32Array): Buffer => Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);

/**
 * SQLite: float32 BLOB column, and with sqlite-vec a `vec0` table per dimension (cosine, exact KNN);
 * without the extension an exact scan in JS.
 */
class SqliteVectorIndex implements VectorIndex {
  readonly vectorPlaceholder = '?';
  /** vec0 tables checked against photo_embeddings on this connection, by dims. */
  private readonly checked = new Set<number>();

  constructor(private readonly vec0: boolean) {}

  vectorParam(vector: Float32Array): SqlParam {
    return blobOf(vector);
  }

  async afterWrite(tx: SqlDb, photoId: string, dims: number, vector: Float32Array): Promise<void> {
    if (!this.vec0) return;
    const table = await this.ensureTable(tx, dims);
    await tx.run(`DELETE FROM ${table} WHERE photo_id = ?`, [photoId]);
    await tx.run(`INSERT INTO ${table} (photo_id, embedding) VALUES (?, ?)`, [photoId, blobOf(vector)]);
  }

  async rebuild(tx: SqlDb): Promise<void> {
    if (!this.vec0) return;
    const tables = await tx.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'vec_photo_embeddings_%'`);
    for (const { name } of tables) if (/^vec_photo_embeddings_\d+$/.test(name)) await tx.run(`DELETE FROM ${name}`);
    this.checked.clear();
    const dims = await tx.all<{ dims: number }>('SELECT DISTINCT dims FROM photo_embeddings');
    for (const d of dims) await this.ensureTable(tx, Number(d.dims));
  }

  /**
   * The vec0 index for vectors of this many dims, created on first use and rebuilt from photo_embeddings
   * when its row count differs (a writer without the extension). Runs inside the caller's transaction.
   */
  private async ensureTable(tx: SqlDb, dims: number): Promise<string> {
    const n = Math.trunc(dims);
    const table = `vec_photo_embeddings_${n}`;
    if (this.checked.has(n)) return table;
    await tx.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(photo_id TEXT PRIMARY KEY, embedding float[${n}] distance_metric=cosine)`);
    const indexed = Number((await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0);
    const stored = Number((await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM photo_embeddings WHERE dims = ?', [n]))?.n ?? 0);
    if (indexed !== stored) {
      await tx.run(`DELETE FROM ${table}`);
      const rows = await tx.all<{ photo_id: string; vector: Buffer }>('SELECT photo_id, vector FROM photo_embeddings WHERE dims = ?', [n]);
      for (const r of rows) await tx.run(`INSERT INTO ${table} (photo_id, embedding) VALUES (?, ?)`, [r.photo_id, r.vector]);
    }
    this.checked.add(n);
    return table;
  }

  async similar(db: SqlDb, photoId: string, limit: number): Promise<SimilarPhoto[]> {
    const self = await db.get<{ model: string; dims: number; vector: Buffer }>(
      `SELECT e.model, e.dims, e.vector FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE e.photo_id = ? AND e.model = ${ACTIVE_DESCRIPTOR_SQL}`,
      [photoId],
    );
    if (!self) return [];
    if (this.vec0) {
      // The index may need creating or rebuilding: a write transaction, as in afterWrite.
      const table = this.checked.has(self.dims) ? `vec_photo_embeddings_${Math.trunc(self.dims)}` : await db.transaction((tx) => this.ensureTable(tx, self.dims));
      const total = Number((await db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0);
      // Stale rows (older revision, other model, the photo itself) are dropped after the KNN:
      // ask for more until `limit` are left or the index is exhausted.
      for (let want = limit + 1; ; want = Math.min(total, want * 4)) {
        const rows = await db.all<SimilarPhoto>(
          `WITH knn AS MATERIALIZED (SELECT photo_id, distance FROM ${table} WHERE embedding MATCH ? AND k = ?)
           SELECT knn.photo_id AS photoId, p.path AS path, knn.distance AS distance FROM knn
           JOIN photo_embeddings e ON e.photo_id = knn.photo_id AND e.model = ?
           JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
           WHERE knn.photo_id <> ? ORDER BY knn.distance, knn.photo_id LIMIT ?`,
          [self.vector, want, self.model, photoId, limit],
        );
        if (rows.length >= limit || want >= total) return rows.map((r) => ({ ...r, distance: Math.max(0, r.distance) }));
      }
    }
    // Exact scan without the extension.
    const q = new Float32Array(self.vector.buffer.slice(self.vector.byteOffset, self.vector.byteOffset + self.vector.byteLength));
    const out: SimilarPhoto[] = [];
    const rows = await db.all<{ photo_id: string; vector: Buffer; path: string }>(
      `SELECT e.photo_id, e.vector, p.path FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
       WHERE e.model = ? AND e.dims = ? AND e.photo_id <> ?`,
      [self.model, self.dims, photoId],
    );
    for (const r of rows) {
      let dot = 0;
      for (let i = 0; i < q.length; i++) dot += q[i]! * r.vector.readFloatLE(i * 4);
      out.push({ photoId: r.photo_id, path: r.path, distance: Math.max(0, 1 - dot) });
    }
    return out.sort((a, b) => a.distance - b.distance || (a.photoId < b.photoId ? -1 : 1)).slice(0, limit);
  }
}
