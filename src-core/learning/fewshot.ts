/**
 * Few-shot label learning (issue 17), pure functions over unit feature vectors (src-core/learning/features.ts):
 *   train    → a prototype: the positives' mean and medoid, the negatives' mean (when there are
 *              "not this" examples), and a threshold calibrated leave-one-out on the person's own examples;
 *   score    → how much a photo looks like the label;
 *   evaluate → a seeded k-fold over the examples: precision, recall, F1 and the precision/recall curve.
 */
import { mulberry32 } from '../../src-shared/prng.js';

export interface Prototype {
  dims: number;
  /** Mean of the positives (unit length). */
  mean: number[];
  /** The positives themselves: a label like "sunsets" is often several looks, not one. */
  positives: number[][];
  /** The "not this" examples. */
  negatives: number[][];
  threshold: number;
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

function unitMean(vs: readonly ArrayLike<number>[], dims: number): number[] {
  const m = new Array<number>(dims).fill(0);
  for (const v of vs) for (let i = 0; i < dims; i++) m[i]! += v[i]!;
  const n = Math.sqrt(m.reduce((s, x) => s + x * x, 0));
  return n > 0 ? m.map((x) => x / n) : m;
}

/** Nearest positives that count towards a photo's score (with fewer examples, all of them). */
const NEAREST = 2;

/**
 * The score of one feature vector: closeness to the positives (the mean and the nearest examples, equally)
 * minus how much closer it is to a "not this" example than to the nearest positive.
 */
export function score(p: Pick<Prototype, 'mean' | 'positives' | 'negatives'>, x: ArrayLike<number>): number {
  const sims = p.positives.map((v) => dot(v, x)).sort((a, b) => b - a);
  const near = sims.slice(0, Math.min(NEAREST, sims.length));
  const pos = 0.5 * dot(p.mean, x) + 0.5 * (near.reduce((s, v) => s + v, 0) / Math.max(1, near.length));
  if (p.negatives.length === 0) return pos;
  const neg = Math.max(...p.negatives.map((v) => dot(v, x)));
  return pos - Math.max(0, neg - (sims[0] ?? 0));
}

function fit(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[], dims: number): Omit<Prototype, 'threshold'> {
  return { dims, mean: unitMean(positives, dims), positives: positives.map((v) => Array.from(v)), negatives: negatives.map((v) => Array.from(v)) };
}

/**
 * The threshold from held-out scores: the one with the best F0.5 (precision first: a suggestion a person
 * has to reject costs more than one they never see) over the examples; with positives only, just under
 * the lowest held-out positive, raised to the background's upper tail when a background is given (most
 * photos of a library are not in a label).
 */
export function calibrate(heldPos: readonly number[], heldNeg: readonly number[], background: readonly number[] = []): number {
  if (heldPos.length === 0) return Infinity;
  const sortedBg = [...background].sort((a, b) => b - a);
  // Background photos are unlabeled: treat the top few percent as possibly in the label, the rest as not.
  const bgFloor = sortedBg.length >= 20 ? sortedBg[Math.floor(sortedBg.length * 0.1)]! : -Infinity;
  if (heldNeg.length === 0) return Math.max(Math.min(...heldPos) - 1e-6, bgFloor);
  const candidates = [...new Set([...heldPos, ...heldNeg])].sort((a, b) => a - b);
  let best = { t: Math.min(...heldPos), f: -1 };
  for (const t of candidates) {
    const tp = heldPos.filter((s) => s >= t).length;
    const fp = heldNeg.filter((s) => s >= t).length;
    if (tp === 0) continue;
    const precision = tp / (tp + fp);
    const recall = tp / heldPos.length;
    const f = (1.25 * precision * recall) / (0.25 * precision + recall);
    if (f > best.f + 1e-12 || (Math.abs(f - best.f) <= 1e-12 && t > best.t)) best = { t, f };
  }
  // Halfway down to the next lower example score keeps the margin symmetric.
  const below = candidates.filter((s) => s < best.t);
  const t = below.length ? (best.t + below[below.length - 1]!) / 2 : best.t - 1e-6;
  return Math.max(t, Math.min(bgFloor, best.t));
}

/**
 * Trains a label's prototype. The threshold is calibrated leave-one-out: each example is scored by the
 * prototype of all the others. `background` (optional): features of unlabeled photos of the library.
 */
export function train(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[], background: readonly ArrayLike<number>[] = []): Prototype {
  if (positives.length === 0) throw new Error('a label needs at least one example to learn from');
  const dims = positives[0]!.length;
  const full = fit(positives, negatives, dims);
  const heldPos =
    positives.length === 1
      ? [1]
      : positives.map((v, i) => score(fit(positives.filter((_, j) => j !== i), negatives, dims), v));
  const heldNeg = negatives.map((v, i) => score(fit(positives, negatives.filter((_, j) => j !== i), dims), v));
  const bg = background.map((v) => score(full, v));
  return { ...full, threshold: calibrate(heldPos, heldNeg, bg) };
}

/** A small seeded generator: the same seed gives the same folds and samples. */
export const seededRandom = mulberry32;

export function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

export interface PrPoint {
  threshold: number;
  precision: number;
  recall: number;
}

export interface Evaluation {
  folds: number;
  positives: number;
  negatives: number;
  precision: number;
  recall: number;
  f1: number;
  /** Precision/recall over every threshold of the pooled held-out scores (at most 20 points). */
  curve: PrPoint[];
}

export function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1 };
}

