/**
 * Quality 0–5 from the preview (no model). Two steps: `measureQuality` reads figures off the pixels,
 * `scoreQuality` turns them into the score with QUALITY_CALIBRATION (a pure function, so the eval can
 * sweep it). Sharpness and exposure are measured on luma at a fixed working size (long side 512 px,
 * never enlarged) so the figures do not depend on the preview's size; noise at the preview's own
 * resolution (down-sampling would average it away); face sharpness at a fixed face size.
 *
 *   noise σ̂   Immerkær's estimator (mean |I ∗ N| · √(π/2) / 6, N = [1 −2 1; −2 4 −2; 1 −2 1]) on
 *              16 px blocks of the preview: the median over the flattest 5 % of blocks (at least 8; by
 *              luma variance, clipped blocks left out), so texture is not mistaken for noise.
 *   sharpness  per 16 px block at 512 px, the variance of the horizontal and of the vertical second
 *              difference [1 −2 1], minus white noise's share (6 (σ̂ · scale)²). For each direction,
 *              detail = its 97th percentile of blocks (the subject, even against a soft background)
 *              minus its 10th (the noise floor, whatever its spectrum); v = 2 · the smaller direction,
 *              so a smear along one axis (motion blur) counts. s = 1 / (1 + √(80 / v)): 0.5 at v = 80,
 *              0.76 at 800, 0.87 at 3 500 — a power ½ spreads decades of detail over the scale.
 *   faces      parts.faceSharpness, per face in the detect result's order: the face box inset 10 %,
 *              resampled to 64 × 64 luma, its 4-neighbour Laplacian variance less the noise's share →
 *              vf / (vf + 100). A small face is enlarged to 64 px and so scores soft (too little detail
 *              to call it sharp). Faces of at least 64 px whose landmarks look like a face (eyeStateWhy
 *              ≠ 'implausible-landmarks') judge the photo: sharpness = 0.5 s + 0.5 · their area-weighted
 *              mean ("faces in focus"); parts.facesSharpness is that mean (null when none counts).
 *   exposure   e = (1 − pHi)(1 − pLo)(1 − pMean): pHi = 0.9 · clamp((clipped-white − 5 %) / 45 %),
 *              pLo = 0.9 · clamp((clipped-black − 5 %) / 40 %), pMean = 0.8 · clamp((|mean luma − 118| − 50) / 70)
 *              (clipped: luma ≥ 250 or ≤ 5). A white sky or a black night background costs a little;
 *              most of the frame clipped, or a frame far from mid-grey, costs most of the score.
 *   noise      n = 1 − 0.4 · clamp((σ̂ − 1) / 3) − 0.2 · clamp((σ̂ − 5) / 10).
 *   eyes       c = 1 − 0.3 · (share of faces whose eyeState is 'closed'; 'unknown' never counts;
 *              results without eyeState fall back to eyesClosed).
 *   resolution r = 1 − 0.4 · clamp((400 − short side) / 300): a 100 px thumbnail cannot show a sharp photo.
 *
 *   score = 5 · sharpness · e · n · c · r, rounded to 2 decimals.
 * Calibrated with `npm run eval -- --only signals` (README "Quality and eye state"): 22 of the 25
 * photos of ../shared/photos judged sharp and well exposed land in 3.5–4.5, and every blurred,
 * motion-blurred, noisy, darkened and over-exposed copy of them scores below 3.5.
 * Priority of follow-up work: ≥ 4.5 high, 3.5–4.5 medium, < 3.5 low.
 */
import sharp from 'sharp';
import { eyeStateOf, type EyeState, type EyeStateWhy } from './eye-state.js';
import type { RgbImage } from './image.js';

export interface QualityResult {
  score: number;
  priority: 'high' | 'medium' | 'low';
  parts: {
    sharpness: number;
    /** Detail v: 2 × the smaller direction's second-difference variance (97th − 10th percentile of blocks) at 512 px. */
    laplacianVariance: number;
    exposure: number;
    clippedHighlights: number;
    clippedShadows: number;
    meanLuma: number;
    noise: number;
    noiseSigma: number;
    /** Area-weighted mean of faceSharpness; null when there are no faces. */
    facesSharpness: number | null;
    /** 0–1 per face, in the detect result's face order ([] without faces). Absent in older results. */
    faceSharpness: number[];
    eyes: number;
    /** Factor for a small picture (1 from a 400 px short side up). */
    resolution: number;
  };
}

