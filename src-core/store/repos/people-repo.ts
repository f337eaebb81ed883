/**
 * People: detected faces (with the quality gate's verdict and their embedding), persons, which person a
 * face belongs to and who said so (the clusterer: 'machine'; a person: 'person'), and "not this
 * person" negatives. Both stores; face vectors also live in a sqlite-vec vec0 index where the extension
 * is loaded (SQLite), and are scanned exactly elsewhere (Postgres has no pgvector here).
 *
 * A face row keeps its id when its photo is analysed again (matched by box overlap), so what a person
 * said about it survives a re-analysis and a model change.
 */
import { randomUUID } from 'node:crypto';
import type { NamedMigration, SqlDb, SqlParam } from '../sql/sql-db.js';
import { registerSearchSource } from './search-repo.js';
import { registerDuplicateCheck } from '../accounting.js';

// Accounting: a detected face is stored once (same photo, revision and box → one row; the schema's key
// is the row id, so this is the check that can see a face written twice).
registerDuplicateCheck({
  name: 'face row per detected face',
  async find(db) {
    const rows = await db.all<{ photo_id: string; revision: number | string; box_x: number; box_y: number; box_w: number; box_h: number }>(
      'SELECT photo_id, revision, box_x, box_y, box_w, box_h FROM faces',
    );
    const counts = new Map<string, number>();
    for (const r of rows) {
      const key = `${r.photo_id} r${Number(r.revision)} [${[r.box_x, r.box_y, r.box_w, r.box_h].map((v) => Number(v).toFixed(3)).join(', ')}]`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return [...counts].filter(([, n]) => n > 1).map(([key, count]) => ({ check: 'face row per detected face', key, count }));
  },
});

// A person's name finds their photos in the one search field (and is offered by auto-complete).
// Hidden persons stay out of search as they stay out of the People view.
registerSearchSource({
  kind: 'person',
  suggest: true,
  sql: `SELECT f.photo_id AS photo_id, p.name AS term FROM faces f
          JOIN face_assignments a ON a.face_id = f.id
          JOIN persons p ON p.id = a.person_id
         WHERE p.name IS NOT NULL AND p.hidden = 0`,
});

export const PEOPLE_MIGRATIONS: readonly NamedMigration[] = [
  {
    id: 'people/001-tables',
    sqlite: `
      CREATE TABLE persons (
        id TEXT PRIMARY KEY,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE faces (
        id TEXT PRIMARY KEY,
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        face_index INTEGER NOT NULL,
        box_x REAL NOT NULL, box_y REAL NOT NULL, box_w REAL NOT NULL, box_h REAL NOT NULL,
        score REAL NOT NULL,
        size_px REAL NOT NULL,
        sharpness REAL,
        gate TEXT NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        embedding BLOB NOT NULL,
        clustered INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX faces_photo_idx ON faces(photo_id);
      CREATE INDEX faces_pending_idx ON faces(clustered, gate);
      CREATE TABLE face_assignments (
        face_id TEXT PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
        person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX face_assignments_person_idx ON face_assignments(person_id);
      CREATE TABLE face_negatives (
        face_id TEXT NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (face_id, person_id)
      );
    `,
    postgres: `
      CREATE TABLE persons (
        id TEXT COLLATE "C" PRIMARY KEY,
        name TEXT,
        hidden INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE faces (
        id TEXT COLLATE "C" PRIMARY KEY,
        photo_id TEXT COLLATE "C" NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        face_index INTEGER NOT NULL,
        box_x DOUBLE PRECISION NOT NULL, box_y DOUBLE PRECISION NOT NULL, box_w DOUBLE PRECISION NOT NULL, box_h DOUBLE PRECISION NOT NULL,
        score DOUBLE PRECISION NOT NULL,
        size_px DOUBLE PRECISION NOT NULL,
        sharpness DOUBLE PRECISION,
        gate TEXT NOT NULL,
        model TEXT NOT NULL,
        dims INTEGER NOT NULL,
        embedding REAL[] NOT NULL,
        clustered INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX faces_photo_idx ON faces(photo_id);
      CREATE INDEX faces_pending_idx ON faces(clustered, gate);
      CREATE TABLE face_assignments (
        face_id TEXT COLLATE "C" PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
        person_id TEXT COLLATE "C" NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        source TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX face_assignments_person_idx ON face_assignments(person_id);
      CREATE TABLE face_negatives (
        face_id TEXT COLLATE "C" NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
        person_id TEXT COLLATE "C" NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (face_id, person_id)
      );
    `,
  },
  {
    // Postgres has no vector index here: a sign-bit signature per face narrows the exact scan to the
    // candidates nearest in Hamming distance (bit_count of the XOR), which are then scored exactly.
    id: 'people/002-signature',
    sqlite: `SELECT 1;`,
    postgres: `
      ALTER TABLE faces ADD COLUMN sig BIT VARYING;
      UPDATE faces SET sig = (SELECT string_agg(CASE WHEN x > 0 THEN '1' ELSE '0' END, '' ORDER BY i)
                                FROM unnest(embedding) WITH ORDINALITY AS t(x, i))::bit varying;
    `,
  },
];

/** Candidates by signature (Postgres's sig column, SQLite's bit vec0) before the exact score; enough that the true neighbours are among them. */
const SIGNATURE_CANDIDATES = 128;

/** Sign bits of a vector as a bit string ('1' where the component is positive). */
export function signBits(v: Float32Array): string {
  let out = '';
  for (const x of v) out += x > 0 ? '1' : '0';
  return out;
}

export type Box = [number, number, number, number];
export type AssignmentSource = 'machine' | 'person';
/** 'ok' when the face passed the quality gate, else its reasons joined by ','. */
export type GateVerdict = string;

export interface NewFace {
  index: number;
  box: Box;
  score: number;
  sizePx: number;
  sharpness: number | null;
  gate: GateVerdict;
  model: string;
  embedding: Float32Array;
}

export interface FaceRow {
  id: string;
  photoId: string;
  index: number;
  box: Box;
  score: number;
  gate: GateVerdict;
  model: string;
  personId: string | null;
  source: AssignmentSource | null;
}

export interface Neighbour {
  faceId: string;
  photoId: string;
  personId: string | null;
  distance: number;
}

export interface PersonSummary {
  id: string;
  name: string | null;
  hidden: boolean;
  faceCount: number;
  photoCount: number;
  /** The face shown for the person: the largest, sharpest one it has. */
  coverFaceId: string | null;
  createdAt: string;
}

export interface FaceWithPhoto extends FaceRow {
  path: string;
  previewPath: string | null;
  takenAt: string | null;
}

/** vec0 tables whose row count was checked against the faces table in this process (once is enough: every write goes through indexVector). */
const vecChecked = new Set<string>();

const now = (): string => new Date().toISOString();
/** Minimum box overlap for a face of a re-analysed photo to be the same face as before. */
const SAME_FACE_IOU = 0.5;

interface FaceDbRow {
  id: string;
  photo_id: string;
  face_index: number | string;
  box_x: number | string;
  box_y: number | string;
  box_w: number | string;
  box_h: number | string;
  score: number | string;
  gate: string;
  model: string;
  person_id: string | null;
  source: string | null;
}

const FACE_COLUMNS = `f.id, f.photo_id, f.face_index, f.box_x, f.box_y, f.box_w, f.box_h, f.score, f.gate, f.model, a.person_id, a.source`;

function faceFromRow(r: FaceDbRow): FaceRow {
  return {
    id: r.id,
    photoId: r.photo_id,
    index: Number(r.face_index),
    box: [Number(r.box_x), Number(r.box_y), Number(r.box_w), Number(r.box_h)],
    score: Number(r.score),
    gate: r.gate,
    model: r.model,
    personId: r.person_id,
    source: (r.source as AssignmentSource | null) ?? null,
  };
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]));
  const iy = Math.max(0, Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]));
  const inter = ix * iy;
  const union = a[2] * a[3] + b[2] * b[3] - inter;
  return union > 0 ? inter / union : 0;
}

