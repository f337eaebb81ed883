/**
 * COCO-80 object detection. Two detectors, chosen by SHOEBOX_OBJECT_DETECTOR:
 *
 * - `nanodet` (default, Apache-2.0 upstream): run by onnxruntime from models/nanodet.onnx, which
 *   scripts/convert-nanodet-onnx.py made from the TF.js graph model (nanodet.json + .bin): the same
 *   outputs within float rounding (test/ml-nanodet-onnx.test.ts) at ~0.2 of the CPU the TF.js
 *   WebAssembly backend took (issue 19). The TF.js graph stays loadable (`runtime: 'tfjs'`) as the
 *   reference that test compares against. NanoDet-m 416 × 416, NCHW, **BGR**, the original
 *   `(x − mean) / std` with mean (103.53, 116.28, 123.675), std (57.375, 57.12, 58.395). Outputs per
 *   stride 8/16/32: class scores [1, N, 80] (sigmoid already applied) and box distributions
 *   [1, N, 44] = 4 sides × 11 bins (GFL: softmax over the bins, expectation × stride = distance from
 *   the cell centre ((col + 0.5) · stride, (row + 0.5) · stride) to each side). Measured on the real
 *   photos: BGR + mean/std finds more true objects than RGB or (x − 127) / 128, and the + 0.5 centre
 *   gives boxes closer to CenterNet's (mean IoU 0.81 vs 0.65 without it).
 * - `centernet` (no stated upstream licence; used only when its files are in models/): a TF.js graph
 *   model on the WebAssembly backend (single-threaded in Node). CenterNet MobileNetV3 512 × 512, NHWC,
 *   RGB 0–255; output `tower_0/detections` [1, 100, 6] =
 *   x1, y1, x2, y2 (input pixels), score, class.
 *
 * Both see the preview stretched to the square input (as upstream), keep score ≥ the detector's
 * threshold, and run per-class NMS (IoU 0.5). Boxes come back normalised x, y, w, h of the photo.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { ShoeboxError } from '../../src-shared/errors.js';
import { ConfigError } from '../../src-core/config-error.js';
import { readRuntimeSettings, runtimeSettings, type RuntimeSettings } from '../../src-core/runtime-settings.js';
import { resizeRgb, type RgbImage } from './image.js';
import { loadModel, modelEntry, modelsDir, ort, readVerifiedModel } from './models.js';

export interface DetectedObject {
  label: string;
  score: number;
  /** Normalised x, y, w, h (0–1) of the oriented photo. */
  box: [number, number, number, number];
}

export type { ObjectDetectorKind } from '../../src-core/runtime-settings.js';
import type { ObjectDetectorKind } from '../../src-core/runtime-settings.js';

export const COCO_LABELS = [
  'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat', 'traffic light',
  'fire hydrant', 'stop sign', 'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
  'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee',
  'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket', 'bottle',
  'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
  'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
  'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave', 'oven',
  'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush',
] as const;

/** Default score thresholds, measured on the real photos (models/MODELS.md). */
export const OBJECT_THRESHOLDS: Record<ObjectDetectorKind, number> = { nanodet: 0.45, centernet: 0.5 };
const MAX_OBJECTS = 20;
const NMS_IOU = 0.5;

/** Manifest ids of each TF.js graph model's two files (graph JSON, weights). */
const TFJS_FILES: Record<ObjectDetectorKind, { graph: string; weights: string }> = {
  nanodet: { graph: 'objects-nanodet-graph', weights: 'objects-nanodet-weights' },
  centernet: { graph: 'objects-centernet-graph', weights: 'objects-centernet-weights' },
};
/** Manifest id of NanoDet converted to ONNX: what the detect stage runs. */
const NANODET_ONNX = 'objects-nanodet-onnx';

/**
 * How NanoDet is run (SHOEBOX_OBJECT_RUNTIME): `onnx` (onnxruntime, the default) or `tfjs` (the
 * original TF.js graph on the WebAssembly backend: the reference the ONNX file is checked against, and
 * the "before" of issue 19's benchmark). CenterNet exists only as a TF.js graph.
 */
