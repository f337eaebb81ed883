/**
 * Image embedding "shoebox-global-v1": a compact, model-free global descriptor for near-duplicates
 * (the same shot resized, recompressed, lightly cropped, brightened). Not semantic: "similar
 * subject" search needs a learned model (the `caption` slot in models/manifest.json).
 *
 * Computed from the preview squeezed to 64 × 64 (area average, aspect ignored so a crop changes
 * little), three L2-normalised blocks, weighted and concatenated, then L2-normalised again:
 *   1. structure — 2-D DCT of the 32 × 32 luma, standardised (mean 0, sd 1, so brightness and
 *      contrast drop out); the 8 × 8 lowest frequencies without DC (63 values);
 *   2. gradients — 4 × 4 cells × 8 orientation bins of luma gradients, magnitude-weighted (128);
 *   3. colour — 4 × 4 cells of two opponent chroma channels divided by the cell's luma (32).
 * Similarity is the cosine (dot product of the stored unit vectors).
 */
import sharp from 'sharp';
import { DEFAULT_DESCRIPTOR_MODEL, type DescriptorModel } from '../../src-shared/vector-models.js';
import type { RgbImage } from './image.js';

export const EMBEDDING_MODEL: DescriptorModel = DEFAULT_DESCRIPTOR_MODEL;
export const EMBEDDING_DIMS = 63 + 128 + 32;

/**
 * The design's free parameters. "shoebox-global-v2" is the same design at 1.5 × the resolution
 * (96 px squeeze, DCT of 48 × 48, 24 px cells) with the gradient and colour blocks weighted alike:
 * the same number of dims, but different vectors (a real switch for the model-upgrade path; the two
 * must never be compared).
 */
interface DescriptorDesign {
  /** Side of the squeezed image (cells are S / 4). */
  S: number;
  /** Side of the luma image the DCT reads (S / 2). */
  N: number;
  weights: { dct: number; grad: number; colour: number };
}

const DESIGNS: Readonly<Record<DescriptorModel, DescriptorDesign>> = {
  'shoebox-global-v1': { S: 64, N: 32, weights: { dct: 1.0, grad: 1.0, colour: 0.6 } },
  'shoebox-global-v2': { S: 96, N: 48, weights: { dct: 1.0, grad: 0.8, colour: 0.8 } },
};

const DCT_K = 8;
const cosTables = new Map<number, Float64Array>();
function cosTable(N: number): Float64Array {
  let t = cosTables.get(N);
  if (!t) {
    t = new Float64Array(N * N);
    for (let k = 0; k < N; k++) for (let n = 0; n < N; n++) t[k * N + n] = Math.cos((Math.PI / N) * (n + 0.5) * k);
    cosTables.set(N, t);
  }
  return t;
}

/** The default descriptor ("shoebox-global-v1"). */
export function imageEmbedding(img: RgbImage): Promise<Float32Array> {
  return descriptorOf(img, EMBEDDING_MODEL);
}

/** The named descriptor of an image: unit length, EMBEDDING_DIMS values. */
export async function descriptorOf(img: RgbImage, model: DescriptorModel): Promise<Float32Array> {
  const design = DESIGNS[model];
  if (!design) throw new Error(`unknown descriptor model "${String(model)}"`);
  const { S, N, weights: WEIGHTS } = design;
  const COS = cosTable(N);
  const cell = S / 4;
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(S, S, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const luma = new Float64Array(S * S);
  for (let i = 0; i < S * S; i++) luma[i] = 0.299 * data[i * 3]! + 0.587 * data[i * 3 + 1]! + 0.114 * data[i * 3 + 2]!;

  // 1. DCT of 32 × 32 luma (2 × 2 averages), standardised.
  const small = new Float64Array(N * N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const o = y * 2 * S + x * 2;
      small[y * N + x] = (luma[o]! + luma[o + 1]! + luma[o + S]! + luma[o + S + 1]!) / 4;
    }
  }
  standardise(small);
  const rows = new Float64Array(DCT_K * N);
  for (let k = 0; k < DCT_K; k++) {
    for (let x = 0; x < N; x++) {
      let s = 0;
      for (let y = 0; y < N; y++) s += COS[k * N + y]! * small[y * N + x]!;
      rows[k * N + x] = s;
    }
  }
  const dct: number[] = [];
  for (let ky = 0; ky < DCT_K; ky++) {
    for (let kx = 0; kx < DCT_K; kx++) {
      if (kx === 0 && ky === 0) continue;
      let s = 0;
      for (let x = 0; x < N; x++) s += COS[kx * N + x]! * rows[ky * N + x]!;
      dct.push(s);
    }
  }

  // 2. Orientation histograms of the 64 × 64 luma (contrast-normalised by the global sd).
  const lumaStd = Float64Array.from(luma);
  standardise(lumaStd);
  const grad = new Array<number>(128).fill(0);
  for (let y = 1; y < S - 1; y++) {
    for (let x = 1; x < S - 1; x++) {
      const gx = lumaStd[y * S + x + 1]! - lumaStd[y * S + x - 1]!;
      const gy = lumaStd[(y + 1) * S + x]! - lumaStd[(y - 1) * S + x]!;
      const mag = Math.hypot(gx, gy);
      if (mag === 0) continue;
      const angle = (Math.atan2(gy, gx) + Math.PI) / (2 * Math.PI); // 0…1
      const bin = Math.min(7, Math.floor(angle * 8));
      const c = Math.floor(y / cell) * 4 + Math.floor(x / cell);
      grad[c * 8 + bin]! += mag;
    }
  }
  for (let i = 0; i < grad.length; i++) grad[i] = Math.sqrt(grad[i]!); // soften dominant edges

  // 3. Opponent chroma per 4 × 4 cell, relative to the cell's luma.
  const colour: number[] = [];
  for (let cy = 0; cy < 4; cy++) {
    for (let cx = 0; cx < 4; cx++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (let y = cy * cell; y < cy * cell + cell; y++) {
        for (let x = cx * cell; x < cx * cell + cell; x++) {
          const o = (y * S + x) * 3;
          r += data[o]!;
          g += data[o + 1]!;
          b += data[o + 2]!;
        }
      }
      const l = (r + g + b) / 3 + (256 * cell * cell) / 256; // + 256 px·levels at 16 px cells: dark cells do not explode
      colour.push((r - g) / l, ((r + g) / 2 - b) / l);
    }
  }

  const out = new Float32Array(EMBEDDING_DIMS);
  let o = 0;
  for (const [block, w] of [
    [dct, WEIGHTS.dct],
    [grad, WEIGHTS.grad],
    [colour, WEIGHTS.colour],
  ] as const) {
    const n = Math.hypot(...block) || 1;
    for (const v of block) out[o++] = (v / n) * w;
  }
  const n = Math.hypot(...out) || 1;
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / n;
  return out;
}

function standardise(v: Float64Array): void {
  let m = 0;
  for (const x of v) m += x;
  m /= v.length;
  let s = 0;
  for (const x of v) s += (x - m) * (x - m);
  const sd = Math.sqrt(s / v.length) || 1;
  for (let i = 0; i < v.length; i++) v[i] = (v[i]! - m) / sd;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
