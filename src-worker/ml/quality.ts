/**
 * Quality 0–5 from the preview (no model). Sharpness and exposure are measured on luma at a fixed
 * working size (long side 512 px, never enlarged) so the figures do not depend on the preview's
 * size; noise is measured at the preview's own resolution (down-sampling would average it away).
 *
 *   noise σ̂   Immerkær's estimator (mean |I ∗ N| · √(π/2) / 6, N = [1 −2 1; −2 4 −2; 1 −2 1]) on
 *              16 px blocks of the preview; σ̂ is the median over the flattest 20 % of blocks (by
 *              luma variance, clipped blocks left out), so texture is not mistaken for noise.
 *   sharpness  Laplacian (4-neighbour) variance per block at 512 px, minus the noise's share
 *              (20 (σ̂ · scale)²); the
 *              80th percentile of blocks (the subject, even against a soft background) → v.
 *              s = v / (v + 300) — strictly increasing, 0.5 at v = 300.
 *   faces      when faces were found: the same corrected Laplacian variance inside the face
 *              boxes → f = vf / (vf + 80); sharpness becomes 0.5 s + 0.5 f ("faces in focus").
 *   exposure   e = (1 − pHi)(1 − pLo)(1 − pMean): pHi = 0.9 · clamp((clipped-white − 0.5 %) / 20 %),
 *              pLo = 0.9 · clamp((clipped-black − 2 %) / 35 %), pMean = clamp((|mean luma − 118| − 45) / 80) · 0.8
 *              (clipped: luma ≥ 250 or ≤ 5).
 *   noise      n = 1 − 0.4 · clamp((σ̂ − 0.8) / 4) − 0.2 · clamp((σ̂ − 4.8) / 10).
 *   eyes       c = 1 − 0.3 · (share of faces with both eyes closed).
 *
 *   score = 5 · (0.1 + 0.9 · sharp) · e · n · c, rounded to 2 decimals.
 * Priority of follow-up work: ≥ 4.5 high, 3.5–4.5 medium, < 3.5 low.
 */
import sharp from 'sharp';
import type { RgbImage } from './image.js';

export interface QualityResult {
  score: number;
  priority: 'high' | 'medium' | 'low';
  parts: {
    sharpness: number;
    /** Corrected Laplacian variance (80th percentile of blocks) at the 1024 px working size. */
    laplacianVariance: number;
    exposure: number;
    clippedHighlights: number;
    clippedShadows: number;
    meanLuma: number;
    noise: number;
    noiseSigma: number;
    /** null when there are no faces. */
    facesSharpness: number | null;
    eyes: number;
  };
}

export interface QualityFace {
  box: [number, number, number, number];
  eyesClosed: boolean;
}