export type { DetectorRuntime } from '../../src-core/runtime-settings.js';
import type { DetectorRuntime } from '../../src-core/runtime-settings.js';

/** Whether a detector's files are present in models/ (listed in the manifest and on disk). */
export function detectorAvailable(kind: ObjectDetectorKind, dir = modelsDir()): boolean {
  const ids = kind === 'nanodet' ? [NANODET_ONNX] : Object.values(TFJS_FILES[kind]);
  try {
    return ids.every((id) => {
      const e = modelEntry(id, dir);
      return !!e.file && existsSync(path.join(dir, e.file));
    });
  } catch {
    return false;
  }
}

/**
 * One of this process's object-detector settings (or those of `env`). A bad value is a 'model-missing'
 * error carrying the setting's own message: a stage that cannot get its model fails as model-missing.
 */
function objectSetting<K extends 'objectDetector' | 'objectRuntime' | 'nanodetSide'>(key: K, env?: NodeJS.ProcessEnv): RuntimeSettings[K] {
  try {
    return (env ? readRuntimeSettings(env) : runtimeSettings())[key];
  } catch (error) {
    if (error instanceof ConfigError) throw new ShoeboxError('model-missing', error.message);
    throw error;
  }
}

/**
 * The detector to use: SHOEBOX_OBJECT_DETECTOR (nanodet | centernet) or nanodet. Asking for
 * centernet without its files is a 'model-missing' error (no silent fall-back to another model).
 */
export function chosenDetector(env?: NodeJS.ProcessEnv): ObjectDetectorKind {
  return objectSetting('objectDetector', env);
}

/** SHOEBOX_OBJECT_RUNTIME (default onnx). */
export function chosenRuntime(env?: NodeJS.ProcessEnv): DetectorRuntime {
  return objectSetting('objectRuntime', env);
}

/** SHOEBOX_NANODET_SIDE (default 416). */
export function chosenNanodetSide(env?: NodeJS.ProcessEnv): number {
  return objectSetting('nanodetSide', env);
}

/** TF.js, loaded only when a TF.js graph is asked for (CenterNet, or NanoDet's reference graph): the default path never pays for it. */
interface Tfjs {
  tf: typeof tf;
  loadGraphModel: typeof import('@tensorflow/tfjs-converter').loadGraphModel;
}

let tfjsReady: Promise<Tfjs> | null = null;

/** TF.js with its WebAssembly backend, once per process (the .wasm files come from the installed package). */
function loadTfjs(): Promise<Tfjs> {
  tfjsReady ??= (async () => {
    const [core, converter, wasm] = await Promise.all([import('@tensorflow/tfjs-core'), import('@tensorflow/tfjs-converter'), import('@tensorflow/tfjs-backend-wasm')]);
    const pkg = path.dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm/package.json')));
    wasm.setWasmPaths(`${path.join(pkg, 'dist')}${path.sep}`);
    // No threads in Node's wasm backend; keep tfjs quiet about it.
    core.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    core.env().set('PROD', true);
    if (!(await core.setBackend('wasm'))) throw new ShoeboxError('model-missing', 'the TF.js WebAssembly backend could not start');
    await core.ready();
    return { tf: core, loadGraphModel: converter.loadGraphModel };
  })();
  return tfjsReady;
}

/** The side NanoDet-m-416's graph was converted at. */
export const NANODET_TRAINED_SIDE = 416;

