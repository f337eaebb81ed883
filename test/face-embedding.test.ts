/**
 * The two face models (src-worker/ml/face-embedding.ts) on real faces from ../shared/faces with the real
 * fr_feature.onnx: face-feature-v2's rotation is orthogonal (lengths and cosines kept), v2 tells people
 * apart as v1 does (every same-person pair nearer than every different-person pair, on single-face
 * photos), and a face's v2 vector is unrelated to its v1 vector — a real switch, never to be mixed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { mulberry32 } from '../src-shared/prng.js';
import { FACE_MODELS, type FaceModel } from '../src-shared/vector-models.js';
import { cosine } from '../src-worker/ml/embedding.js';
import { FaceEmbedder, rotateV2 } from '../src-worker/ml/face-embedding.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { loadMlImage } from '../src-worker/stages/ml-stages.js';
import { repoRoot } from './helpers/photos.js';

const facesDir = path.resolve(repoRoot, '..', 'shared', 'faces');
/** Single-face photos of three people (the file name says who). */
const FILES = ['obama-1.jpg', 'obama-2.jpg', 'obama-4.jpg', 'biden-1.jpg', 'kit_harington-1.jpg', 'kit_harington-2.jpg', 'kit_harington-3.jpg'];

describe('face models v1 and v2', () => {
  it('rotates orthogonally: lengths and cosines are kept, the vector is another one', () => {
    const random = mulberry32(7);
    // Unit vectors: embedding.ts's cosine is the dot product of unit vectors.
    const unitRandom = () => {
      const v = Float32Array.from({ length: 512 }, () => random() - 0.5);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    };
    const [a, b] = [unitRandom(), unitRandom()];
    const [ra, rb] = [rotateV2(a), rotateV2(b)];
    assert.ok(Math.abs(Math.hypot(...ra) - 1) < 1e-5);
    assert.ok(Math.abs(cosine(ra, rb) - cosine(a, b)) < 1e-5);
    assert.ok(Math.abs(cosine(a, ra)) < 0.2, `cos(v, rotated v) = ${cosine(a, ra)}`);
    assert.deepEqual(Array.from(rotateV2(a)), Array.from(ra), 'seeded: the same rotation every time');
    assert.throws(() => rotateV2(new Float32Array(500)), /power-of-two/);
  });

  describe('on real faces', { skip: fs.existsSync(facesDir) ? false : `${facesDir} is absent` }, () => {
    const vectors = new Map<FaceModel, Array<{ who: string; v: Float32Array }>>();
    before(async () => {
      const analyzer = await FaceAnalyzer.load();
      const embedder = await FaceEmbedder.load();
      for (const model of FACE_MODELS) vectors.set(model, []);
      for (const file of FILES) {
        const img = await loadMlImage(path.join(facesDir, file));
        const [face] = await analyzer.analyze(img);
        assert.ok(face, `a face in ${file}`);
        const px = face.landmarks.map((v, i) => v * (i % 2 === 0 ? img.width : img.height));
        for (const model of FACE_MODELS) vectors.get(model)!.push({ who: file.replace(/-\d+\.jpg$/, ''), v: await embedder.embed(img, px, model) });
      }
    });

    for (const model of FACE_MODELS) {
      it(`${model}: every same-person pair is nearer than every different-person pair`, (t) => {
        const faces = vectors.get(model)!;
        const same: number[] = [];
        const different: number[] = [];
        for (let i = 0; i < faces.length; i++) {
          for (let j = i + 1; j < faces.length; j++) (faces[i]!.who === faces[j]!.who ? same : different).push(1 - cosine(faces[i]!.v, faces[j]!.v));
        }
        t.diagnostic(`${model}: same person distance ≤ ${Math.max(...same).toFixed(3)}, different ≥ ${Math.min(...different).toFixed(3)}`);
        assert.ok(Math.max(...same) < Math.min(...different), `${Math.max(...same)} vs ${Math.min(...different)}`);
      });
    }

    it('a face\'s v2 vector is unrelated to its v1 vector (comparing them would be meaningless)', (t) => {
      const [v1, v2] = FACE_MODELS.map((m) => vectors.get(m)!);
      const cross = v1!.map((f, i) => cosine(f.v, v2![i]!.v));
      t.diagnostic(`cosine(v1, v2) of the same face: ${cross.map((c) => c.toFixed(3)).join(', ')}`);
      for (const c of cross) assert.ok(Math.abs(c) < 0.3, String(c));
    });
  });
});
