/**
 * The image descriptor's part of a model upgrade (kind-vectors.ts): vectors in `photo_embeddings` (and
 * the vec0 index, and the `embed` stage results), the target's staged in `photo_embeddings_next`.
 */
import type { SqlDb } from '../sql/sql-db.js';
import { embeddingFromResult } from '../store.js';
import { now } from '../rows.js';
import { ACTIVE_DESCRIPTOR_SQL, EmbeddingsRepo } from './embeddings-repo.js';
import { countByModel, vectorFrom, type KindVectors } from './kind-vectors.js';

export const DESCRIPTOR_VECTORS: KindVectors = {
  // Photos holding an active vector of their current revision without a staged one.
  pendingSql: () => `SELECT e.photo_id AS photo_id, p.revision AS revision
     FROM photo_embeddings e JOIN photos p ON p.id = e.photo_id AND p.revision = e.revision
    WHERE e.model = ${ACTIVE_DESCRIPTOR_SQL}
      AND NOT EXISTS (SELECT 1 FROM photo_embeddings_next n WHERE n.photo_id = e.photo_id AND n.revision = p.revision
                      AND n.model = (SELECT target FROM vector_models WHERE kind = 'descriptor'))`,

  async stagedCount(db, target) {
    const row = await db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM photo_embeddings_next n JOIN photos p ON p.id = n.photo_id AND p.revision = n.revision WHERE n.model = ?`,
      [target],
    );
    return Number(row?.n ?? 0);
  },

  async clearStaged(tx) {
    await tx.run('DELETE FROM photo_embeddings_next');
  },

  /**
   * Every staged vector replaces the photo's embed result and its row in photo_embeddings, the rows of
   * any other model are deleted (with the embed results they came from: a photo of an older revision
   * gets a new one when its analysis reaches embed), and the vec0 index is rebuilt from what is left.
   */
  async swap(tx, target) {
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
    return { replaced: staged.length, dropped, droppedResults };
  },

  async counts(db) {
    return {
      active: await countByModel(db, 'SELECT model, COUNT(*) AS n FROM photo_embeddings GROUP BY model ORDER BY model'),
      staged: await countByModel(db, 'SELECT model, COUNT(*) AS n FROM photo_embeddings_next GROUP BY model ORDER BY model'),
    };
  },
};