interface GraphJson {
  modelTopology: { node?: Array<{ name: string; op: string; input?: string[]; attr?: { shape?: { shape?: { dim?: Array<{ size: string }> } } } }> };
  weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
  signature?: { inputs?: Record<string, { tensorShape?: { dim?: Array<{ size: string }> } }> };
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * Runs NanoDet at a square input of `side` px instead of the 416 px it was converted at. The network
 * is convolutional; what the converted graph fixes is (a) the declared input shape, which TF.js checks,
 * and (b) the output sizes of the FPN's ResizeBilinear ops (constants 13/26/52 = 416 / 32, 16, 8). Both
 * are rewritten here, in memory, after the files' checksums were verified: the declared input, and each
 * ResizeBilinear's int32 size constant in the weights, scaled by side / 416.
 */
function resizeNanodetGraph(json: GraphJson, weights: ArrayBuffer, side: number): ArrayBuffer {
  const nodes = json.modelTopology.node ?? [];
  const dims = nodes.find((n) => n.op === 'Placeholder')?.attr?.shape?.shape?.dim;
  if (!dims || dims.length !== 4) throw new ShoeboxError('model-missing', 'nanodet graph: no 4-D input placeholder');
  dims[2] = { size: String(side) };
  dims[3] = { size: String(side) };
  for (const input of Object.values(json.signature?.inputs ?? {})) {
    const d = input.tensorShape?.dim;
    if (d?.length === 4) {
      d[2] = { size: String(side) };
      d[3] = { size: String(side) };
    }
  }
  const sizeConsts = new Set(nodes.filter((n) => n.op === 'ResizeBilinear').map((n) => n.input?.[1]?.split(':')[0] ?? ''));
  const out = weights.slice(0);
  const view = new DataView(out);
  let offset = 0;
  let patched = 0;
  for (const w of json.weightsManifest.flatMap((g) => g.weights)) {
    const count = w.shape.reduce((a, b) => a * b, 1);
    const dtype = (w as { quantization?: { dtype: string } }).quantization?.dtype ?? w.dtype;
    const bytes = BYTES[dtype];
    if (!bytes) throw new ShoeboxError('model-missing', `nanodet weights: unknown dtype ${dtype} for ${w.name}`);
    if (sizeConsts.has(w.name)) {
      if (w.dtype !== 'int32' || count !== 2 || dtype !== 'int32') throw new ShoeboxError('model-missing', `nanodet graph: resize size ${w.name} is not int32[2]`);
      for (let k = 0; k < 2; k++) {
        const v = view.getInt32(offset + 4 * k, true);
        view.setInt32(offset + 4 * k, Math.round((v * side) / NANODET_TRAINED_SIDE), true);
      }
      patched++;
    }
    offset += count * bytes;
  }
  if (offset !== weights.byteLength) throw new ShoeboxError('model-missing', `nanodet weights: manifest describes ${offset} bytes, file has ${weights.byteLength}`);
  if (patched !== sizeConsts.size) throw new ShoeboxError('model-missing', `nanodet graph: found ${patched} of ${sizeConsts.size} resize sizes in the weights`);
  return out;
}

async function loadVerifiedGraph(tfjs: Tfjs, kind: ObjectDetectorKind, dir: string, nanodetSide = NANODET_TRAINED_SIDE): Promise<GraphModel> {
  const json = JSON.parse(readVerifiedModel(TFJS_FILES[kind].graph, dir).toString('utf8')) as {
    modelTopology: object;
    weightsManifest: Array<{ weights: tf.io.WeightsManifestEntry[] }>;
    format?: string;
    generatedBy?: string;
    convertedBy?: string;
    signature?: object;
  };
  const bin = readVerifiedModel(TFJS_FILES[kind].weights, dir);
  let weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength) as ArrayBuffer;
  if (kind === 'nanodet' && nanodetSide !== NANODET_TRAINED_SIDE) weightData = resizeNanodetGraph(json as unknown as GraphJson, weightData, nanodetSide);
  const handler: tf.io.IOHandler = {
    load: async () => ({
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData,
      format: json.format,
      generatedBy: json.generatedBy,
      convertedBy: json.convertedBy ?? null,
      signature: json.signature,
    }),
  };
  return tfjs.loadGraphModel(handler);
}

/** One model output as the decoder reads it, whichever runtime produced it. */
interface RawOutput {
  dims: readonly number[];
  data: Float32Array;
}

