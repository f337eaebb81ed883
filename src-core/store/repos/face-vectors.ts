/**
 * The face model's part of a model upgrade (kind-vectors.ts). A face vector lives in two places: the
 * `detect` stage result (`faces[i].embedding`, with `faceModel`), which the cluster-faces job reads,
 * and the `faces` row that people search and clustering read. The upgrade re-embeds each photo's faces
 * (all of them, from the preview and the stored landmarks) into `photo_faces_next`, one row per photo;
 * the cut-over writes them into both places at once. A face row keeps its id, so its person, who said
 * so and its "not this person" marks are untouched; the people recluster that follows re-decides only
 * what the machine had decided.
 */
import type { SqlDb } from '../sql/sql-db.js';
import { now } from '../rows.js';
import { PeopleRepo } from './people-repo.js';
import { countByModel, type KindVectors } from './kind-vectors.js';

/** A face the upgrade could not give a vector of the new model (its preview is gone): kept, with its person, out of search and clustering. */
export const NO_VECTOR_GATE = 'no-embedding';

interface DetectFace {
  embedding?: unknown;
  [key: string]: unknown;
}

function b64(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

function fromB64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Detect results with at least one face (SQLite and Postgres spell the JSON length differently). */
function hasFaces(db: SqlDb, column: string): string {
  if (db.dialect.kind === 'sqlite') return `json_array_length(${column}, '$.faces') > 0`; // 0 for a non-array
  const faces = `((${column})::json -> 'faces')`;
  return `(CASE WHEN json_typeof(${faces}) = 'array' THEN json_array_length(${faces}) ELSE 0 END) > 0`;
}

export const FACE_VECTORS: KindVectors = {
  pendingSql: (db) => `SELECT r.photo_id AS photo_id, p.revision AS revision
     FROM photo_results r JOIN photos p ON p.id = r.photo_id
    WHERE r.stage = 'detect' AND ${hasFaces(db, 'r.json')}
      AND NOT EXISTS (SELECT 1 FROM photo_faces_next n WHERE n.photo_id = r.photo_id AND n.revision = p.revision
                      AND n.model = (SELECT target FROM vector_models WHERE kind = 'face'))`,

  async stagedCount(db, target) {
    const row = await db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM photo_faces_next n JOIN photos p ON p.id = n.photo_id AND p.revision = n.revision WHERE n.model = ?`,
      [target],
    );
    return Number(row?.n ?? 0);
  },

  async clearStaged(tx) {
    await tx.run('DELETE FROM photo_faces_next');
  },

  async swap(tx, target) {
    const people = new PeopleRepo(tx);
    const staged = await tx.all<{ photo_id: string; revision: number | string; vectors: string }>(
      `SELECT n.photo_id, n.revision, n.vectors FROM photo_faces_next n JOIN photos p ON p.id = n.photo_id AND p.revision = n.revision WHERE n.model = ?`,
      [target],
    );
    const stagedBy = new Map(staged.map((s) => [s.photo_id, { revision: Number(s.revision), vectors: JSON.parse(s.vectors) as Array<string | null> }]));
    let replaced = 0;
    let droppedResults = 0;
    const results = await tx.all<{ photo_id: string; json: string }>(`SELECT photo_id, json FROM photo_results WHERE stage = 'detect'`);
    for (const row of results) {
      const detect = JSON.parse(row.json) as { faces?: DetectFace[]; faceModel?: string } | null;
      const faces = Array.isArray(detect?.faces) ? detect.faces : [];
      if (!detect || faces.length === 0) {
        if (detect && detect.faceModel !== target) await writeDetect(tx, row.photo_id, { ...detect, faceModel: target });
        continue;
      }
      const s = stagedBy.get(row.photo_id);
      const usable = s && s.vectors.length === faces.length ? s : null;
      // The faces table numbers a photo's faces among those that had an embedding (photo-faces.ts).
      const rowIndexToFace = faces.map((f, i) => [f, i] as const).filter(([f]) => typeof f.embedding === 'string' && f.embedding.length > 0).map(([, i]) => i);
      const next = faces.map((f, i) => ({ ...f, embedding: usable?.vectors[i] ?? '' }));
      await writeDetect(tx, row.photo_id, { ...detect, faces: next, faceModel: target });
      if (!usable) {
        droppedResults++;
        continue;
      }
      replaced++;
      const rows = await tx.all<{ id: string; face_index: number | string; revision: number | string }>('SELECT id, face_index, revision FROM faces WHERE photo_id = ?', [
        row.photo_id,
      ]);
      for (const r of rows) {
        if (Number(r.revision) !== usable.revision) continue; // a face row of an older analysis: emptied below
        const vector = usable.vectors[rowIndexToFace[Number(r.face_index)] ?? -1];
        if (vector) await people.replaceFaceVector(r.id, target, fromB64(vector));
      }
    }
    // Whatever face row is still of another model had no new vector: emptied, out of search and
    // clustering, but kept with its person (a person's decision about it stays; a re-analysis refills it).
    const left = await tx.all<{ id: string }>('SELECT id FROM faces WHERE model <> ?', [target]);
    for (const f of left) await people.replaceFaceVector(f.id, target, null);
    await tx.run('DELETE FROM photo_faces_next');
    return { replaced, dropped: left.length, droppedResults };
  },

  async counts(db) {
    return {
      active: await countByModel(db, 'SELECT model, COUNT(*) AS n FROM faces GROUP BY model ORDER BY model'),
      staged: await countByModel(db, 'SELECT model, COUNT(*) AS n FROM photo_faces_next GROUP BY model ORDER BY model'),
    };
  },
};

async function writeDetect(tx: SqlDb, photoId: string, value: unknown): Promise<void> {
  await tx.run(`UPDATE photo_results SET json = ?, updated_at = ? WHERE photo_id = ? AND stage = 'detect'`, [JSON.stringify(value), now(), photoId]);
}

/** Keeps the target model's vectors of one photo's faces (by detect index; null where a face has none). */
export async function stageFaceVectors(db: SqlDb, photoId: string, revision: number, model: string, vectors: ReadonlyArray<Float32Array | null>): Promise<boolean> {
  const { changes } = await db.run(
    `INSERT INTO photo_faces_next (photo_id, revision, model, vectors, updated_at)
     SELECT ?, ?, ?, ?, ?
      WHERE EXISTS (SELECT 1 FROM photos WHERE id = ? AND revision = ?)
        AND EXISTS (SELECT 1 FROM vector_models WHERE kind = 'face' AND state = 'running' AND target = ?)
     ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, model = excluded.model, vectors = excluded.vectors, updated_at = excluded.updated_at`,
    [photoId, revision, model, JSON.stringify(vectors.map((v) => (v ? b64(v) : null))), now(), photoId, revision, model],
  );
  return changes > 0;
}
