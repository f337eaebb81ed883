/**
 * Sharpness inside face boxes, measured from the preview, for photos whose quality result predates
 * per-face sharpness (`parts.faceSharpness`). Same measure as the quality stage's faces term:
 * 4-neighbour Laplacian variance of the luma inside the box (at most 128 px), v / (v + 80).
 */
import sharp from 'sharp';
import type { FaceFeature } from '../../src-core/culling/features.js';

export async function measureFaceSharpness(previewFile: string, faces: readonly FaceFeature[]): Promise<(number | null)[]> {
  const meta = await sharp(previewFile).metadata();
  const W = meta.width ?? 0;
  const H = meta.height ?? 0;
  const out: (number | null)[] = [];
  for (const face of faces) {
    const left = Math.max(0, Math.floor(face.box[0] * W));
    const top = Math.max(0, Math.floor(face.box[1] * H));
    const width = Math.min(W - left, Math.ceil(face.box[2] * W));
    const height = Math.min(H - top, Math.ceil(face.box[3] * H));
    if (width < 8 || height < 8) {
      out.push(null);
      continue;
    }
    const { data, info } = await sharp(previewFile)
      .extract({ left, top, width, height })
      .greyscale()
      .resize(128, 128, { fit: 'inside', withoutEnlargement: true })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const w = info.width;
    const h = info.height;
    let s = 0;
    let s2 = 0;
    let n = 0;
    for (let y = 1; y < h - 1; y++) {
      for (let x = 1; x < w - 1; x++) {
        const i = y * w + x;
        const lap = data[i - w]! + data[i + w]! + data[i - 1]! + data[i + 1]! - 4 * data[i]!;
        s += lap;
        s2 += lap * lap;
        n++;
      }
    }
    const v = n ? s2 / n - (s / n) ** 2 : 0;
    out.push(Math.round((v / (v + 80)) * 1000) / 1000);
  }
  return out;
}
