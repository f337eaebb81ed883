/**
 * Faces: UltraFace RFB-320 detection (fr_detect.onnx), 68-point landmarks (fr_landmark.onnx), eye
 * state per eye (fr_eye.onnx, gated into open / closed / unknown by eye-state.ts) and a 512-d face embedding on an aligned 112 px crop (fr_feature.onnx).
 * Pre- and post-processing follow the upstream JavaScript (faceplugin-face-recognition-js lib/*.js).
 */
import { DEFAULT_FACE_MODEL, type FaceModel } from '../../src-shared/vector-models.js';
import { cropResizeRgb, resizeRgb, rgbToGray, softmax, toBase64F32, type RgbImage } from './image.js';
import { judgeEyeState, type EyeState, type EyeStateWhy } from './eye-state.js';
import { FaceEmbedder } from './face-embedding.js';
import { loadModel, ort, type LoadedModel } from './models.js';

export { affineFrom3 } from './face-embedding.js';

export interface Face {
  /** Normalised x, y, w, h in [0, 1] of the preview (oriented photo). */
  box: [number, number, number, number];
  score: number;
  /**
   * Open, closed, or 'unknown' when the face is too small, its landmarks implausible, the head turned
   * aside, a broad smile narrows the eyes or the model is unsure (src-worker/ml/eye-state.ts).
   * Results stored before it existed lack it: read a missing one as `eyesClosed ? 'closed' : 'unknown'`.
   */
  eyeState: EyeState;
  /** Why eyeState is what it is ('judged' when the eye model's verdict was used). */
  eyeStateWhy: EyeStateWhy;
  /** eyeState === 'closed', kept for older readers. */
  eyesClosed: boolean;
  /** Probability that each eye is closed (left and right in the image), as the model said it. */
  eyeClosedProb: [number, number];
  /** 68 landmarks, normalised like the box, flattened x0, y0, x1, y1… (rounded to 4 decimals). */
  landmarks: number[];
  /** 512-d L2-normalised face embedding of the library's face model, base64 of little-endian float32 (for people grouping). */
  embedding: string;
}

export const FACE_MODEL_IDS = ['face-detect', 'face-landmark', 'face-eye', 'face-feature'] as const;

const DET_W = 320;
const DET_H = 240;
/** UltraFace's own default confidence threshold. */
export const FACE_SCORE_THRESHOLD = 0.7;
const NMS_IOU = 0.3;
/** Boxes smaller than this fraction of the preview's short side are dropped (detector noise). */
const MIN_FACE_FRACTION = 0.02;

export class FaceAnalyzer {
  private constructor(
    private readonly detect: LoadedModel,
    private readonly landmark: LoadedModel,
    private readonly eye: LoadedModel,
    private readonly embedder: FaceEmbedder,
  ) {}

  static async load(): Promise<FaceAnalyzer> {
    const [d, l, e] = await Promise.all(FACE_MODEL_IDS.filter((id) => id !== 'face-feature').map((id) => loadModel(id)));
    return new FaceAnalyzer(d!, l!, e!, await FaceEmbedder.load());
  }

  get provider(): string {
    return this.detect.provider;
  }

  /** Faces of the picture, embedded with `faceModel` (the library's active face model). */
  async analyze(img: RgbImage, faceModel: FaceModel = DEFAULT_FACE_MODEL): Promise<Face[]> {
    const boxes = await this.detectBoxes(img);
    const faces: Face[] = [];
    for (const b of boxes) {
      const x1 = b.x1 * img.width;
      const y1 = b.y1 * img.height;
      const x2 = b.x2 * img.width;
      const y2 = b.y2 * img.height;
      const lm = await this.landmarks(img, x1, y1, x2 - x1, y2 - y1);
      const eyeClosedProb = await this.eyes(img, lm);
      const embedding = await this.embedder.embed(img, lm, faceModel);
      const eye = judgeEyeState({ boxPx: [x2 - x1, y2 - y1], detectorScore: b.score, landmarks: lm, eyeClosedProb });
      faces.push({
        box: [r4(b.x1), r4(b.y1), r4(b.x2 - b.x1), r4(b.y2 - b.y1)].map(clamp01) as Face['box'],
        score: r4(b.score),
        eyeState: eye.state,
        eyeStateWhy: eye.why,
        eyesClosed: eye.state === 'closed',
        eyeClosedProb: [r4(eyeClosedProb[0]), r4(eyeClosedProb[1])],
        landmarks: Array.from(lm, (v, i) => r4(v / (i % 2 === 0 ? img.width : img.height))),
        embedding: toBase64F32(embedding),
      });
    }
    return faces;
  }

