/**
 * How a model upgrade (model-upgrade.ts) computes one photo's vectors of the target model, per vector
 * kind, and stages them. Both read the preview as the ML stages do (loadMlImage), so a re-embedded
 * vector is the one a fresh analysis would make.
 */
import path from 'node:path';
import { DescriptorModelSchema, FaceModelSchema, type VectorKind } from '../../src-shared/vector-models.js';
import type { PendingPhoto, VectorModelsRepo } from '../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { descriptorOf } from '../ml/embedding.js';
import { FaceEmbedder } from '../ml/face-embedding.js';
import { loadMlImage } from '../stages/ml-stages.js';

export interface EmbedContext {
  sql: SqlDb;
  cacheDir: string;
  repo: VectorModelsRepo;
}

/** Computes and stages one photo's vectors of `target`; NotEmbeddable when its preview (or detect result) cannot be read. */
export type KindEmbedder = (ctx: EmbedContext, photo: PendingPhoto, target: string) => Promise<void>;

/** The photo cannot be re-embedded (its preview or detect result is gone): it loses its vectors at the cut-over. */
export class NotEmbeddable extends Error {
  constructor(photoId: string, why: string) {
    super(`photo ${photoId}: ${why}`);
    this.name = 'NotEmbeddable';
  }
}

/** The preview decoded as the ML stages decode it. */
async function previewImage(ctx: EmbedContext, photo: PendingPhoto) {
  if (!photo.previewPath) throw new NotEmbeddable(photo.photoId, 'no preview');
  try {
    return await loadMlImage(path.join(ctx.cacheDir, photo.previewPath));
  } catch (error) {
    throw new NotEmbeddable(photo.photoId, `preview unreadable: ${error instanceof Error ? error.message : String(error)}`);
  }
}

let faceEmbedder: Promise<FaceEmbedder> | null = null;

export const UPGRADE_EMBEDDERS: Readonly<Record<VectorKind, KindEmbedder>> = {
  async descriptor(ctx, photo, target) {
    const vector = await descriptorOf(await previewImage(ctx, photo), DescriptorModelSchema.parse(target));
    await ctx.repo.stage(photo.photoId, photo.revision, target, vector);
  },

  /** Every face of the detect result, from the preview and its stored landmarks (normalised to the preview). */
  async face(ctx, photo, target) {
    const model = FaceModelSchema.parse(target);
    const row = await ctx.sql.get<{ json: string }>(`SELECT json FROM photo_results WHERE photo_id = ? AND stage = 'detect'`, [photo.photoId]);
    if (!row) throw new NotEmbeddable(photo.photoId, 'no detect result');
    const faces = (JSON.parse(row.json) as { faces?: Array<{ landmarks?: unknown }> }).faces ?? [];
    const img = await previewImage(ctx, photo);
    faceEmbedder ??= FaceEmbedder.load();
    const embedder = await faceEmbedder;
    const vectors: Array<Float32Array | null> = [];
    for (const face of faces) {
      const lm = face.landmarks;
      if (!Array.isArray(lm) || lm.length !== 136) {
        vectors.push(null); // no landmarks, no aligned crop: the face is kept without a vector
        continue;
      }
      const px = (lm as number[]).map((v, i) => v * (i % 2 === 0 ? img.width : img.height));
      vectors.push(await embedder.embed(img, px, model));
    }
    await ctx.repo.stageFaces(photo.photoId, photo.revision, target, vectors);
  },
};
