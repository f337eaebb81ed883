/**
 * The face quality gate on real detections (test/fixtures/face-gate-cases.json: the FaceAnalyzer's
 * output on ../shared/faces and ../shared/photos, each labelled by looking at its crop).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { boxSharpness, gateFace, landmarksPlausible, type GateInput } from '../src-worker/people/face-gate.js';

interface Case extends GateInput {
  photo: string;
  face: number;
  what: string;
  falsePositive: boolean;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const fixture = path.resolve(here, '..', '..', 'test', 'fixtures', 'face-gate-cases.json');
const cases = (JSON.parse(fs.readFileSync(fixture, 'utf8')) as { cases: Case[] }).cases;
const label = (c: Case) => `${c.photo}#${c.face} (${c.what})`;

describe('face quality gate', () => {
  it('lets every face of the labelled people photos through', () => {
    const faces = cases.filter((c) => c.photo.startsWith('faces/') && !c.falsePositive);
    assert.equal(faces.length, 21);
    for (const c of faces) assert.deepEqual(gateFace(c).reasons, [], label(c));
  });

  it('stops the dog, the lamp, the hand, the tree, the tape reel and the painted background', () => {
    const stopped = ['dog', 'lamp', 'hand with chopsticks', 'tree', 'tape reel', 'painted background'];
    for (const what of stopped) {
      const c = cases.find((x) => x.what === what);
      assert.ok(c, what);
      assert.equal(gateFace(c).ok, false, `${label(c)} passed the gate`);
    }
  });

  it('says why: the dog\'s landmarks, the lamp\'s score', () => {
    assert.ok(gateFace(cases.find((c) => c.what === 'dog')!).reasons.includes('implausible-landmarks'));
    assert.ok(gateFace(cases.find((c) => c.what === 'lamp')!).reasons.includes('low-score'));
  });

  it('keeps real but tiny faces out as too small (19–39 px)', () => {
    const tiny = cases.filter((c) => !c.falsePositive && Math.min(c.box[2] * c.imageWidth, c.box[3] * c.imageHeight) < 40);
    assert.ok(tiny.length >= 5);
    for (const c of tiny) assert.ok(gateFace(c).reasons.includes('too-small'), label(c));
  });

  it('known miss: the pumpkin wearing glasses looks like a face to every check', () => {
    // Recorded so a better gate shows up here; clustering leaves it alone (no neighbour within the distance).
    assert.equal(gateFace(cases.find((c) => c.what === 'pumpkin with glasses')!).ok, true);
  });

  it('rejects landmarks that are missing, not numbers or upside down', () => {
    const good = cases.find((c) => c.photo.endsWith('obama-1.jpg'))!;
    assert.equal(landmarksPlausible(good), true);
    assert.equal(landmarksPlausible({ ...good, landmarks: [] }), false);
    assert.equal(landmarksPlausible({ ...good, landmarks: good.landmarks.map((v, i) => (i === 10 ? Number.NaN : v)) }), false);
    const flipped = good.landmarks.map((v, i) => (i % 2 === 1 ? 2 * good.box[1] + good.box[3] - v : v));
    assert.equal(landmarksPlausible({ ...good, landmarks: flipped }), false);
  });

  it('marks a blurred face and skips the check when sharpness is unknown', () => {
    const good = cases.find((c) => c.photo.endsWith('obama-1.jpg'))!;
    assert.deepEqual(gateFace({ ...good, sharpness: 0.02 }).reasons, ['blurred']);
    assert.equal(gateFace({ ...good, sharpness: null }).ok, true);
  });

  it('measures sharpness inside the box: flat is 0, a checkerboard is near 1', () => {
    const width = 64;
    const height = 64;
    const flat = { data: new Uint8Array(width * height).fill(128), width, height };
    const checker = { data: Uint8Array.from({ length: width * height }, (_, i) => (((i % width) + Math.floor(i / width)) % 2 ? 255 : 0)), width, height };
    assert.equal(boxSharpness(flat, [0.1, 0.1, 0.8, 0.8]), 0);
    assert.ok(boxSharpness(checker, [0.1, 0.1, 0.8, 0.8]) > 0.99);
  });
});
