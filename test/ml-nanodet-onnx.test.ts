/**
 * models/nanodet.onnx (scripts/convert-nanodet-onnx.py) computes what the TF.js graph it was converted
 * from computes: every raw output on real photos within float rounding, hence the same objects. This
 * is what lets the detect stage run NanoDet on onnxruntime (issue 19) without re-measuring its quality.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { loadRgb, resizeRgb, type RgbImage } from '../src-worker/ml/image.js';
import { ObjectDetector, type DetectedObject } from '../src-worker/ml/objects.js';
import { needsSharedPhotos, photo } from './helpers/photos.js';

const FILES = [
  'jpg/Nikon_COOLPIX_P1.jpg', // a bus
  'jpg/exif-org/olympus-c960.jpg', // cars in a street
  'jpg/exif-org/fujifilm-finepix40i.jpg', // a dog
  'jpg/gps/DSCN0025.jpg', // people on a square
  'jpg/gps/DSCN0010.jpg', // a landscape with nothing to find
  'jpg/Canon_40D.jpg',
];

async function preview(file: string): Promise<RgbImage> {
  const img = await loadRgb(photo(file));
  return Math.max(img.width, img.height) > 1200 ? resizeRgb(img, 1200, 1200, 'inside') : img;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Same objects: labels in the same order, scores and boxes equal up to the last rounded digit. */
function assertSameObjects(onnx: DetectedObject[], tfjs: DetectedObject[], what: string): void {
  assert.deepEqual(onnx.map((o) => o.label), tfjs.map((o) => o.label), `${what}: labels`);
  onnx.forEach((o, i) => {
    const t = tfjs[i]!;
    assert.ok(Math.abs(o.score - t.score) <= 0.0011, `${what}: ${o.label} score ${o.score} vs ${t.score}`);
    o.box.forEach((v, k) => assert.ok(Math.abs(v - t.box[k]!) <= 0.0002, `${what}: ${o.label} box ${o.box} vs ${t.box}`));
  });
}

describe('NanoDet on onnxruntime (models/nanodet.onnx) against its TF.js source graph', { skip: needsSharedPhotos }, () => {
  let images: RgbImage[];
  before(async () => {
    images = await Promise.all(FILES.map(preview));
  });

  it('the detect stage runs the ONNX file', async () => {
    const detector = await ObjectDetector.load('nanodet');
    assert.equal(detector.runtime, 'onnx');
  });

  for (const side of [416, 384]) {
    it(`every raw output and every object match at a ${side} px input`, async () => {
      const onnx = await ObjectDetector.load('nanodet', undefined, { nanodetSide: side, runtime: 'onnx' });
      const tfjs = await ObjectDetector.load('nanodet', undefined, { nanodetSide: side, runtime: 'tfjs' });
      assert.equal(tfjs.runtime, 'tfjs');
      let found = 0;
      for (const [i, img] of images.entries()) {
        const a = await onnx.nanodetOutputs(img);
        const b = await tfjs.nanodetOutputs(img);
        assert.equal(a.length, 6, 'scores and box distributions for strides 8, 16 and 32');
        for (const out of a) {
          const ref = b.find((r) => r.dims.join() === out.dims.join());
          assert.ok(ref, `${FILES[i]}: TF.js has an output of shape ${out.dims.join('×')}`);
          // Scores are sigmoids (0–1); box distributions are logits of a few units: both agree to float rounding.
          assert.ok(maxAbsDiff(out.data, ref.data) < 1e-3, `${FILES[i]} ${out.dims.join('×')}: max difference ${maxAbsDiff(out.data, ref.data)}`);
        }
        const objects = await onnx.detect(img);
        assertSameObjects(objects, await tfjs.detect(img), `${FILES[i]} at ${side}`);
        found += objects.length;
      }
      assert.ok(found >= 5, `the photos have objects to find (found ${found})`);
    });
  }
});
