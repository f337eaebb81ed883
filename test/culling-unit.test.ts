/**
 * Culling's pure parts: the pair classifier (on features computed from real photos by the analysis'
 * own stage functions), the ranking, and grouping with the person's links.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { FaceFeature, PhotoFeatures } from '../src-core/culling/features.js';
import { takenAtMs, toFeatures } from '../src-core/culling/features.js';
import { components, planJoin } from '../src-core/culling/grouping.js';
import { rankGroup } from '../src-core/culling/ranking.js';
import { classifyPair, DEFAULT_THRESHOLDS, hamming, mirrorDhash, pairEvidence } from '../src-core/culling/similarity.js';
import { realFeatures } from './helpers/culling-features.js';
import { photo, tempDir } from './helpers/photos.js';

const SOURCE = photo('jpg', 'exif-org', 'nikon-e950.jpg');
const OTHER = photo('jpg', 'exif-org', 'fujifilm-dx10.jpg');

describe('culling: pairs of real photos', () => {
  const tmp = tempDir('shoebox-cull-unit-');
  let original: PhotoFeatures;
  const edits = new Map<string, PhotoFeatures>();
  let mirrored: PhotoFeatures;
  let unrelated: PhotoFeatures;
  before(async () => {
    const bytes = readFileSync(SOURCE);
    original = await realFeatures('orig', bytes, tmp.dir);
    const meta = await sharp(bytes).metadata();
    const w = meta.width!;
    const h = meta.height!;
    const variants: Record<string, Promise<Buffer>> = {
      half: sharp(bytes).resize(Math.round(w / 2)).jpeg({ quality: 85 }).toBuffer(),
      q55: sharp(bytes).jpeg({ quality: 55 }).toBuffer(),
      crop8: sharp(bytes)
        .extract({ left: Math.round(w * 0.04), top: Math.round(h * 0.04), width: Math.round(w * 0.92), height: Math.round(h * 0.92) })
        .jpeg()
        .toBuffer(),
      bright: sharp(bytes).linear(1.15, 0).jpeg().toBuffer(),
      webp: sharp(bytes).webp({ quality: 80 }).toBuffer(),
    };
    for (const [name, buf] of Object.entries(variants)) edits.set(name, await realFeatures(name, await buf, tmp.dir));
    mirrored = await realFeatures('mirror', await sharp(bytes).flop().jpeg().toBuffer(), tmp.dir);
    unrelated = await realFeatures('other', readFileSync(OTHER), tmp.dir);
  });
  after(() => tmp.cleanup());

  it('calls each edit (half size, q55, 8 % crop, +15 % brightness, WebP) a duplicate', () => {
    for (const [name, f] of edits) assert.equal(classifyPair(original, f), 'duplicate', `${name}: ${JSON.stringify(pairEvidence(original, f))}`);
  });

  it('(evidence)', () => {
    for (const [name, x] of [...edits, ['mirror', mirrored], ['other', unrelated]] as const) console.log(name, JSON.stringify(pairEvidence(original, x)));
  });
  it('never calls the mirror image a duplicate', () => {
    assert.equal(pairEvidence(original, mirrored).mirror, true);
    assert.equal(classifyPair(original, mirrored), null);
  });

  it('never relates an unrelated photo', () => {
    assert.equal(classifyPair(original, unrelated), null);
  });

  it('two photos 10 s apart from different cameras never form a burst; same camera 1 s apart does', () => {
    const a = { ...edits.get('crop8')!, takenMs: 1_000_000, camera: 'Canon\u0000EOS R5' };
    const b = { ...original, takenMs: 1_010_000, camera: 'Nikon\u0000Z6' };
    assert.equal(classifyPair(a, b), null);
    assert.equal(classifyPair(a, { ...b, camera: a.camera }), null, '10 s apart is beyond the 2 s gap');
    assert.equal(classifyPair(a, { ...b, takenMs: 1_001_000, camera: a.camera }), 'burst');
    assert.equal(classifyPair(a, { ...b, takenMs: 1_001_000 }), null, 'different cameras');
  });

  it('no capture time: never a burst', () => {
    const a = { ...edits.get('crop8')!, camera: 'X\u0000Y', contentHash: 'a', dhash: 0x0f0f0f0f0f0f0f0fn };
    const b = { ...unrelated, vector: a.vector, camera: 'X\u0000Y', contentHash: 'b', dhash: 0x3c3c3c3c3c3c3c3cn };
    assert.equal(classifyPair(a, b), null);
    assert.equal(classifyPair({ ...a, takenMs: 5000 }, { ...b, takenMs: 5500 }), 'burst');
  });
});

describe('culling: dHash helpers', () => {
  it('mirroring a dHash twice gives it back, and hamming counts bits', () => {
    for (const h of [0n, 0x0123456789abcdefn, 0xffffffffffffffffn, 0x8000000000000001n]) assert.equal(mirrorDhash(mirrorDhash(h)), h);
    assert.equal(hamming(0n, 0xffn), 8);
    assert.equal(mirrorDhash(0x80n), 0xfffffffffffffffen, 'leftmost bit of the last row becomes the rightmost, inverted');
  });
  it('reads capture times as wall-clock ms, offsets ignored', () => {
    assert.equal(takenAtMs('2020-01-01T00:00:02+02:00')! - takenAtMs('2020-01-01T00:00:00')!, 2000);
    assert.equal(takenAtMs('garbage'), null);
  });
});

function f(id: string, over: Partial<PhotoFeatures> = {}): PhotoFeatures {
  return {
    id,
    path: `${id}.jpg`,
    contentHash: id,
    fileBytes: 3_000_000,
    mtimeMs: 0,
    dhash: 0n,
    width: 4000,
    height: 3000,
    takenMs: null,
    camera: null,
    vector: null,
    faces: [],
    sharpness: 0.8,
    laplacianVariance: 1200,
    clippedHighlights: 0,
    clippedShadows: 0,
    quality: 4,
    previewPath: null,
    ...over,
  };
}
const face = (eyeState: FaceFeature['eyeState'], sharpness: number): FaceFeature => ({ box: [0.4, 0.3, 0.2, 0.2], eyeState, sharpness });

describe('culling: best of a group', () => {
  it('a blurred frame is never the pick while a sharp one exists, even with better eyes and size', () => {
    const ranked = rankGroup([
      f('blurred', { laplacianVariance: 150, faces: [face('open', 0.2)], quality: 5 }),
      f('sharp', { laplacianVariance: 1300, faces: [face('closed', 0.9)] }),
    ]);
    assert.equal(ranked.find((r) => r.pick)!.photoId, 'sharp');
    assert.ok(ranked.find((r) => r.photoId === 'blurred')!.reasons.includes('motion blur'));
  });

  it('eyes open beats eyes closed between equally sharp frames, and says so', () => {
    const ranked = rankGroup([f('closed', { faces: [face('closed', 0.8)] }), f('open', { faces: [face('open', 0.8)] })]);
    assert.equal(ranked[0]!.photoId, 'open');
    assert.equal(ranked[0]!.pick, true);
    assert.deepEqual(ranked[0]!.reasons, ['eyes open'], 'equal sharpness is not a reason');
    assert.ok(ranked[1]!.reasons.includes('eyes closed'));
  });

  it('between copies the full-resolution one wins and the small copy is named', () => {
    const ranked = rankGroup([f('small', { width: 2000, height: 1500 }), f('full')]);
    assert.equal(ranked[0]!.photoId, 'full');
    assert.ok(ranked[0]!.reasons.includes('full resolution'));
    assert.ok(ranked[1]!.reasons.some((r) => r.endsWith('smaller copy')), ranked[1]!.reasons.join());
  });

  it('in a duplicate group the full-size copy wins over a small copy that measures "sharper"', () => {
    const ranked = rankGroup([f('small', { width: 400, height: 300, laplacianVariance: 3000 }), f('full', { width: 800, height: 600, laplacianVariance: 1000 })], 'duplicate');
    assert.equal(ranked[0]!.photoId, 'full');
    assert.ok(!ranked.some((r) => r.reasons.includes('softer than the best frame')), JSON.stringify(ranked));
  });

  it('between same-size copies the least compressed, oldest file wins over a recompressed one that measures sharper', () => {
    const ranked = rankGroup([f('q55', { fileBytes: 900_000, laplacianVariance: 1250, mtimeMs: 2 }), f('source', { fileBytes: 3_000_000, laplacianVariance: 1000, mtimeMs: 1 })], 'duplicate');
    assert.equal(ranked[0]!.photoId, 'source');
    assert.ok(ranked[1]!.reasons.includes('more compressed copy'), ranked[1]!.reasons.join());
  });

  it('reasons name what differs: clipping shared by every frame is not repeated', () => {
    const ranked = rankGroup([f('a', { clippedHighlights: 0.1 }), f('b', { clippedHighlights: 0.1, laplacianVariance: 1100 })]);
    assert.ok(ranked.every((r) => !r.reasons.includes('highlights clipped')));
    const other = rankGroup([f('a', { clippedHighlights: 0.01 }), f('b', { clippedHighlights: 0.2 })]);
    assert.deepEqual(other.find((r) => r.photoId === 'b')!.reasons.includes('highlights clipped'), true);
  });

  it('reads old results: eyesClosed without eyeState, facesSharpness without per-face values', () => {
    const feats = toFeatures({
      id: 'p', path: 'p.jpg', revision: 0, size: 1, mtimeMs: 0, contentHash: null, dhash: 'ff', width: 10, height: 10, takenAt: null, subMs: null, subMsRead: false, frameLap: null, make: 'A', model: 'B',
      previewPath: null, thumbnailPath: null,
      detect: { faces: [{ box: [0, 0, 0.5, 0.5], eyesClosed: true }, { box: [0.5, 0.5, 0.2, 0.2], eyesClosed: false }] },
      quality: { score: 3, parts: { sharpness: 0.5, facesSharpness: 0.42 } },
      embed: null,
    });
    assert.deepEqual(feats.faces.map((x) => [x.eyeState, x.sharpness]), [['closed', 0.42], ['unknown', 0.42]]);
    assert.equal(feats.camera, 'A\u0000B');
  });
});

describe('culling: groups from pairs', () => {
  it('connected components, with a split photo kept out and a merge honoured', () => {
    const edges = [
      { a: 'a', b: 'b', kind: 'burst' as const },
      { a: 'b', b: 'c', kind: 'burst' as const },
      { a: 'x', b: 'y', kind: 'burst' as const },
      { a: 'a', b: 'z', kind: 'duplicate' as const },
    ];
    assert.deepEqual(components(edges, [], 'burst'), [['a', 'b', 'c'], ['x', 'y']]);
    assert.deepEqual(components(edges, [{ kind: 'burst', photoA: 'c', photoB: 'b', relation: 'apart' }], 'burst'), [['a', 'b'], ['x', 'y']]);
    assert.deepEqual(components(edges, [{ kind: 'burst', photoA: 'a', photoB: 'x', relation: 'together' }], 'burst'), [['a', 'b', 'c', 'x', 'y']]);
    assert.deepEqual(components(edges, [], 'duplicate'), [['a', 'z']]);
  });

  it('an arriving photo joins, merges (the oldest group survives) or starts a group', () => {
    const groupOf = new Map([
      ['a', { groupId: 'g2', createdAt: '2024-02' }],
      ['b', { groupId: 'g2', createdAt: '2024-02' }],
      ['c', { groupId: 'g1', createdAt: '2024-01' }],
      ['d', { groupId: 'g1', createdAt: '2024-01' }],
    ]);
    const members = new Map([
      ['g1', ['c', 'd']],
      ['g2', ['a', 'b']],
    ]);
    assert.deepEqual(planJoin('n', 'burst', ['a'], groupOf, members, []), { kind: 'burst', keepGroupId: 'g2', mergedGroupIds: [], members: ['a', 'b', 'n'] });
    assert.deepEqual(planJoin('n', 'burst', ['a', 'c'], groupOf, members, []), {
      kind: 'burst',
      keepGroupId: 'g1',
      mergedGroupIds: ['g2'],
      members: ['a', 'b', 'c', 'd', 'n'],
    });
    assert.deepEqual(planJoin('n', 'burst', ['q'], groupOf, members, []), { kind: 'burst', keepGroupId: null, mergedGroupIds: [], members: ['n', 'q'] });
    assert.equal(planJoin('n', 'burst', ['q'], groupOf, members, [{ kind: 'burst', photoA: 'n', photoB: 'q', relation: 'apart' }]), null);
    assert.equal(planJoin('n', 'burst', [], groupOf, members, []), null);
  });
  it('default thresholds are the calibrated ones', () => {
    assert.equal(DEFAULT_THRESHOLDS.burstGapMs, 2000);
  });
});

describe('culling: sub-seconds', () => {
  it('reads EXIF SubSecTime digits as a fraction of a second', async () => {
    const { subSecondsToMs } = await import('../src-worker/culling/sub-seconds.js');
    assert.equal(subSecondsToMs('4'), 400);
    assert.equal(subSecondsToMs('04'), 40);
    assert.equal(subSecondsToMs(400), 400);
    assert.equal(subSecondsToMs('x'), null);
    assert.equal(subSecondsToMs(undefined), null);
  });
});
