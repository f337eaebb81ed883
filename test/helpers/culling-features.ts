/**
 * Real features of a real image for culling tests, computed by the analysis' own stage functions
 * (preprocess → dHash and preview, embedding, quality) without a queue or models.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { decodeVector, type PhotoFeatures } from '../../src-core/culling/features.js';
import { imageEmbedding } from '../../src-worker/ml/embedding.js';
import { loadRgb } from '../../src-worker/ml/image.js';
import { assessQuality } from '../../src-worker/ml/quality.js';
import { preprocess } from '../../src-worker/stages/preprocess.js';

export async function realFeatures(
  id: string,
  bytes: Buffer,
  cacheDir: string,
  extra: Partial<Pick<PhotoFeatures, 'takenMs' | 'camera'>> = {},
): Promise<PhotoFeatures> {
  const contentHash = createHash('sha1').update(bytes).digest('hex');
  const d = await preprocess({ bytes, contentHash, cacheDir });
  const img = await loadRgb(path.join(cacheDir, d.previewPath));
  const vector = await imageEmbedding(img);
  const q = await assessQuality(img, []);
  return {
    id,
    path: `${id}.jpg`,
    contentHash,
    fileBytes: bytes.length,
    mtimeMs: 0,
    dhash: BigInt(`0x${d.dhash}`),
    width: d.width,
    height: d.height,
    takenMs: extra.takenMs ?? null,
    camera: extra.camera ?? null,
    vector: decodeVector({ dims: vector.length, vector: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64') }),
    faces: [],
    sharpness: q.parts.sharpness,
    laplacianVariance: q.parts.laplacianVariance,
    clippedHighlights: q.parts.clippedHighlights,
    clippedShadows: q.parts.clippedShadows,
    quality: q.score,
    previewPath: d.previewPath,
  };
}