/** The network behind a detector: an onnxruntime session or a TF.js graph. */
type Network = { runtime: 'onnx'; session: ort.InferenceSession } | { runtime: 'tfjs'; model: GraphModel; tf: Tfjs['tf'] };

export class ObjectDetector {
  private constructor(
    readonly kind: ObjectDetectorKind,
    private readonly network: Network,
    readonly threshold: number,
    /** NanoDet's square input side, px (multiples of 32). */
    readonly nanodetSide: number = NANODET_TRAINED_SIDE,
  ) {}

  /** Which runtime computes this detector's network. */
  get runtime(): DetectorRuntime {
    return this.network.runtime;
  }

  static async load(
    kind: ObjectDetectorKind = chosenDetector(),
    dir = modelsDir(),
    options: { nanodetSide?: number; runtime?: DetectorRuntime } = {},
  ): Promise<ObjectDetector> {
    if (kind === 'centernet' && !detectorAvailable('centernet', dir)) {
      throw new ShoeboxError('model-missing', `SHOEBOX_OBJECT_DETECTOR=centernet but centernet.json / centernet.bin are not in ${dir}`);
    }
    const side = options.nanodetSide ?? chosenNanodetSide();
    if (!Number.isInteger(side) || side < 160 || side > 640 || side % 32 !== 0) {
      throw new ShoeboxError('internal', `nanodet input side must be a multiple of 32 from 160 to 640, got ${side}`);
    }
    const runtime = kind === 'centernet' ? 'tfjs' : (options.runtime ?? chosenRuntime());
    let network: Network;
    if (runtime === 'onnx') {
      // The converted graph takes any side that is a multiple of 32 (its resizes are scales).
      network = { runtime, session: (await loadModel(NANODET_ONNX, dir)).session };
    } else {
      const tfjs = await loadTfjs();
      network = { runtime, model: await loadVerifiedGraph(tfjs, kind, dir, side), tf: tfjs.tf };
    }
    return new ObjectDetector(kind, network, OBJECT_THRESHOLDS[kind], side);
  }

  async detect(img: RgbImage, threshold = this.threshold): Promise<DetectedObject[]> {
    const raw = this.kind === 'nanodet' ? await this.nanodet(img, threshold) : await this.centernet(img, threshold);
    return nms(raw, NMS_IOU).slice(0, MAX_OBJECTS);
  }

  /** NanoDet's raw outputs (scores and box distributions per stride) for an image: for the decoder and the ONNX ↔ TF.js check. */
  async nanodetOutputs(img: RgbImage): Promise<RawOutput[]> {
    const S = this.nanodetSide;
    const small = await resizeRgb(img, S, S, 'fill');
    const mean = [103.53, 116.28, 123.675];
    const std = [57.375, 57.12, 58.395];
    const input = new Float32Array(3 * S * S);
    const plane = S * S;
    for (let i = 0; i < plane; i++) {
      // channel 0 = B, 1 = G, 2 = R
      for (let c = 0; c < 3; c++) input[c * plane + i] = (small.data[i * 3 + (2 - c)]! - mean[c]!) / std[c]!;
    }
    if (this.network.runtime === 'onnx') {
      const results = await this.network.session.run({ [this.network.session.inputNames[0]!]: new ort.Tensor('float32', input, [1, 3, S, S]) });
      return this.network.session.outputNames.map((name) => {
        const t = results[name]!;
        return { dims: t.dims, data: t.data as Float32Array };
      });
    }
    const x = this.network.tf.tensor4d(input, [1, 3, S, S]);
    const outputs = this.network.model.execute(x) as tf.Tensor[];
    x.dispose();
    try {
      return await Promise.all(outputs.map(async (t) => ({ dims: t.shape, data: (await t.data()) as Float32Array })));
    } finally {
      for (const t of outputs) t.dispose();
    }
  }

