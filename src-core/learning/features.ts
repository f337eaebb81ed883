/**
 * The feature vector a few-shot label learns from (issue 17). The stored image descriptor
 * (`photo_embeddings`, e.g. shoebox-global-v1) is a near-duplicate descriptor, not a semantic one, so
 * the analysis signals already stored with each photo are composed in: what the object detector saw
 * (COCO labels pooled into coarse kinds), faces (how many, how large), text (how many lines, how much
 * of the picture). Each block is L2-normalised and weighted; the whole is L2-normalised, so the cosine
 * is a dot product. Which recipe ships was chosen by measurement (`npm run eval -- --only fewshot`).
 */

/** The recipes measured; the id is stored with each prototype and evaluation run. Weights per block. */
export const FEATURE_RECIPES = {
  /** The descriptor alone. */
  'desc-v1': { descriptor: 1, signals: 0 },
  /** The analysis signals alone. */
  'signals-v1': { descriptor: 0, signals: 1 },
  /** Descriptor + analysis signals, equal weight. */
  'desc+signals-v1': { descriptor: 1, signals: 1 },
  /** Signals weigh twice the descriptor. */
  'desc+signals2-v1': { descriptor: 1, signals: 2 },
} as const;
export type FeatureRecipe = keyof typeof FEATURE_RECIPES;
export const FEATURE_RECIPE_IDS = Object.keys(FEATURE_RECIPES) as FeatureRecipe[];

/** The recipe labels use (see the README's "Labels (few-shot)" for the measurement that chose it). */
export const LABEL_FEATURES: FeatureRecipe = 'desc+signals-v1';

/** COCO labels pooled into kinds: a few examples rarely share the exact object, more often its kind. */
const OBJECT_KINDS: Record<string, string> = {};
const KIND_LIST: Array<[string, string[]]> = [
  ['person', ['person']],
  ['vehicle', ['bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck', 'boat']],
  ['street', ['traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench']],
  ['animal', ['bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra', 'giraffe', 'teddy bear']],
  ['carried', ['backpack', 'umbrella', 'handbag', 'tie', 'suitcase']],
  ['sport', ['frisbee', 'skis', 'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard', 'surfboard', 'tennis racket']],
  ['tableware', ['bottle', 'wine glass', 'cup', 'fork', 'knife', 'spoon', 'bowl']],
  ['food', ['banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake']],
  ['furniture', ['chair', 'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'vase', 'clock']],
  ['screen', ['tv', 'laptop', 'mouse', 'remote', 'keyboard', 'cell phone']],
  ['appliance', ['microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'hair drier', 'toothbrush', 'scissors']],
  ['book', ['book']],
];
for (const [kind, labels] of KIND_LIST) for (const l of labels) OBJECT_KINDS[l] = kind;
const KINDS = KIND_LIST.map(([k]) => k);

/** Signals block: object kinds, then faces (present, count, largest size), then text (present, lines, area). */
export const SIGNAL_DIMS = KINDS.length + 3 + 3;

type Box = [number, number, number, number];
interface DetectLike {
  faces?: ReadonlyArray<{ box?: Box }>;
  objects?: ReadonlyArray<{ label?: string; score?: number }>;
  text?: ReadonlyArray<{ box?: Box }>;
}

function isDetect(value: unknown): value is DetectLike {
  return typeof value === 'object' && value !== null;
}

/** The analysis signals of one photo's `detect` result (zeros when it has none). */
export function signalVector(detect: unknown): Float32Array {
  const v = new Float32Array(SIGNAL_DIMS);
  if (!isDetect(detect)) return v;
  for (const o of detect.objects ?? []) {
    const i = KINDS.indexOf(OBJECT_KINDS[o.label ?? ''] ?? '');
    if (i >= 0) v[i] = Math.max(v[i]!, Math.min(1, o.score ?? 0));
  }
  const faces = detect.faces ?? [];
  const o = KINDS.length;
  if (faces.length > 0) {
    v[o] = 1;
    v[o + 1] = Math.min(1, faces.length / 4);
    // sqrt of the largest face's share of the picture: a portrait ≈ 0.3–0.6, a crowd ≈ 0.05.
    v[o + 2] = Math.sqrt(Math.max(...faces.map((f) => (f.box ? f.box[2] * f.box[3] : 0))));
  }
  const text = detect.text ?? [];
  if (text.length > 0) {
    v[o + 3] = 1;
    v[o + 4] = Math.min(1, text.length / 12);
    v[o + 5] = Math.min(1, Math.sqrt(text.reduce((s, t) => s + (t.box ? t.box[2] * t.box[3] : 0), 0)));
  }
  return v;
}

function normalised(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n === 0) return v;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** A photo's raw inputs: the descriptor then the signals, each block as stored / computed. */
export function rawFeature(descriptor: Float32Array, detect: unknown): Float32Array {
  const out = new Float32Array(descriptor.length + SIGNAL_DIMS);
  out.set(normalised(descriptor), 0);
  out.set(signalVector(detect), descriptor.length);
  return out;
}

/**
 * Per-dimension mean and spread over the library. Standardising each dimension before the cosine keeps a
 * rare, telling signal ("a face fills the picture") from drowning in dimensions every photo shares
 * (every picture has gradients). Stored with the prototype, so a photo scored later is standardised alike.
 */
export interface FeatureStats {
  mean: number[];
  sd: number[];
}

export function featureStats(raws: readonly Float32Array[]): FeatureStats {
  const n = raws[0]?.length ?? 0;
  const mean = new Array<number>(n).fill(0);
  const sd = new Array<number>(n).fill(0);
  for (const v of raws) for (let i = 0; i < n; i++) mean[i]! += v[i]! / raws.length;
  for (const v of raws) for (let i = 0; i < n; i++) sd[i]! += (v[i]! - mean[i]!) ** 2 / raws.length;
  return { mean, sd: sd.map((s) => Math.sqrt(s)) };
}

/** Floor of a dimension's spread: a dimension the library never varies in must not blow up. */
const SD_FLOOR = 1e-3;

/** The label feature of a raw vector: standardised, each block unit length and weighted, unit length overall. */
export function labelFeature(raw: Float32Array, stats: FeatureStats, recipe: FeatureRecipe = LABEL_FEATURES): Float32Array {
  if (raw.length !== stats.mean.length) throw new Error(`internal: a ${raw.length}-d feature against ${stats.mean.length}-d library statistics`);
  const w = FEATURE_RECIPES[recipe];
  const z = raw.map((x, i) => (x - stats.mean[i]!) / (stats.sd[i]! + SD_FLOOR));
  const split = raw.length - SIGNAL_DIMS;
  const desc = normalised(z.slice(0, split)).map((x) => x * w.descriptor);
  const sig = normalised(z.slice(split)).map((x) => x * w.signals);
  const out = new Float32Array(raw.length);
  out.set(desc, 0);
  out.set(sig, split);
  return normalised(out);
}
