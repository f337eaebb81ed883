/**
 * How sharp a frame is, for comparing frames of one group: the 80th percentile over 16 px blocks of
 * the 4-neighbour Laplacian variance of the preview's luma at 512 px (long side, never enlarged).
 * Unlike the quality stage's figure it is not noise-corrected: frames of one burst share their noise,
 * and a noise estimate that mistakes fine texture for noise would zero the measure (and hide the blur).
 */
import sharp from 'sharp';

const WORK = 512;
const BLOCK = 16;

export async function frameSharpness(previewFile: string): Promise<number> {
  const { data, info } = await sharp(previewFile)
    .greyscale()
    .resize(WORK, WORK, { fit: 'inside', withoutEnlargement: true, kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const w = info.width;
  const h = info.height;
  const ch = info.channels;
  const at = (x: number, y: number): number => data[(y * w + x) * ch]!;
  const blocks: number[] = [];
  for (let by = 1; by + BLOCK < h; by += BLOCK) {
    for (let bx = 1; bx + BLOCK < w; bx += BLOCK) {
      let s = 0;
      let s2 = 0;
      let n = 0;
      for (let y = by; y < by + BLOCK; y++) {
        for (let x = bx; x < bx + BLOCK; x++) {
          const lap = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
          s += lap;
          s2 += lap * lap;
          n++;
        }
      }
      blocks.push(s2 / n - (s / n) ** 2);
    }
  }
  if (!blocks.length) return 0;
  blocks.sort((a, b) => a - b);
  return Math.round(blocks[Math.min(blocks.length - 1, Math.floor(0.8 * blocks.length))]! * 10) / 10;
}
