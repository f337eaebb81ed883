/**
 * Cheap tone and colour figures of a photo for context recognition: the image at 96 px on its long
 * side (sharp, auto-rotated), luma by Rec. 601 weights. The centre is the middle half of the frame in
 * each direction; the border is the rest.
 */
import sharp from 'sharp';
import type { ImageStats } from './context-rules.js';

const SIZE = 96;

export async function imageStats(file: string, faces: ReadonlyArray<{ box: readonly [number, number, number, number] }> = []): Promise<ImageStats> {
  const { data, info } = await sharp(file, { failOn: 'none' })
    .rotate()
    .resize(SIZE, SIZE, { fit: 'inside' })
    .removeAlpha()
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { width: w, height: h, channels } = info;
  let sum = 0, centre = 0, centreN = 0, border = 0, borderN = 0, clipped = 0, colour = 0;
  const luma = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * channels;
      const r = data[i]!, g = data[i + 1]!, b = data[i + 2]!;
      const l = 0.299 * r + 0.587 * g + 0.114 * b;
      luma[y * w + x] = l;
      sum += l;
      if (l >= 250) clipped++;
      colour += Math.max(r, g, b) - Math.min(r, g, b);
      const inCentre = x >= w / 4 && x < (3 * w) / 4 && y >= h / 4 && y < (3 * h) / 4;
      if (inCentre) (centre += l), centreN++;
      else (border += l), borderN++;
    }
  }
  const n = w * h;
  const faceLuma = faces.map(({ box: [bx, by, bw, bh] }) => {
    let s = 0, k = 0;
    for (let y = Math.floor(by * h); y < Math.min(h, Math.ceil((by + bh) * h)); y++) {
      for (let x = Math.floor(bx * w); x < Math.min(w, Math.ceil((bx + bw) * w)); x++) (s += luma[y * w + x]!), k++;
    }
    return k > 0 ? s / k : sum / n;
  });
  return {
    meanLuma: sum / n,
    centreLuma: centreN > 0 ? centre / centreN : sum / n,
    borderLuma: borderN > 0 ? border / borderN : sum / n,
    clippedHighlights: clipped / n,
    colourfulness: colour / n,
    faceLuma,
  };
}