export interface QualityFace {
  box: [number, number, number, number];
  /** Older results have no eyeState: eyesClosed then decides (see eyeStateOf). */
  eyeState?: EyeState;
  /** 'implausible-landmarks' marks a detection that is probably not a face: it does not judge the photo. */
  eyeStateWhy?: EyeStateWhy;
  eyesClosed?: boolean;
}

/** What `scoreQuality` needs, read off the pixels once. */
export interface QualityMeasures {
  /**
   * Noise-corrected variance of the horizontal and of the vertical second difference in each 16 px
   * block at the working size, each ascending. Kept apart so motion blur along one axis shows.
   */
  blockSecondX: number[];
  blockSecondY: number[];
  /** Short side of the preview, px. */
  shortSide: number;
  clippedHighlights: number;
  clippedShadows: number;
  meanLuma: number;
  noiseSigma: number;
  /** Per face: corrected Laplacian variance of the 64 × 64 face crop, and its share of the frame. */
  faces: Array<{ laplacian: number; area: number; sidePx: number; likelyFace: boolean; eyeState: EyeState }>;
}

/** The constants of the formula above; the eval sweeps them, the stage uses these. */
export const QUALITY_CALIBRATION = {
  /** Detail: the busiest blocks (this percentile) above the flattest (floorPercentile). */
  sharpPercentile: 0.97,
  floorPercentile: 0.1,
  /** s = 1 / (1 + (sharpHalf / v)^sharpPower). */
  sharpHalf: 80,
  sharpPower: 0.5,
  /** Per face: 1 / (1 + (faceHalf / vf)^facePower) on the 64 × 64 crop. */
  faceHalf: 100,
  facePower: 1,
  faceWeight: 0.5,
  /** Faces whose short side is below this (px) do not weigh in the photo's sharpness. */
  minFacePx: 64,
  /** Score factor lost by a 100 px picture, linearly less up to fullShortSide. */
  smallPenalty: 0.4,
  fullShortSide: 400,
  hiStart: 0.05,
  hiSpan: 0.45,
  loStart: 0.05,
  loSpan: 0.4,
  meanDead: 50,
  meanSpan: 70,
  noiseStart: 1,
  noiseSpan: 3,
  noise2Start: 5,
  noise2Span: 10,
  closedEyesWeight: 0.3,
};
export type QualityCalibration = typeof QUALITY_CALIBRATION;

const WORK = 512;
const BLOCK = 16;
const FACE_SIDE = 64;
/** Share of the flattest blocks the noise is measured on. */
const FLAT_SHARE = 0.05;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));
/** 0 → 0, half → 0.5, ∞ → 1; a power below 1 spreads the scale over decades of detail. */
const saturate = (v: number, half: number, power: number): number => (v > 0 ? 1 / (1 + (half / v) ** power) : 0);
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

export async function assessQuality(img: RgbImage, faces: readonly QualityFace[] = []): Promise<QualityResult> {
  return scoreQuality(await measureQuality(img, faces));
}

