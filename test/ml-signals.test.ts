/**
 * The signals culling builds on, with the real ONNX face models and the real photos of ../shared:
 * eye state on the hand-labelled faces (test/fixtures/eye-labels.json) and the quality score's
 * calibration (sharp, well-exposed photos in 3.5–4.5; degraded copies below). The figures asserted
 * are the ones `npm run eval -- --only signals` measured, less a small margin.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { eyeStateOf, judgeEyeState } from '../src-worker/ml/eye-state.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { assessQuality, QUALITY_CALIBRATION, scoreQuality, type QualityMeasures } from '../src-worker/ml/quality.js';
import { buildTags } from '../src-worker/ml/tags.js';
import { eyeConfusion, eyeLabelPhotosPresent, labelledPreview, measureEyeLabels, oldEyeVerdict, type MeasuredFace } from './helpers/eye-labels.js';
import { madeClosedFaces } from './helpers/made-closed.js';
import { hasPhotos } from './helpers/photos.js';
import { degrade } from './helpers/quality-sets.js';

/** A frontal face's 68 landmarks in px: box at (x, y), side s; eyes level, nose centred, mouth at rest. */
function frontalLandmarks(x: number, y: number, s: number, mouthHalfWidth = 0.17): number[] {
  const pts: Array<[number, number]> = [];
  for (let i = 0; i <= 16; i++) pts.push([x + s * (0.05 + (0.9 * i) / 16), y + s * (0.4 + 0.5 * Math.sin((Math.PI * i) / 16))]); // jaw
  for (let i = 0; i < 10; i++) pts.push([x + s * (0.2 + (0.6 * i) / 9), y + s * 0.25]); // brows
  for (let i = 0; i < 9; i++) pts.push([x + s * (i < 4 ? 0.5 : 0.42 + (0.16 * (i - 4)) / 4), y + s * (i < 4 ? 0.38 + 0.06 * i : 0.6)]); // nose: 30 = tip
  const eye = (cx: number): void => {
    const w = 0.12 * s;
    pts.push([cx - w / 2, y + 0.4 * s], [cx - w / 6, y + 0.38 * s], [cx + w / 6, y + 0.38 * s], [cx + w / 2, y + 0.4 * s], [cx + w / 6, y + 0.42 * s], [cx - w / 6, y + 0.42 * s]);
  };
  eye(x + 0.32 * s);
  eye(x + 0.68 * s);
  for (let i = 0; i < 20; i++) {
    const a = (2 * Math.PI * i) / (i < 12 ? 12 : 8);
    const r = i < 12 ? mouthHalfWidth : mouthHalfWidth * 0.7;
    pts.push([x + s * (0.5 + r * Math.cos(Math.PI - a)), y + s * (0.75 + 0.04 * Math.sin(a))]);
  }
  // Index 30 (nose tip) lies below the eyes, on the centre line.
  pts[30] = [x + 0.5 * s, y + 0.56 * s];
  return pts.flat();
}

describe('eye state gate (pure)', () => {
  const face = (over: Partial<Parameters<typeof judgeEyeState>[0]> = {}): Parameters<typeof judgeEyeState>[0] => ({
    boxPx: [200, 200],
    detectorScore: 0.999,
    landmarks: frontalLandmarks(0, 0, 200),
    eyeClosedProb: [0.99, 0.99],
    ...over,
  });

  it('judges a big frontal face from the eye model, both eyes needed for closed', () => {
    assert.deepEqual(judgeEyeState(face()), { state: 'closed', why: 'judged' });
    assert.deepEqual(judgeEyeState(face({ eyeClosedProb: [0.01, 0.99] })), { state: 'open', why: 'judged' });
    assert.deepEqual(judgeEyeState(face({ eyeClosedProb: [0.6, 0.99] })), { state: 'unknown', why: 'uncertain' });
  });

  it("says 'unknown', never 'closed', for small faces, unlikely faces, turned heads and broad smiles", () => {
    assert.equal(judgeEyeState(face({ boxPx: [40, 40], landmarks: frontalLandmarks(0, 0, 40) })).why, 'small-face');
    assert.equal(judgeEyeState(face({ detectorScore: 0.9 })).why, 'implausible-landmarks');
    const turned = frontalLandmarks(0, 0, 200);
    turned[60] = 0.34 * 200; // nose tip almost under the left eye
    assert.equal(judgeEyeState(face({ landmarks: turned })).why, 'head-turned');
    assert.deepEqual(judgeEyeState(face({ landmarks: frontalLandmarks(0, 0, 200, 0.22) })), { state: 'unknown', why: 'broad-smile' });
  });

  it('reads older results without eyeState', () => {
    assert.equal(eyeStateOf({ eyesClosed: true }), 'closed');
    assert.equal(eyeStateOf({ eyesClosed: false }), 'unknown');
    assert.equal(eyeStateOf({ eyeState: 'open', eyesClosed: true }), 'open');
    assert.ok(buildTags({ faces: [{ eyeState: 'unknown', eyesClosed: false }], objects: [], text: [], metadata: null }).tags.includes('faces:1'));
    assert.ok(!buildTags({ faces: [{ eyeState: 'unknown' }], objects: [], text: [], metadata: null }).tags.includes('eyes-closed'));
    assert.ok(buildTags({ faces: [{ eyeState: 'closed' }], objects: [], text: [], metadata: null }).tags.includes('eyes-closed'));
  });
});