  /** Normalised corner boxes after score threshold and NMS. */
  async detectBoxes(img: RgbImage): Promise<Array<{ x1: number; y1: number; x2: number; y2: number; score: number }>> {
    const small = await resizeRgb(img, DET_W, DET_H, 'fill');
    const plane = DET_W * DET_H;
    const input = new Float32Array(plane * 3);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) input[c * plane + i] = (small.data[i * 3 + c]! - 127) / 128;
    }
    const out = await this.detect.session.run({ input: new ort.Tensor('float32', input, [1, 3, DET_H, DET_W]) });
    const scores = out['scores']!.data as Float32Array;
    const boxes = out['boxes']!.data as Float32Array;
    const n = scores.length / 2;
    const minSide = MIN_FACE_FRACTION * Math.min(img.width, img.height);
    const cands: Array<{ x1: number; y1: number; x2: number; y2: number; score: number }> = [];
    for (let i = 0; i < n; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < FACE_SCORE_THRESHOLD) continue;
      const x1 = Math.max(0, boxes[i * 4]!);
      const y1 = Math.max(0, boxes[i * 4 + 1]!);
      const x2 = Math.min(1, boxes[i * 4 + 2]!);
      const y2 = Math.min(1, boxes[i * 4 + 3]!);
      if ((x2 - x1) * img.width < minSide || (y2 - y1) * img.height < minSide) continue;
      cands.push({ x1, y1, x2, y2, score });
    }
    return nms(cands, NMS_IOU);
  }

  /** 68 points in preview pixels, from a 64 × 64 grey crop of the box (upstream alignLandmarkImage, scale 1). */
  private async landmarks(img: RgbImage, x: number, y: number, w: number, h: number): Promise<Float32Array> {
    const W = img.width;
    const H = img.height;
    const scale = Math.min((H - 1) / h, (W - 1) / w, 1);
    const nw = w * scale;
    const nh = h * scale;
    let lx = x + w / 2 - nw / 2;
    let ly = y + h / 2 - nh / 2;
    lx = Math.min(Math.max(lx, 0), W - 1 - nw);
    ly = Math.min(Math.max(ly, 0), H - 1 - nh);
    const gray = rgbToGray(cropResizeRgb(img, lx, ly, nw, nh, 64, 64));
    for (let i = 0; i < gray.length; i++) gray[i] = gray[i]! / 256;
    const out = await this.landmark.session.run({ input: new ort.Tensor('float32', gray, [1, 1, 64, 64]) });
    const raw = out['output']!.data as Float32Array;
    const pts = new Float32Array(136);
    for (let i = 0; i < 136; i++) pts[i] = i % 2 === 0 ? raw[i]! * nw + lx : raw[i]! * nh + ly;
    return pts;
  }

  /** Closed probability of the left and right eye (24 × 24 grey crops around landmarks 36–41 and 42–47). */
  private async eyes(img: RgbImage, lm: Float32Array): Promise<[number, number]> {
    const probs: number[] = [];
    for (const [first, last] of [
      [36, 39],
      [42, 45],
    ] as const) {
      const cx = (lm[(first + 1) * 2]! + lm[(first + 2) * 2]! + lm[(first + 4) * 2]! + lm[(first + 5) * 2]!) / 4;
      const cy = (lm[(first + 1) * 2 + 1]! + lm[(first + 2) * 2 + 1]! + lm[(first + 4) * 2 + 1]! + lm[(first + 5) * 2 + 1]!) / 4;
      const size = Math.max(4, (lm[last * 2]! - lm[first * 2]!) * 1.6);
      const gray = rgbToGray(cropResizeRgb(img, cx - size / 2, cy - size / 2, size, size, 24, 24));
      for (let i = 0; i < gray.length; i++) gray[i] = gray[i]! / 255;
      const out = await this.eye.session.run({ input: new ort.Tensor('float32', gray, [1, 1, 24, 24]) });
      const p = softmax(out['output']!.data as Float32Array);
      // Class 0 is "closed" (measured on the face samples: open eyes score class 1; see MODELS.md).
      probs.push(p[0]!);
    }
    return [probs[0]!, probs[1]!];
  }
}

type Box = { x1: number; y1: number; x2: number; y2: number; score: number };

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = (a.x2 - a.x1) * (a.y2 - a.y1) + (b.x2 - b.x1) * (b.y2 - b.y1) - inter;
  return union > 0 ? inter / union : 0;
}

export function nms<T extends Box>(boxes: T[], threshold: number): T[] {
  const sorted = [...boxes].sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const b of sorted) if (kept.every((k) => iou(k, b) < threshold)) kept.push(b);
  return kept;
}

function r4(v: number): number {
  return Math.round(v * 10000) / 10000;
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
