/**
 * The face quality gate: which detected faces may enter clustering. The detector (UltraFace) also
 * fires on dogs, lamps, hands and trees, and tiny or blurred faces give embeddings that sit closer to
 * strangers than to the same person; both would merge people. A face that fails is kept and shown as a
 * "low-quality face", never clustered.
 *
 * The thresholds were set on the detections in ../shared/photos (false positives: a dog, a lamp, a
 * hand with chopsticks, a tree, a tape reel, a painted background) and ../shared/faces (every real
 * face passes); test/fixtures/face-gate-cases.json keeps those detections for the unit test.
 */

export interface GateInput {
  score: number;
  /** Normalised x, y, w, h of the box in the preview. */
  box: readonly [number, number, number, number];
  /** 68 landmarks, normalised like the box, flattened x0, y0, x1, y1… */
  landmarks: readonly number[];
  /** Size of the image the box is normalised to (the preview), in pixels. */
  imageWidth: number;
  imageHeight: number;
  /** Sharpness inside the box, 0–1 (see faceSharpness); null when unknown (the check is skipped). */
  sharpness: number | null;
}

export type GateReason = 'low-score' | 'too-small' | 'implausible-landmarks' | 'blurred';

export interface GateResult {
  ok: boolean;
  reasons: GateReason[];
  /** The short side of the box in preview pixels. */
  sizePx: number;
}

export const GATE = {
  /** UltraFace keeps boxes ≥ 0.7; the lamp (0.80) and a painted background (0.89) sit below this. */
  minScore: 0.9,
  /** Below ~40 px the 112 px aligned crop is mostly upsampling and the embedding drifts. */
  minSizePx: 40,
  /** Eye centres apart by at least this share of the box width (frontal faces 0.35–0.50, the dog 0.27). */
  minEyeDistance: 0.3,
  /** The 68 points span at least this share of the box width (faces 0.88–1.07, the dog and tree 0.67). */
  minLandmarkSpan: 0.75,
  /** Laplacian sharpness inside the box, 0–1 (v / (v + 80)); a low bar that only stops real blur. */
  minSharpness: 0.1,
} as const;

function point(lm: readonly number[], i: number, w: number, h: number): [number, number] {
  return [lm[i * 2]! * w, lm[i * 2 + 1]! * h];
}

function mean(lm: readonly number[], from: number, to: number, w: number, h: number): [number, number] {
  let x = 0;
  let y = 0;
  for (let i = from; i <= to; i++) {
    const [px, py] = point(lm, i, w, h);
    x += px;
    y += py;
  }
  const n = to - from + 1;
  return [x / n, y / n];
}

/**
 * Whether 68 landmarks look like a face in this box: eyes apart by a face's share of the width, the
 * points spread across the box, and eyes above the nose tip above the mouth above the chin.
 */
export function landmarksPlausible(input: Pick<GateInput, 'box' | 'landmarks' | 'imageWidth' | 'imageHeight'>): boolean {
  const { landmarks: lm, imageWidth: w, imageHeight: h } = input;
  if (lm.length !== 136 || lm.some((v) => !Number.isFinite(v))) return false;
  const boxW = input.box[2] * w;
  if (boxW <= 0) return false;
  const leftEye = mean(lm, 36, 41, w, h);
  const rightEye = mean(lm, 42, 47, w, h);
  const nose = point(lm, 30, w, h);
  const mouth = mean(lm, 48, 59, w, h);
  const chin = point(lm, 8, w, h);
  const eyeDistance = Math.hypot(rightEye[0] - leftEye[0], rightEye[1] - leftEye[1]) / boxW;
  let minX = Infinity;
  let maxX = -Infinity;
  for (let i = 0; i < 68; i++) {
    const x = lm[i * 2]! * w;
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
  }
  const span = (maxX - minX) / boxW;
  const eyesY = (leftEye[1] + rightEye[1]) / 2;
  const ordered = eyesY < nose[1] && nose[1] < mouth[1] && mouth[1] < chin[1];
  return eyeDistance >= GATE.minEyeDistance && span >= GATE.minLandmarkSpan && ordered;
}

export function gateFace(input: GateInput): GateResult {
  const sizePx = Math.min(input.box[2] * input.imageWidth, input.box[3] * input.imageHeight);
  const reasons: GateReason[] = [];
  if (!(input.score >= GATE.minScore)) reasons.push('low-score');
  if (!(sizePx >= GATE.minSizePx)) reasons.push('too-small');
  if (!landmarksPlausible(input)) reasons.push('implausible-landmarks');
  if (input.sharpness !== null && !(input.sharpness >= GATE.minSharpness)) reasons.push('blurred');
  return { ok: reasons.length === 0, reasons, sizePx: Math.round(sizePx * 10) / 10 };
}

/**
 * Sharpness inside a box of a grey image, 0–1: the variance of the 4-neighbour Laplacian mapped as
 * v / (v + 80), the same scale as the quality stage's "faces in focus".
 */
export function boxSharpness(gray: { data: ArrayLike<number>; width: number; height: number }, box: readonly [number, number, number, number]): number {
  const { data, width, height } = gray;
  const x0 = Math.max(1, Math.round(box[0] * width));
  const y0 = Math.max(1, Math.round(box[1] * height));
  const x1 = Math.min(width - 1, Math.round((box[0] + box[2]) * width));
  const y1 = Math.min(height - 1, Math.round((box[1] + box[3]) * height));
  let sum = 0;
  let sumSq = 0;
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      const v = 4 * data[i]! - data[i - 1]! - data[i + 1]! - data[i - width]! - data[i + width]!;
      sum += v;
      sumSq += v * v;
      n++;
    }
  }
  if (n === 0) return 0;
  const variance = sumSq / n - (sum / n) ** 2;
  return Math.round((variance / (variance + 80)) * 1000) / 1000;
}