describe('quality score (pure)', () => {
  const measures = (over: Partial<QualityMeasures> = {}): QualityMeasures => ({
    blockSecondX: Array.from({ length: 100 }, (_, i) => i * 30),
    blockSecondY: Array.from({ length: 100 }, (_, i) => i * 30),
    shortSide: 1200,
    clippedHighlights: 0,
    clippedShadows: 0,
    meanLuma: 118,
    noiseSigma: 0.5,
    faces: [],
    ...over,
  });

  it('falls with less detail, one blurred direction, clipping, noise, closed eyes and a tiny picture', () => {
    const base = scoreQuality(measures()).score;
    const worse: Array<Partial<QualityMeasures>> = [
      { blockSecondX: measures().blockSecondX.map((v) => v / 20) },
      { blockSecondY: measures().blockSecondY.map((v) => v / 20) },
      { clippedHighlights: 0.4 },
      { clippedShadows: 0.4 },
      { meanLuma: 30 },
      { noiseSigma: 4 },
      { shortSide: 100 },
      { faces: [{ laplacian: 500, area: 0.1, sidePx: 200, likelyFace: true, eyeState: 'closed' }] },
    ];
    for (const w of worse) assert.ok(scoreQuality(measures(w)).score < base, JSON.stringify(w).slice(0, 80));
    const unknownEyes = scoreQuality(measures({ faces: [{ laplacian: 500, area: 0.1, sidePx: 200, likelyFace: true, eyeState: 'unknown' }] }));
    assert.equal(unknownEyes.parts.eyes, 1);
  });

  it('reports face sharpness per face; small and unlikely faces do not judge the photo', () => {
    const q = scoreQuality(
      measures({
        faces: [
          { laplacian: 400, area: 0.05, sidePx: 150, likelyFace: true, eyeState: 'open' },
          { laplacian: 5, area: 0.001, sidePx: 30, likelyFace: true, eyeState: 'unknown' },
          { laplacian: 5, area: 0.05, sidePx: 150, likelyFace: false, eyeState: 'unknown' },
        ],
      }),
    );
    assert.equal(q.parts.faceSharpness.length, 3);
    assert.equal(q.parts.faceSharpness[0], Math.round((400 / (400 + QUALITY_CALIBRATION.faceHalf)) * 1000) / 1000);
    assert.ok(q.parts.faceSharpness[1]! < 0.1);
    assert.equal(q.parts.facesSharpness, q.parts.faceSharpness[0]);
    assert.deepEqual(scoreQuality(measures()).parts.faceSharpness, []);
  });
});