export function prCurve(scored: ReadonlyArray<{ score: number; positive: boolean }>, maxPoints = 20): PrPoint[] {
  const total = scored.filter((s) => s.positive).length;
  const sorted = [...scored].sort((a, b) => b.score - a.score);
  const points: PrPoint[] = [];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i]!.positive) tp++;
    else fp++;
    if (i + 1 < sorted.length && sorted[i + 1]!.score === sorted[i]!.score) continue;
    points.push({ threshold: sorted[i]!.score, precision: tp / (tp + fp), recall: total ? tp / total : 0 });
  }
  if (points.length <= maxPoints) return points;
  const step = (points.length - 1) / (maxPoints - 1);
  return Array.from({ length: maxPoints }, (_, i) => points[Math.round(i * step)]!);
}

/**
 * Seeded k-fold over a label's examples: each fold's examples are scored by the prototype trained (and
 * calibrated) on the others, and judged against that prototype's threshold. k = min(5, examples).
 */
export function evaluate(positives: readonly ArrayLike<number>[], negatives: readonly ArrayLike<number>[], seed: number, background: readonly ArrayLike<number>[] = []): Evaluation {
  const items = [...positives.map((v) => ({ v, positive: true })), ...negatives.map((v) => ({ v, positive: false }))];
  const folds = Math.min(5, items.length);
  if (positives.length < 2 || folds < 2) throw new Error(`an evaluation needs at least 2 examples of the label (it has ${positives.length})`);
  const random = seededRandom(seed);
  // Stratified: positives and negatives are dealt round-robin so every fold has some of each where possible.
  const order = [...shuffled(items.filter((i) => i.positive), random), ...shuffled(items.filter((i) => !i.positive), random)];
  const foldOf = new Map(order.map((item, i) => [item, i % folds]));
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const scored: Array<{ score: number; positive: boolean }> = [];
  for (let f = 0; f < folds; f++) {
    const train_ = order.filter((i) => foldOf.get(i) !== f);
    const test = order.filter((i) => foldOf.get(i) === f);
    const pos = train_.filter((i) => i.positive).map((i) => i.v);
    if (pos.length === 0) continue;
    const proto = train(pos, train_.filter((i) => !i.positive).map((i) => i.v), background);
    for (const t of test) {
      const s = score(proto, t.v);
      scored.push({ score: s, positive: t.positive });
      const said = s >= proto.threshold;
      if (said && t.positive) tp++;
      else if (said) fp++;
      else if (t.positive) fn++;
    }
  }
  return { folds, positives: positives.length, negatives: negatives.length, ...prf(tp, fp, fn), curve: prCurve(scored) };
}