const WORK = 512;
const BLOCK = 16;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export async function assessQuality(img: RgbImage, faces: readonly QualityFace[] = []): Promise<QualityResult> {
  const scale = Math.min(1, WORK / Math.max(img.width, img.height));
  const w = Math.max(8, Math.round(img.width * scale));
  const h = Math.max(8, Math.round(img.height * scale));
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(w, h, { fit: 'fill', kernel: 'linear' })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const L = new Float32Array(w * h);
  for (let i = 0; i < L.length; i++) L[i] = data[i]!;
  const sigma = noiseSigma(img);

  // Exposure.
  let hi = 0;
  let lo = 0;
  let sum = 0;
  for (const v of L) {
    sum += v;
    if (v >= 250) hi++;
    else if (v <= 5) lo++;
  }
  const n = L.length;
  const mean = sum / n;
  const pHi = 0.9 * clamp01((hi / n - 0.005) / 0.2);
  const pLo = 0.9 * clamp01((lo / n - 0.02) / 0.35);
  const pMean = clamp01((Math.abs(mean - 118) - 45) / 80) * 0.8;
  const exposure = (1 - pHi) * (1 - pLo) * (1 - pMean);

  // Per-block noise (Immerkær) and Laplacian variance.
  const bw = Math.max(1, Math.floor((w - 2) / BLOCK));
  const bh = Math.max(1, Math.floor((h - 2) / BLOCK));
  const bsX = Math.max(1, Math.floor((w - 2) / bw));
  const bsY = Math.max(1, Math.floor((h - 2) / bh));
  const lapBlocks: Array<{ x: number; y: number; v: number }> = [];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let ls = 0;
      let ls2 = 0;
      let cnt = 0;
      for (let y = 1 + by * bsY; y < Math.min(h - 1, 1 + (by + 1) * bsY); y++) {
        for (let x = 1 + bx * bsX; x < Math.min(w - 1, 1 + (bx + 1) * bsX); x++) {
          const i = y * w + x;
          const c = L[i]!;
          const up = L[i - w]!;
          const dn = L[i + w]!;
          const lf = L[i - 1]!;
          const rt = L[i + 1]!;
          const lap = up + dn + lf + rt - 4 * c;
          ls += lap;
          ls2 += lap * lap;
          cnt++;
        }
      }
      if (!cnt) continue;
      lapBlocks.push({ x: (bx + 0.5) / bw, y: (by + 0.5) / bh, v: ls2 / cnt - (ls / cnt) ** 2 });
    }
  }
  // Noise measured at full preview size shrinks by the down-sampling factor at the working size.
  const sigmaWork = sigma * scale * 1.0;
  const noiseShare = 20 * sigmaWork * sigmaWork;
  const corrected = lapBlocks.map((b) => ({ ...b, v: Math.max(0, b.v - noiseShare) }));
  const lapVar = percentile(
    corrected.map((b) => b.v),
    0.8,
  );
  let sharpness = lapVar / (lapVar + 300);
  let facesSharpness: number | null = null;
  if (faces.length) {
    const inFaces = corrected.filter((b) => faces.some((f) => b.x >= f.box[0] && b.x <= f.box[0] + f.box[2] && b.y >= f.box[1] && b.y <= f.box[1] + f.box[3]));
    if (inFaces.length) {
      const vf = percentile(
        inFaces.map((b) => b.v),
        0.5,
      );
      facesSharpness = vf / (vf + 80);
      sharpness = 0.5 * sharpness + 0.5 * facesSharpness;
    }
  }
  const noise = 1 - 0.4 * clamp01((sigma - 0.8) / 4) - 0.2 * clamp01((sigma - 4.8) / 10);
  const closedShare = faces.length ? faces.filter((f) => f.eyesClosed).length / faces.length : 0;
  const eyes = 1 - 0.3 * closedShare;
  const raw = 5 * (0.1 + 0.9 * sharpness) * exposure * noise * eyes;
  const score = Math.round(raw * 100) / 100;
  return {
    score,
    priority: score >= 4.5 ? 'high' : score >= 3.5 ? 'medium' : 'low',
    parts: {
      sharpness: r3(sharpness),
      laplacianVariance: Math.round(lapVar * 10) / 10,
      exposure: r3(exposure),
      clippedHighlights: r3(hi / n),
      clippedShadows: r3(lo / n),
      meanLuma: Math.round(mean * 10) / 10,
      noise: r3(noise),
      noiseSigma: Math.round(sigma * 100) / 100,
      facesSharpness: facesSharpness === null ? null : r3(facesSharpness),
      eyes: r3(eyes),
    },
  };
}

/**
 * Immerkær noise σ on the native-resolution luma, per 16 px block, measured only where the picture
 * is flat: the blocks whose luma variance is in the lowest 20 % (texture is not noise); σ̂ is the
 * median over those blocks. Variance is cheap and comes first; the 3 × 3 filter runs only on the
 * flat blocks it selects (a fifth of the work, the same result).
 */
export function noiseSigma(img: RgbImage): number {
  const { width: w, height: h, data: d } = img;
  const Y = new Float32Array(w * h);
  for (let i = 0, j = 0; i < Y.length; i++, j += 3) Y[i] = 0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!;
  const n = BLOCK * BLOCK;
  const blocks: Array<{ bx: number; by: number; variance: number }> = [];
  for (let by = 1; by + BLOCK < h; by += BLOCK) {
    for (let bx = 1; bx + BLOCK < w; bx += BLOCK) {
      let s = 0;
      let s2 = 0;
      for (let y = by; y < by + BLOCK; y++) {
        for (let i = y * w + bx, end = i + BLOCK; i < end; i++) {
          const v = Y[i]!;
          s += v;
          s2 += v * v;
        }
      }
      // Blocks touching clipped black or white say nothing about noise.
      const mean = s / n;
      if (mean < 8 || mean > 247) continue;
      blocks.push({ bx, by, variance: s2 / n - mean * mean });
    }
  }
  if (!blocks.length) return 0;
  const cut = percentile(
    blocks.map((b) => b.variance),
    0.2,
  );
  const hf: number[] = [];
  for (const { bx, by, variance } of blocks) {
    if (variance > cut) continue;
    let acc = 0;
    for (let y = by; y < by + BLOCK; y++) {
      for (let x = bx; x < bx + BLOCK; x++) {
        const i = y * w + x;
        const cross = Y[i - w]! + Y[i + w]! + Y[i - 1]! + Y[i + 1]!;
        const diag = Y[i - w - 1]! + Y[i - w + 1]! + Y[i + w - 1]! + Y[i + w + 1]!;
        acc += Math.abs(4 * Y[i]! - 2 * cross + diag);
      }
    }
    hf.push(((acc / n) * Math.sqrt(Math.PI / 2)) / 6);
  }
  return percentile(hf, 0.5);
}

function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))]!;
}