describe('eye state on hand-labelled faces (real models)', { skip: !eyeLabelPhotosPresent() }, () => {
  let rows: MeasuredFace[];
  before(async () => {
    rows = await measureEyeLabels(await FaceAnalyzer.load());
  });

  it('calls no open face, non-face or unreadable face closed, and finds most closed ones', () => {
    const after = eyeConfusion(rows, (f) => f.eyeState);
    const beforeGate = eyeConfusion(rows, oldEyeVerdict);
    console.log(`# eye state after: ${JSON.stringify(after.counts)}; before: ${JSON.stringify(beforeGate.counts)}`);
    assert.ok(rows.filter((r) => r.found).length >= rows.length - 2, 'the detector still finds the labelled faces');
    // Measured by the eval: 0 open called closed, 0 unreadable called closed, 6/10 closed found, 28/38 open judged open.
    assert.equal(after.openCalledClosed, 0);
    assert.equal(after.unreadableCalledClosed, 0);
    assert.ok(after.closedFound >= 5, `closed found ${after.closedFound}/${after.closedTotal}`);
    assert.ok(after.openCoverage >= 0.65, `open judged open ${after.openCoverage}`);
    assert.ok(after.judgedAccuracy >= 0.95);
    // The old rule on the same faces: what the gate fixed.
    assert.ok(beforeGate.openCalledClosed >= 3 && beforeGate.unreadableCalledClosed >= 6);
    for (const r of rows) if (r.found) assert.equal(r.found.eyesClosed, r.found.eyeState === 'closed');
  });

  it("no 'closed' on the smiling faces of kodak-dc210 and canon-ixus, and no eyes-closed tag", { skip: !hasPhotos }, async () => {
    const analyzer = await FaceAnalyzer.load();
    for (const photo of ['../shared/photos/jpg/exif-org/kodak-dc210.jpg', '../shared/photos/jpg/exif-org/canon-ixus.jpg']) {
      const faces = await analyzer.analyze(await labelledPreview(photo));
      assert.ok(faces.length >= 3, photo);
      assert.deepEqual(
        faces.filter((f) => f.eyeState === 'closed'),
        [],
        photo,
      );
      assert.ok(!buildTags({ faces, objects: [], text: [], metadata: null }).tags.includes('eyes-closed'), photo);
    }
  });
});

describe('made closed eyes (real closed eyelids pasted on open faces, test/helpers/made-closed.ts)', { skip: !eyeLabelPhotosPresent() }, () => {
  it("are mostly called 'closed' on faces at rest, rarely 'open'", async () => {
    // Faces not smiling broadly (a broad smile makes 'closed' untrusted by design).
    const atRest = /biden-1|kit_harington-[123]|lin_manuel|rose_leslie-[12]|obama-[34]\./;
    const made = await madeClosedFaces(await FaceAnalyzer.load(), (l) => atRest.test(l.photo));
    const states = made.map((m) => m.found?.eyeState ?? 'missing');
    console.log(`# made closed at rest: ${states.join(' ')}`);
    // Measured: 11 closed, 5 unknown ('uncertain'), 2 open of 18 (both with the sample1 donor, whose
    // glittery lid the eye model reads as open on one eye).
    assert.equal(made.length, 18);
    assert.ok(states.filter((s) => s === 'closed').length >= 9, states.join(' '));
    assert.ok(states.filter((s) => s === 'open').length <= 3, states.join(' '));
  });
});

describe('quality calibration on real photos', { skip: !hasPhotos }, () => {
  const SHARP = ['jpg/gps/DSCN0029.jpg', 'jpg/hdr/iphone_hdr_YES.jpg', 'jpg/exif-org/olympus-c960.jpg', 'jpg/exif-org/canon-ixus.jpg'];
  let analyzer: FaceAnalyzer;
  before(async () => {
    analyzer = await FaceAnalyzer.load();
  });
  const score = async (img: Awaited<ReturnType<typeof labelledPreview>>) => assessQuality(img, await analyzer.analyze(img));

  it('a sharp, well-exposed photo scores 3.5–4.5; its blurred, motion-blurred and darkened copies score lower and below 3.5', async () => {
    for (const rel of SHARP) {
      const img = await labelledPreview(`../shared/photos/${rel}`);
      const q = await score(img);
      assert.ok(q.score >= 3.5 && q.score <= 4.5, `${rel}: ${q.score}`);
      assert.equal(q.priority, 'medium');
      for (const kind of ['gaussian blur σ 2.5 px @1024', 'motion blur 15 px @1024', 'under-exposed ×0.35'] as const) {
        const d = await score(await degrade(img, kind));
        console.log(`# quality ${rel}: ${q.score} → ${kind} ${d.score}`);
        assert.ok(d.score < q.score && d.score < 3.5, `${rel} ${kind}: ${q.score} → ${d.score}`);
      }
    }
  });

  it('gives each face a sharpness in [0, 1] that drops when the face is blurred', async () => {
    const img = await labelledPreview('../shared/faces/group-obama_biden.jpg');
    const faces = await analyzer.analyze(img);
    const q = await assessQuality(img, faces);
    assert.equal(q.parts.faceSharpness.length, faces.length);
    for (const v of q.parts.faceSharpness) assert.ok(v >= 0 && v <= 1);
    const blurred = await assessQuality(await degrade(img, 'gaussian blur σ 2.5 px @1024'), faces);
    for (let i = 0; i < faces.length; i++) assert.ok(blurred.parts.faceSharpness[i]! < q.parts.faceSharpness[i]!, `face ${i}`);
  });
});