  private async nanodet(img: RgbImage, threshold: number): Promise<DetectedObject[]> {
    const S = this.nanodetSide;
    const outputs = await this.nanodetOutputs(img);
    const found: DetectedObject[] = [];
    for (const stride of [8, 16, 32]) {
      const side = S / stride;
      const n = side * side;
      const scoresT = outputs.find((t) => t.dims[1] === n && t.dims[2] === 80);
      const distT = outputs.find((t) => t.dims[1] === n && t.dims[2] !== 80);
      if (!scoresT || !distT) throw new Error(`nanodet: no outputs for stride ${stride}`);
      const scores = scoresT.data;
      const dist = distT.data;
      const bins = distT.dims[2]! / 4;
      for (let i = 0; i < n; i++) {
        let best = -1;
        let bestScore = threshold;
        for (let k = 0; k < 80; k++) {
          const s = scores[i * 80 + k]!;
          if (s >= bestScore) {
            bestScore = s;
            best = k;
          }
        }
        if (best < 0) continue;
        const d = [0, 0, 0, 0];
        for (let side4 = 0; side4 < 4; side4++) {
          const o = i * bins * 4 + side4 * bins;
          let max = -Infinity;
          for (let b = 0; b < bins; b++) max = Math.max(max, dist[o + b]!);
          let sum = 0;
          let acc = 0;
          for (let b = 0; b < bins; b++) {
            const e = Math.exp(dist[o + b]! - max);
            sum += e;
            acc += e * b;
          }
          d[side4] = (acc / sum) * stride;
        }
        const cx = ((i % side) + 0.5) * stride;
        const cy = (Math.floor(i / side) + 0.5) * stride;
        found.push(box(COCO_LABELS[best]!, bestScore, (cx - d[0]!) / S, (cy - d[1]!) / S, (cx + d[2]!) / S, (cy + d[3]!) / S));
      }
    }
    return found;
  }

  private async centernet(img: RgbImage, threshold: number): Promise<DetectedObject[]> {
    const S = 512;
    const small = await resizeRgb(img, S, S, 'fill');
    if (this.network.runtime !== 'tfjs') throw new Error('centernet runs on TF.js');
    const x = this.network.tf.tensor4d(Float32Array.from(small.data), [1, S, S, 3]);
    const out = this.network.model.execute(x, 'tower_0/detections') as tf.Tensor;
    x.dispose();
    try {
      const d = (await out.data()) as Float32Array;
      const found: DetectedObject[] = [];
      for (let i = 0; i < out.shape[1]!; i++) {
        const [x1, y1, x2, y2, score, cls] = Array.from(d.subarray(i * 6, i * 6 + 6));
        if (score! < threshold) continue;
        const label = COCO_LABELS[Math.round(cls!)];
        if (!label) continue;
        found.push(box(label, score!, x1! / S, y1! / S, x2! / S, y2! / S));
      }
      return found;
    } finally {
      out.dispose();
    }
  }
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}

function box(label: string, score: number, x1: number, y1: number, x2: number, y2: number): DetectedObject {
  const a = clamp01(x1);
  const b = clamp01(y1);
  const r = (v: number): number => Math.round(v * 10000) / 10000;
  return { label, score: Math.round(score * 1000) / 1000, box: [r(a), r(b), r(clamp01(x2) - a), r(clamp01(y2) - b)] };
}

function iou(p: DetectedObject['box'], q: DetectedObject['box']): number {
  const w = Math.min(p[0] + p[2], q[0] + q[2]) - Math.max(p[0], q[0]);
  const h = Math.min(p[1] + p[3], q[1] + q[3]) - Math.max(p[1], q[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (p[2] * p[3] + q[2] * q[3] - inter);
}

/** Greedy per-class non-maximum suppression, best score first. */
export function nms(objects: DetectedObject[], threshold: number): DetectedObject[] {
  const sorted = [...objects].sort((a, b) => b.score - a.score);
  const kept: DetectedObject[] = [];
  for (const o of sorted) {
    if (o.box[2] <= 0 || o.box[3] <= 0) continue;
    if (kept.some((k) => k.label === o.label && iou(k.box, o.box) > threshold)) continue;
    kept.push(o);
  }
  return kept;
}