export async function measureQuality(img: RgbImage, faces: readonly QualityFace[] = []): Promise<QualityMeasures> {
  const scale = Math.min(1, WORK / Math.max(img.width, img.height));
  const w = Math.max(8, Math.round(img.width * scale));
  const h = Math.max(8, Math.round(img.height * scale));
  const { data } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).resize(w, h, { fit: 'fill', kernel: 'linear' }).greyscale().raw().toBuffer({ resolveWithObject: true });
  const sigma = noiseSigma(img);

  let hi = 0;
  let lo = 0;
  let sum = 0;
  for (const v of data) {
    sum += v;
    if (v >= 250) hi++;
    else if (v <= 5) lo++;
  }
  const n = data.length;
  // Noise measured at full preview size shrinks by the down-sampling factor at the working size; white
  // noise σ adds 6σ² to the variance of a 1-D second difference [1 −2 1].
  const noiseShare = 6 * (sigma * scale) ** 2;
  const blocks = secondDifferenceBlocks(data, w, h);
  const blockSecondX = blocks.x.map((v) => Math.max(0, v - noiseShare)).sort((a, b) => a - b);
  const blockSecondY = blocks.y.map((v) => Math.max(0, v - noiseShare)).sort((a, b) => a - b);

  const faceMeasures: QualityMeasures['faces'] = [];
  for (const f of faces) {
    const [fx, fy, fw, fh] = f.box;
    const left = Math.max(0, Math.floor((fx + 0.1 * fw) * img.width));
    const top = Math.max(0, Math.floor((fy + 0.1 * fh) * img.height));
    const width = Math.min(img.width - left, Math.max(2, Math.round(0.8 * fw * img.width)));
    const height = Math.min(img.height - top, Math.max(2, Math.round(0.8 * fh * img.height)));
    let laplacian = 0;
    if (width >= 2 && height >= 2) {
      // Copy the face's rows out first: handing sharp the whole preview per face costs ~70 ms each.
      const region = Buffer.alloc(width * height * 3);
      for (let y = 0; y < height; y++) img.data.copy(region, y * width * 3, ((top + y) * img.width + left) * 3, ((top + y) * img.width + left + width) * 3);
      const crop = await sharp(region, { raw: { width, height, channels: 3 } })
        .resize(FACE_SIDE, FACE_SIDE, { fit: 'fill', kernel: 'linear' })
        .greyscale()
        .raw()
        .toBuffer();
      // Noise in the crop scales with the resampling: σ · (64 / crop side) for a shrunk crop.
      const faceScale = Math.min(1, FACE_SIDE / Math.max(width, height));
      laplacian = Math.max(0, wholeLaplacian(crop, FACE_SIDE, FACE_SIDE) - 20 * (sigma * faceScale) ** 2);
    }
    faceMeasures.push({ laplacian, area: fw * fh, sidePx: Math.min(fw * img.width, fh * img.height), likelyFace: f.eyeStateWhy !== 'implausible-landmarks', eyeState: eyeStateOf(f) });
  }
  return { blockSecondX, blockSecondY, shortSide: Math.min(img.width, img.height), clippedHighlights: hi / n, clippedShadows: lo / n, meanLuma: sum / n, noiseSigma: sigma, faces: faceMeasures };
}

/** The score and its parts from the measures (pure). */
export function scoreQuality(m: QualityMeasures, c: QualityCalibration = QUALITY_CALIBRATION): QualityResult {
  const pHi = 0.9 * clamp01((m.clippedHighlights - c.hiStart) / c.hiSpan);
  const pLo = 0.9 * clamp01((m.clippedShadows - c.loStart) / c.loSpan);
  const pMean = 0.8 * clamp01((Math.abs(m.meanLuma - 118) - c.meanDead) / c.meanSpan);
  const exposure = (1 - pHi) * (1 - pLo) * (1 - pMean);

  // Both directions must be sharp: a horizontal smear leaves the vertical detail intact.
  // Detail = the busiest blocks' energy above the flattest blocks' (the noise floor, whatever its spectrum).
  const detail = (blocks: readonly number[]): number =>
    Math.max(0, percentileSorted(blocks, c.sharpPercentile) - percentileSorted(blocks, c.floorPercentile));
  const lapVar = 2 * Math.min(detail(m.blockSecondX), detail(m.blockSecondY));
  let sharpness = saturate(lapVar, c.sharpHalf, c.sharpPower);
  const faceSharpness = m.faces.map((f) => saturate(f.laplacian, c.faceHalf, c.facePower));
  let facesSharpness: number | null = null;
  // Faces too small to show detail (the eye gate's size), and detections whose landmarks say they are
  // probably not faces, are reported but do not judge the photo.
  const judged = m.faces.map((f, i) => ({ ...f, sharp: faceSharpness[i]! })).filter((f) => f.sidePx >= c.minFacePx && f.likelyFace);
  if (judged.length) {
    const totalArea = judged.reduce((s, f) => s + f.area, 0);
    facesSharpness = totalArea > 0 ? judged.reduce((s, f) => s + f.area * f.sharp, 0) / totalArea : 0;
    sharpness = (1 - c.faceWeight) * sharpness + c.faceWeight * facesSharpness;
  }
  // A thumbnail-sized picture cannot show a sharp photograph, however crisp its few pixels.
  const resolution = 1 - c.smallPenalty * clamp01((c.fullShortSide - m.shortSide) / (c.fullShortSide - 100));
  const sigma = m.noiseSigma;
  const noise = 1 - 0.4 * clamp01((sigma - c.noiseStart) / c.noiseSpan) - 0.2 * clamp01((sigma - c.noise2Start) / c.noise2Span);
  const closedShare = m.faces.length ? m.faces.filter((f) => f.eyeState === 'closed').length / m.faces.length : 0;
  const eyes = 1 - c.closedEyesWeight * closedShare;
  const score = Math.round(5 * sharpness * exposure * noise * eyes * resolution * 100) / 100;
  return {
    score,
    priority: score >= 4.5 ? 'high' : score >= 3.5 ? 'medium' : 'low',
    parts: {
      sharpness: r3(sharpness),
      laplacianVariance: Math.round(lapVar * 10) / 10,
      exposure: r3(exposure),
      clippedHighlights: r3(m.clippedHighlights),
      clippedShadows: r3(m.clippedShadows),
      meanLuma: Math.round(m.meanLuma * 10) / 10,
      noise: r3(noise),
      noiseSigma: Math.round(sigma * 100) / 100,
      facesSharpness: facesSharpness === null ? null : r3(facesSharpness),
      faceSharpness: faceSharpness.map(r3),
      eyes: r3(eyes),
      resolution: r3(resolution),
    },
  };
}

