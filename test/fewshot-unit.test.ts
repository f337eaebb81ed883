/**
 * The few-shot learning functions (src-core/learning/fewshot.ts, features.ts) on made-up vectors: the
 * leave-one-out threshold separates the person's examples, a "not this" example pushes its look-alikes
 * down, evaluation runs are reproducible by seed, the PR curve is well formed, and the label feature
 * is unit length with the signals of faces and text where the detect result has them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrate, evaluate, prCurve, score, seededRandom, train } from '../src-core/learning/fewshot.js';
import { featureStats, labelFeature, rawFeature, signalVector, SIGNAL_DIMS } from '../src-core/learning/features.js';

const random = seededRandom(3);
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};
const near = (axis: number, noise = 0.2) => unit(Array.from({ length: 16 }, (_, i) => (i === axis ? 1 : 0) + (random() - 0.5) * noise));

test('the calibrated threshold keeps the held-out examples on the right side, and is not a constant', () => {
  const pos = [0, 0, 0, 0, 0].map(() => near(0));
  const neg = [1, 1, 1].map(() => near(1));
  const p = train(pos, neg);
  for (const v of [near(0), near(0)]) assert.ok(score(p, v) >= p.threshold);
  for (const v of [near(1), near(2)]) assert.ok(score(p, v) < p.threshold);
  const tighter = train([0, 0, 0].map(() => near(0, 0.05)), []);
  assert.notEqual(Math.round(p.threshold * 1000), Math.round(tighter.threshold * 1000));
  // F0.5 picks the threshold above a negative that scores inside the positives' range.
  assert.ok(calibrate([0.9, 0.8, 0.7], [0.75]) > 0.75);
  assert.equal(calibrate([], []), Infinity);
});

test('a "not this" example pushes down the photos that look like it', () => {
  const pos = [near(0), near(0), unit([1, 0.9, ...new Array(14).fill(0)])];
  const lookalike = unit([0.8, 1, ...new Array(14).fill(0)]);
  const without = score(train(pos, []), lookalike);
  const withNeg = score(train(pos, [unit([0.7, 1, ...new Array(14).fill(0)])]), lookalike);
  assert.ok(withNeg < without, `${withNeg} < ${without}`);
});

test('an evaluation is reproducible by seed and reports a well-formed curve', () => {
  const pos = Array.from({ length: 8 }, () => near(0, 0.6));
  const neg = Array.from({ length: 6 }, () => near(1, 0.6));
  const a = evaluate(pos, neg, 11);
  const b = evaluate(pos, neg, 11);
  assert.deepEqual(a, b);
  assert.equal(a.folds, 5);
  assert.ok(a.f1 > 0.6, `F1 ${a.f1}`);
  assert.throws(() => evaluate([near(0)], neg, 1), /at least 2 examples/);
  const curve = prCurve([0.9, 0.8, 0.7, 0.6].map((s, i) => ({ score: s, positive: i % 2 === 0 })));
  assert.deepEqual(curve.map((p) => p.recall), [0.5, 0.5, 1, 1]);
  assert.deepEqual(curve.map((p) => p.precision), [1, 0.5, 2 / 3, 0.5]);
});

test('the label feature: signals of faces and text, standardised, unit length', () => {
  const faces = signalVector({ faces: [{ box: [0.2, 0.2, 0.5, 0.5] }], objects: [{ label: 'dog', score: 0.8 }], text: [] });
  assert.equal(faces.length, SIGNAL_DIMS);
  assert.ok(faces.some((x) => Math.abs(x - 0.5) < 1e-6), 'the largest face is sqrt(0.25) of the picture');
  assert.ok(signalVector(null).every((x) => x === 0));
  const raws = [near(0), near(1), near(2)].map((d, i) => rawFeature(Float32Array.from(d), i === 0 ? { faces: [{ box: [0, 0, 1, 1] }] } : { text: [{ box: [0, 0, 1, 0.1] }] }));
  const stats = featureStats(raws);
  for (const r of raws) {
    const f = labelFeature(r, stats);
    assert.ok(Math.abs(Math.hypot(...f) - 1) < 1e-5);
  }
  assert.throws(() => labelFeature(new Float32Array(3), stats), /3-d feature/);
});