export class PeopleRepo {
  constructor(private readonly db: SqlDb) {}

  get sql(): SqlDb {
    return this.db;
  }

  // ── vectors ─────────────────────────────────────────────────────────────

  private vectorParam(v: Float32Array): SqlParam {
    // SQLite: little-endian float32 BLOB (what vec0 reads); Postgres: REAL[] from a JSON-ish array literal.
    if (this.db.dialect.kind === 'sqlite') return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
    return `{${Array.from(v).join(',')}}`;
  }

  private vectorFrom(value: unknown): Float32Array {
    if (Buffer.isBuffer(value)) return new Float32Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
    if (Array.isArray(value)) return Float32Array.from(value as number[]);
    throw new Error('face embedding: unexpected column value');
  }

  /** sqlite-vec's bit vectors need a whole number of bytes; other dims are scanned exactly. */
  private signatureIndexed(dims: number): boolean {
    return this.db.vec0 && dims > 0 && dims % 8 === 0;
  }

  private sigTable(dims: number): string {
    return `vec_faces_sig_${Math.trunc(dims)}`;
  }

  /**
   * The vec0 index of gated faces' sign signatures (bit[dims], Hamming distance: the same prefilter as
   * Postgres's `sig` column), created on first use and rebuilt from the faces table when its row count
   * differs (a writer without the extension). The float index it replaces (vec_faces_<dims>: an exact
   * cosine KNN, ~4 × slower at 50k faces) is dropped. SQLite only.
   */
  private async ensureVecIndex(dims: number): Promise<string> {
    const table = this.sigTable(dims);
    await this.db.exec(`CREATE VIRTUAL TABLE IF NOT EXISTS ${table} USING vec0(face_id TEXT PRIMARY KEY, sig bit[${Math.trunc(dims)}])`);
    if (vecChecked.has(table)) return table;
    vecChecked.add(table);
    await this.db.exec(`DROP TABLE IF EXISTS vec_faces_${Math.trunc(dims)}`);
    const indexed = Number((await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0);
    const stored = Number((await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM faces WHERE dims = ? AND gate = 'ok'`, [dims]))?.n ?? 0);
    if (indexed !== stored) {
      await this.db.run(`DELETE FROM ${table}`);
      for (const r of await this.db.all<{ id: string; embedding: Buffer }>(`SELECT id, embedding FROM faces WHERE dims = ? AND gate = 'ok'`, [dims])) {
        await this.db.run(`INSERT INTO ${table} (face_id, sig) VALUES (?, vec_quantize_binary(?))`, [r.id, r.embedding]);
      }
    }
    return table;
  }

  private async indexVector(faceId: string, dims: number, vector: Float32Array | null): Promise<void> {
    if (!this.signatureIndexed(dims)) return;
    const table = await this.ensureVecIndex(dims);
    await this.db.run(`DELETE FROM ${table} WHERE face_id = ?`, [faceId]);
    if (vector) await this.db.run(`INSERT INTO ${table} (face_id, sig) VALUES (?, vec_quantize_binary(?))`, [faceId, this.vectorParam(vector)]);
  }

  /**
   * Gated faces of the same model within `maxDistance` (cosine) of the face, nearest first, at most
   * `limit`, never from the face's own photo.
   */
  async neighbours(faceId: string, maxDistance: number, limit: number): Promise<Neighbour[]> {
    const self = await this.db.get<{ photo_id: string; model: string; dims: number; embedding: unknown }>(
      'SELECT photo_id, model, dims, embedding FROM faces WHERE id = ?',
      [faceId],
    );
    if (!self) return [];
    const dims = Number(self.dims);
    type Row = { face_id: string; photo_id: string; person_id: string | null; distance: number | string };
    let rows: Row[];
    if (this.signatureIndexed(dims)) {
      const table = await this.ensureVecIndex(dims);
      // Candidates nearest in Hamming distance of the sign bits, then scored exactly (as on Postgres).
      const candidates = await this.db.all<{ face_id: string; photo_id: string; person_id: string | null; embedding: Buffer }>(
        `WITH knn AS MATERIALIZED (SELECT face_id FROM ${table} WHERE sig MATCH vec_quantize_binary(?) AND k = ?)
         SELECT knn.face_id, f.photo_id, a.person_id, f.embedding FROM knn
         JOIN faces f ON f.id = knn.face_id AND f.model = ? AND f.dims = ? AND f.gate = 'ok'
         LEFT JOIN face_assignments a ON a.face_id = f.id
         WHERE f.photo_id <> ?`,
        [self.embedding as Buffer, Math.max(SIGNATURE_CANDIDATES, limit * 2), self.model, dims, self.photo_id],
      );
      const q = this.vectorFrom(self.embedding);
      rows = [];
      for (const c of candidates) {
        const v = this.vectorFrom(c.embedding);
        let dot = 0;
        for (let i = 0; i < q.length; i++) dot += q[i]! * v[i]!;
        if (1 - dot <= maxDistance) rows.push({ face_id: c.face_id, photo_id: c.photo_id, person_id: c.person_id, distance: 1 - dot });
      }
      rows.sort((a, b) => Number(a.distance) - Number(b.distance) || (a.face_id < b.face_id ? -1 : 1));
      rows = rows.slice(0, limit);
    } else if (this.db.dialect.kind === 'postgres') {
      rows = await this.db.all<Row>(
        `WITH q AS (SELECT id, photo_id, model, dims, embedding, sig FROM faces WHERE id = ?),
         cand AS (
           SELECT f.id, f.photo_id, f.embedding FROM faces f, q
           WHERE f.model = q.model AND f.dims = q.dims AND f.gate = 'ok' AND f.photo_id <> q.photo_id
           ORDER BY bit_count(f.sig # q.sig), f.id LIMIT ?)
         SELECT * FROM (
           SELECT c.id AS face_id, c.photo_id, a.person_id,
                  1 - (SELECT SUM(x::float8 * y::float8) FROM unnest(c.embedding, q.embedding) AS t(x, y)) AS distance
           FROM cand c CROSS JOIN q LEFT JOIN face_assignments a ON a.face_id = c.id) d
         WHERE distance <= ? ORDER BY distance, face_id LIMIT ?`,
        [faceId, Math.max(SIGNATURE_CANDIDATES, limit * 2), maxDistance, limit],
      );
    } else {
      // SQLite without the extension: an exact scan in JS.
      const q = this.vectorFrom(self.embedding);
      const all = await this.db.all<{ id: string; photo_id: string; person_id: string | null; embedding: Buffer }>(
        `SELECT f.id, f.photo_id, a.person_id, f.embedding FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id
         WHERE f.model = ? AND f.dims = ? AND f.gate = 'ok' AND f.photo_id <> ?`,
        [self.model, dims, self.photo_id],
      );
      rows = [];
      for (const r of all) {
        const v = this.vectorFrom(r.embedding);
        let dot = 0;
        for (let i = 0; i < q.length; i++) dot += q[i]! * v[i]!;
        if (1 - dot <= maxDistance) rows.push({ face_id: r.id, photo_id: r.photo_id, person_id: r.person_id, distance: 1 - dot });
      }
      rows.sort((a, b) => Number(a.distance) - Number(b.distance) || (a.face_id < b.face_id ? -1 : 1));
      rows = rows.slice(0, limit);
    }
    return rows.map((r) => ({ faceId: r.face_id, photoId: r.photo_id, personId: r.person_id, distance: Math.max(0, Number(r.distance)) }));
  }

  /**
   * A face model's cut-over (face-vectors.ts): the face's vector of the new model, its signature and
   * index entry; the clusterer looks at it again. `null` (no new vector could be made) empties it and
   * keeps it out of search and clustering (gate 'no-embedding'), with its person and negatives.
   */
  async replaceFaceVector(faceId: string, model: string, vector: Float32Array | null): Promise<void> {
    const row = await this.db.get<{ dims: number | string; gate: string }>('SELECT dims, gate FROM faces WHERE id = ?', [faceId]);
    if (!row) return;
    const v = vector ?? new Float32Array(Number(row.dims));
    const gate = vector ? row.gate : 'no-embedding';
    await this.db.run(
      `UPDATE faces SET model = ?, dims = ?, embedding = ${this.db.dialect.kind === 'postgres' ? '?::real[]' : '?'}, gate = ?, clustered = 0, updated_at = ? WHERE id = ?`,
      [model, v.length, this.vectorParam(v), gate, now(), faceId],
    );
    if (this.db.dialect.kind === 'postgres') await this.db.run('UPDATE faces SET sig = ?::bit varying WHERE id = ?', [signBits(v), faceId]);
    if (Number(row.dims) !== v.length) await this.indexVector(faceId, Number(row.dims), null);
    await this.indexVector(faceId, v.length, gate === 'ok' ? v : null);
  }

  // ── faces ───────────────────────────────────────────────────────────────

  /**
   * Stores the faces of one analysis of a photo. A face that overlaps one stored before (IoU ≥ 0.5)
   * keeps its id, its negatives and a person's assignment; a machine assignment is dropped when the
   * embedding changed (it is clustered again). Faces no longer found go, with what hung on them.
   * Returns every face's id (in the given order) and those that need clustering (the gated ones).
   */
  async replacePhotoFaces(photoId: string, revision: number, faces: readonly NewFace[]): Promise<{ ids: string[]; pending: string[] }> {
    const old = (await this.db.all<FaceDbRow & { model: string }>(
      `SELECT ${FACE_COLUMNS} FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id WHERE f.photo_id = ?`,
      [photoId],
    )).map(faceFromRow);
    const unmatched = new Set(old.map((f) => f.id));
    const pending: string[] = [];
    const ids: string[] = [];
    const t = now();
    for (const face of faces) {
      let match: FaceRow | null = null;
      let best = SAME_FACE_IOU;
      for (const o of old) {
        if (!unmatched.has(o.id)) continue;
        const overlap = iou(o.box, face.box);
        if (overlap >= best) {
          best = overlap;
          match = o;
        }
      }
      const id = match?.id ?? randomUUID();
      if (match) unmatched.delete(match.id);
      ids.push(id);
      const params: SqlParam[] = [
        id, photoId, revision, face.index, face.box[0], face.box[1], face.box[2], face.box[3], face.score, face.sizePx,
        face.sharpness, face.gate, face.model, face.embedding.length, this.vectorParam(face.embedding), t, t,
      ];
      await this.db.run(
        `INSERT INTO faces (id, photo_id, revision, face_index, box_x, box_y, box_w, box_h, score, size_px, sharpness, gate, model, dims,
                            embedding, clustered, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ${this.db.dialect.kind === 'postgres' ? '?::real[]' : '?'}, 0, ?, ?)
         ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, face_index = excluded.face_index, box_x = excluded.box_x,
           box_y = excluded.box_y, box_w = excluded.box_w, box_h = excluded.box_h, score = excluded.score, size_px = excluded.size_px,
           sharpness = excluded.sharpness, gate = excluded.gate, model = excluded.model, dims = excluded.dims,
           embedding = excluded.embedding, clustered = 0, updated_at = excluded.updated_at`,
        params,
      );
      // The clusterer decides again for this face; what a person said stays.
      if (this.db.dialect.kind === 'postgres') await this.db.run('UPDATE faces SET sig = ?::bit varying WHERE id = ?', [signBits(face.embedding), id]);
      await this.db.run(`DELETE FROM face_assignments WHERE face_id = ? AND source = 'machine'`, [id]);
      await this.indexVector(id, face.embedding.length, face.gate === 'ok' ? face.embedding : null);
      if (face.gate === 'ok') pending.push(id);
    }
    for (const id of unmatched) {
      const dims = await this.db.get<{ dims: number }>('SELECT dims FROM faces WHERE id = ?', [id]);
      await this.db.run('DELETE FROM faces WHERE id = ?', [id]);
      if (dims) await this.indexVector(id, Number(dims.dims), null);
    }
    return { ids, pending };
  }

  async face(faceId: string): Promise<FaceRow | null> {
    const row = await this.db.get<FaceDbRow>(`SELECT ${FACE_COLUMNS} FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id WHERE f.id = ?`, [faceId]);
    return row ? faceFromRow(row) : null;
  }

  async photoFaces(photoId: string): Promise<FaceRow[]> {
    const rows = await this.db.all<FaceDbRow>(
      `SELECT ${FACE_COLUMNS} FROM faces f LEFT JOIN face_assignments a ON a.face_id = f.id WHERE f.photo_id = ? ORDER BY f.face_index`,
      [photoId],
    );
    return rows.map(faceFromRow);
  }

  /** Gated faces the clusterer has not looked at since they were stored or the last full recluster. */
  async pendingFaceIds(limit = 1_000_000): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT id FROM faces WHERE clustered = 0 AND gate = 'ok' ORDER BY created_at, id LIMIT ?`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  async markClustered(faceId: string): Promise<void> {
    await this.db.run('UPDATE faces SET clustered = 1 WHERE id = ?', [faceId]);
  }

  /** Persons that already have a face in this photo (other than `exceptFace`). */
  async personsInPhoto(photoId: string, exceptFace: string | null = null): Promise<Set<string>> {
    const rows = await this.db.all<{ person_id: string }>(
      `SELECT DISTINCT a.person_id FROM faces f JOIN face_assignments a ON a.face_id = f.id WHERE f.photo_id = ? AND f.id <> ?`,
      [photoId, exceptFace ?? ''],
    );
    return new Set(rows.map((r) => r.person_id));
  }

  async negativesOf(faceId: string): Promise<Set<string>> {
    const rows = await this.db.all<{ person_id: string }>('SELECT person_id FROM face_negatives WHERE face_id = ?', [faceId]);
    return new Set(rows.map((r) => r.person_id));
  }

  // ── persons and assignments ─────────────────────────────────────────────

  async createPerson(name: string | null = null): Promise<string> {
    const id = randomUUID();
    const t = now();
    await this.db.run('INSERT INTO persons (id, name, hidden, created_at, updated_at) VALUES (?, ?, 0, ?, ?)', [id, name, t, t]);
    return id;
  }

  async assign(faceId: string, personId: string, source: AssignmentSource): Promise<void> {
    await this.db.run(
      `INSERT INTO face_assignments (face_id, person_id, source, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (face_id) DO UPDATE SET person_id = excluded.person_id, source = excluded.source, updated_at = excluded.updated_at`,
      [faceId, personId, source, now()],
    );
  }

  async person(personId: string): Promise<PersonSummary | null> {
    return (await this.listPersons({ includeHidden: true, personId }))[0] ?? null;
  }

  /** Persons with their counts and cover face; unnamed first, then by size (the People view's order). */
  async listPersons(options: { includeHidden?: boolean; personId?: string } = {}): Promise<PersonSummary[]> {
    const where: string[] = [];
    const params: SqlParam[] = [];
    if (!options.includeHidden) where.push('p.hidden = 0');
    if (options.personId) {
      where.push('p.id = ?');
      params.push(options.personId);
    }
    const rows = await this.db.all<{
      id: string; name: string | null; hidden: number | string; created_at: string; faces: number | string; photos: number | string; cover: string | null;
    }>(
      `SELECT p.id, p.name, p.hidden, p.created_at,
              (SELECT COUNT(*) FROM face_assignments a WHERE a.person_id = p.id) AS faces,
              (SELECT COUNT(DISTINCT f.photo_id) FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.person_id = p.id) AS photos,
              (SELECT f.id FROM face_assignments a JOIN faces f ON f.id = a.face_id WHERE a.person_id = p.id
                ORDER BY CASE WHEN f.gate = 'ok' THEN 0 ELSE 1 END, f.size_px * COALESCE(f.sharpness, 0.5) DESC, f.id LIMIT 1) AS cover
       FROM persons p ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      params,
    );
    return rows
      .map((r) => ({
        id: r.id,
        name: r.name,
        hidden: Number(r.hidden) === 1,
        faceCount: Number(r.faces),
        photoCount: Number(r.photos),
        coverFaceId: r.cover,
        createdAt: r.created_at,
      }))
      .filter((p) => p.faceCount > 0 || p.name !== null || options.personId)
      .sort((a, b) => Number(a.name !== null) - Number(b.name !== null) || b.faceCount - a.faceCount || (a.name ?? '').localeCompare(b.name ?? '') || a.id.localeCompare(b.id));
  }

  /** Faces with their photo's path, preview and capture time; by person, unassigned gated ones, or low-quality ones. */
  async facesWithPhotos(which: { personId: string } | { unassigned: true } | { lowQuality: true } | { faceId: string }): Promise<FaceWithPhoto[]> {
    let where: string;
    let params: SqlParam[] = [];
    if ('personId' in which) {
      where = 'a.person_id = ?';
      params = [which.personId];
    } else if ('unassigned' in which) where = `a.person_id IS NULL AND f.gate = 'ok'`;
    else if ('lowQuality' in which) where = `a.person_id IS NULL AND f.gate <> 'ok'`;
    else {
      where = 'f.id = ?';
      params = [which.faceId];
    }
    const rows = await this.db.all<FaceDbRow & { path: string; preview_path: string | null; taken_at: string | null }>(
      `SELECT ${FACE_COLUMNS}, p.path, d.preview_path, m.taken_at
       FROM faces f JOIN photos p ON p.id = f.photo_id
       LEFT JOIN face_assignments a ON a.face_id = f.id
       LEFT JOIN photo_derivatives d ON d.photo_id = f.photo_id
       LEFT JOIN photo_metadata m ON m.photo_id = f.photo_id
       WHERE ${where}
       ORDER BY COALESCE(m.taken_at, p.created_at), p.path, f.face_index`,
      params,
    );
    return rows.map((r) => ({ ...faceFromRow(r), path: r.path, previewPath: r.preview_path, takenAt: r.taken_at }));
  }

  /**
   * Photo ids showing every one of these persons (a library filter: AND across persons). Callers use
   * it as an id pre-filter of the library query.
   */
  async photoIdsWithPersons(personIds: readonly string[]): Promise<string[]> {
    if (personIds.length === 0) return [];
    const marks = personIds.map(() => '?').join(', ');
    const rows = await this.db.all<{ photo_id: string }>(
      `SELECT f.photo_id FROM faces f JOIN face_assignments a ON a.face_id = f.id
       WHERE a.person_id IN (${marks})
       GROUP BY f.photo_id HAVING COUNT(DISTINCT a.person_id) = ?
       ORDER BY f.photo_id`,
      [...personIds, personIds.length],
    );
    return rows.map((r) => r.photo_id);
  }

  async requirePerson(personId: string): Promise<void> {
    const row = await this.db.get<{ id: string }>('SELECT id FROM persons WHERE id = ?', [personId]);
    if (!row) throw new PeopleError('person-not-found', `no person with id "${personId}"`);
  }

  async requireFace(faceId: string): Promise<FaceRow> {
    const face = await this.face(faceId);
    if (!face) throw new PeopleError('face-not-found', `no face with id "${faceId}"`);
    return face;
  }

  /** A person's word about these faces: machine assignments to this person become the person's own. */
  async confirmFaces(personId: string): Promise<void> {
    await this.db.run(`UPDATE face_assignments SET source = 'person', updated_at = ? WHERE person_id = ? AND source = 'machine'`, [now(), personId]);
  }

  async setName(personId: string, name: string | null): Promise<void> {
    await this.requirePerson(personId);
    await this.db.run('UPDATE persons SET name = ?, updated_at = ? WHERE id = ?', [name, now(), personId]);
    await this.confirmFaces(personId);
  }

  async setHidden(personId: string, hidden: boolean): Promise<void> {
    await this.requirePerson(personId);
    await this.db.run('UPDATE persons SET hidden = ?, updated_at = ? WHERE id = ?', [hidden ? 1 : 0, now(), personId]);
    await this.confirmFaces(personId);
  }

  /** Moves every face and negative of `from` into `into` and deletes `from`; `into` takes `from`'s name if it has none. */
  async merge(from: string, into: string): Promise<void> {
    if (from === into) throw new PeopleError('invalid-request', 'a person cannot be merged into itself');
    await this.requirePerson(from);
    await this.requirePerson(into);
    const t = now();
    await this.db.run(`UPDATE face_assignments SET person_id = ?, source = 'person', updated_at = ? WHERE person_id = ?`, [into, t, from]);
    await this.db.run(
      `INSERT INTO face_negatives (face_id, person_id, created_at) SELECT face_id, ?, created_at FROM face_negatives WHERE person_id = ?
       ON CONFLICT (face_id, person_id) DO NOTHING`,
      [into, from],
    );
    // A face that someone said is not `into` but was in `from` has just been put there by the person: their later word wins.
    await this.db.run(`DELETE FROM face_negatives WHERE person_id = ? AND face_id IN (SELECT face_id FROM face_assignments WHERE person_id = ?)`, [into, into]);
    await this.db.run(
      `UPDATE persons SET name = COALESCE(name, (SELECT name FROM persons WHERE id = ?)), updated_at = ? WHERE id = ?`,
      [from, t, into],
    );
    await this.db.run('DELETE FROM persons WHERE id = ?', [from]);
    await this.confirmFaces(into);
  }

  /** A person moves one face to a person (pinned: the clusterer never moves it again). */
  async moveFace(faceId: string, personId: string): Promise<void> {
    await this.requireFace(faceId);
    await this.requirePerson(personId);
    await this.db.run('DELETE FROM face_negatives WHERE face_id = ? AND person_id = ?', [faceId, personId]);
    await this.assign(faceId, personId, 'person');
  }

  /** "Not this person": the face leaves the person and the clusterer never puts it back there. */
  async notThisPerson(faceId: string, personId: string): Promise<void> {
    await this.requireFace(faceId);
    await this.requirePerson(personId);
    await this.db.run(`INSERT INTO face_negatives (face_id, person_id, created_at) VALUES (?, ?, ?) ON CONFLICT (face_id, person_id) DO NOTHING`, [
      faceId,
      personId,
      now(),
    ]);
    await this.db.run('DELETE FROM face_assignments WHERE face_id = ? AND person_id = ?', [faceId, personId]);
    await this.db.run('UPDATE faces SET clustered = 0 WHERE id = ?', [faceId]);
  }

  /**
   * Before a full recluster: forget what the clusterer decided (machine assignments, and unnamed,
   * visible persons left with no face), keep everything a person said. Every gated face is pending again.
   */
  async resetMachineClustering(): Promise<void> {
    await this.db.run(`DELETE FROM face_assignments WHERE source = 'machine'`);
    await this.deleteEmptyMachinePersons();
    await this.db.run(`UPDATE faces SET clustered = 0 WHERE gate = 'ok'`);
  }

  async deleteEmptyMachinePersons(): Promise<number> {
    const result = await this.db.run(
      `DELETE FROM persons WHERE name IS NULL AND hidden = 0 AND NOT EXISTS (SELECT 1 FROM face_assignments a WHERE a.person_id = persons.id)`,
    );
    return result.changes;
  }

  async counts(): Promise<{ faces: number; gated: number; assigned: number; persons: number }> {
    const row = await this.db.get<{ faces: number | string; gated: number | string; assigned: number | string; persons: number | string }>(
      `SELECT (SELECT COUNT(*) FROM faces) AS faces, (SELECT COUNT(*) FROM faces WHERE gate = 'ok') AS gated,
              (SELECT COUNT(*) FROM face_assignments) AS assigned, (SELECT COUNT(*) FROM persons) AS persons`,
    );
    return { faces: Number(row?.faces ?? 0), gated: Number(row?.gated ?? 0), assigned: Number(row?.assigned ?? 0), persons: Number(row?.persons ?? 0) };
  }

  /** Serialises clustering across processes (Postgres: a transaction-scoped advisory lock; SQLite's write lock already does). */
  async lockClustering(): Promise<void> {
    if (this.db.dialect.kind === 'postgres') await this.db.get(`SELECT pg_advisory_xact_lock(hashtext('shoebox-people:' || current_schema()))`);
  }
}

export type PeopleErrorCode = 'person-not-found' | 'face-not-found' | 'invalid-request';

export class PeopleError extends Error {
  constructor(
    readonly code: PeopleErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PeopleError';
  }
}