/** Variance of the horizontal and vertical second differences in each 16 px block of a w × h luma plane. */
function secondDifferenceBlocks(L: Uint8Array | Buffer, w: number, h: number): { x: number[]; y: number[] } {
  const bw = Math.max(1, Math.floor((w - 2) / BLOCK));
  const bh = Math.max(1, Math.floor((h - 2) / BLOCK));
  const bsX = Math.max(1, Math.floor((w - 2) / bw));
  const bsY = Math.max(1, Math.floor((h - 2) / bh));
  const xs: number[] = [];
  const ys: number[] = [];
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      let sx = 0;
      let sx2 = 0;
      let sy = 0;
      let sy2 = 0;
      let cnt = 0;
      for (let y = 1 + by * bsY; y < Math.min(h - 1, 1 + (by + 1) * bsY); y++) {
        for (let x = 1 + bx * bsX; x < Math.min(w - 1, 1 + (bx + 1) * bsX); x++) {
          const i = y * w + x;
          const dx = L[i - 1]! + L[i + 1]! - 2 * L[i]!;
          const dy = L[i - w]! + L[i + w]! - 2 * L[i]!;
          sx += dx;
          sx2 += dx * dx;
          sy += dy;
          sy2 += dy * dy;
          cnt++;
        }
      }
      if (!cnt) continue;
      xs.push(sx2 / cnt - (sx / cnt) ** 2);
      ys.push(sy2 / cnt - (sy / cnt) ** 2);
    }
  }
  return { x: xs, y: ys };
}

/** Variance of the 4-neighbour Laplacian over a whole w × h luma plane (1 px border left out). */
function wholeLaplacian(L: Uint8Array | Buffer, w: number, h: number): number {
  let s = 0;
  let s2 = 0;
  let cnt = 0;
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const i = y * w + x;
      const lap = L[i - w]! + L[i + w]! + L[i - 1]! + L[i + 1]! - 4 * L[i]!;
      s += lap;
      s2 += lap * lap;
      cnt++;
    }
  }
  return cnt ? s2 / cnt - (s / cnt) ** 2 : 0;
}

/**
 * Immerkær noise σ on the native-resolution luma, per 16 px block, measured only where the picture
 * is flat: the 5 % of blocks (at least 8) with the lowest luma variance (texture is not noise); σ̂ is
 * the median over those blocks. Variance is cheap and comes first; the 3 × 3 filter runs only on the
 * flat blocks it selects.
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
  blocks.sort((a, b) => a.variance - b.variance);
  const hf: number[] = [];
  for (const { bx, by } of blocks.slice(0, Math.max(8, Math.ceil(FLAT_SHARE * blocks.length)))) {
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
  return percentileSorted(
    [...values].sort((a, b) => a - b),
    p,
  );
}

function percentileSorted(s: readonly number[], p: number): number {
  if (!s.length) return 0;
  return s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))]!;
}
