import assert from 'node:assert/strict';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ShoeboxError } from '../src-shared/errors.js';
import { cosine } from '../src-worker/ml/embedding.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { fromBase64F32, loadRgb, resizeRgb, type RgbImage } from '../src-worker/ml/image.js';
import { executionProviders, mlThreads, modelsDir, readManifest, readVerifiedModel } from '../src-worker/ml/models.js';
import { chosenDetector, chosenNanodetSide, detectorAvailable, ObjectDetector, type DetectedObject } from '../src-worker/ml/objects.js';
import { OCR_DET_MODEL_IDS, TextReader } from '../src-worker/ml/ocr.js';
import { hasPhotos, needsSharedPhotos, photo, repoRoot, tempDir } from './helpers/photos.js';

const fixture = (name: string): string => path.join(repoRoot, 'test', 'fixtures', 'faces', name);

async function preview(file: string | Buffer): Promise<RgbImage> {
  const img = await loadRgb(file);
  return Math.max(img.width, img.height) > 1600 ? resizeRgb(img, 1600, 1600, 'inside') : img;
}

describe('models/manifest.json', () => {
  it('lists every shipped file with a matching sha256', () => {
    const manifest = readManifest();
    // Optional files (CenterNet, no stated upstream licence) may be deleted from a build.
    const shipped = manifest.models.filter((m) => m.file && (!m.optional || existsSync(path.join(modelsDir(), m.file))));
    assert.ok(shipped.length >= 9);
    for (const m of shipped) assert.ok(readVerifiedModel(m.id).length === m.bytes, m.id);
    assert.deepEqual(executionProviders().at(-1), 'cpu');
    assert.ok(mlThreads() >= 1 && mlThreads() <= 2);
  });

  it('names the file when a model is missing or altered (model-missing)', () => {
    const { dir, cleanup } = tempDir('shoebox-models-');
    try {
      copyFileSync(path.join(modelsDir(), 'manifest.json'), path.join(dir, 'manifest.json'));
      const missing = (() => {
        try {
          readVerifiedModel('face-eye', dir);
        } catch (e) {
          return e;
        }
        return null;
      })();
      assert.ok(missing instanceof ShoeboxError && missing.code === 'model-missing');
      assert.match(missing.message, /fr_eye\.onnx.*missing/);
      const bytes = readFileSync(path.join(modelsDir(), 'fr_eye.onnx'));
      bytes[bytes.length - 1] ^= 0xff;
      writeFileSync(path.join(dir, 'fr_eye.onnx'), bytes);
      assert.throws(() => readVerifiedModel('face-eye', dir), (e: unknown) => e instanceof ShoeboxError && e.code === 'model-missing' && /fr_eye\.onnx is altered/.test(e.message));
    } finally {
      cleanup();
    }
  });
});

describe('faces (UltraFace + landmarks + eyes + ArcFace-style embedding)', () => {
  let fa: FaceAnalyzer;
  before(async () => {
    fa = await FaceAnalyzer.load();
  });

  it('finds the faces on the face-api samples, boxes in [0, 1]', async () => {
    for (const [name, min, max] of [
      ['sample1.jpg', 3, 3],
      ['sample2.jpg', 3, 3],
      ['sample5.jpg', 4, 6],
    ] as const) {
      const t = performance.now();
      const faces = await fa.analyze(await preview(fixture(name)));
      console.log(`# faces ${name}: ${faces.length} in ${Math.round(performance.now() - t)} ms (detect + landmarks + eyes + embedding)`);
      assert.ok(faces.length >= min && faces.length <= max, `${name}: ${faces.length} faces`);
      for (const f of faces) {
        assert.equal(f.box.length, 4);
        for (const v of f.box) assert.ok(v >= 0 && v <= 1, `${name} box ${f.box}`);
        assert.ok(f.box[0] + f.box[2] <= 1.0001 && f.box[1] + f.box[3] <= 1.0001);
        assert.ok(f.score >= 0.7);
        const e = fromBase64F32(f.embedding);
        assert.equal(e.length, 512);
        assert.ok(Math.abs(cosine(e, e) - 1) < 1e-3);
      }
    }
  });

  it('judges eyes: the sample1 face looking down has closed eyes, sample5 faces are open', async () => {
    const s1 = await fa.analyze(await preview(fixture('sample1.jpg')));
    assert.equal(s1.filter((f) => f.eyeState === 'closed').length, 1);
    assert.equal(s1.filter((f) => f.eyeState === 'open').length, 2);
    const closed = s1.find((f) => f.eyesClosed)!;
    assert.equal(closed.eyeState, 'closed');
    assert.ok(closed.box[0] > 0.35 && closed.box[0] < 0.5, 'the middle person');
    const s5 = await fa.analyze(await preview(fixture('sample5.jpg')));
    assert.equal(s5.filter((f) => f.eyesClosed || f.eyeState === 'closed').length, 0);
    // One of the five is turned aside (eyeState 'unknown', why 'head-turned'); the others are judged open.
    assert.ok(s5.filter((f) => f.eyeState === 'open').length >= 4);
  });

  it('face embeddings find the same person in the mirrored photo', async () => {
    const img = await preview(fixture('sample5.jpg'));
    const flipped = await loadRgb(await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).flop().png().toBuffer());
    const a = await fa.analyze(img);
    const b = await fa.analyze(flipped);
    let hits = 0;
    for (const f of a) {
      const e = fromBase64F32(f.embedding);
      const best = b.reduce((p, g) => (cosine(e, fromBase64F32(g.embedding)) > cosine(e, fromBase64F32(p.embedding)) ? g : p));
      const mirroredX = 1 - (best.box[0] + best.box[2]);
      if (Math.abs(mirroredX - f.box[0]) < 0.03 && Math.abs(best.box[1] - f.box[1]) < 0.03) hits++;
    }
    console.log(`# face embedding: ${hits}/${a.length} faces matched to their mirror image`);
    assert.ok(hits >= a.length - 1 && hits >= 3);
  });

  it('finds no faces on landscapes and objects without people', { skip: needsSharedPhotos }, async () => {
    for (const rel of ['jpg/gps/DSCN0010.jpg', 'jpg/mobile/jolla.jpg', 'jpg/hdr/iphone_hdr_YES.jpg', 'jpg/Canon_40D.jpg']) {
      const faces = await fa.analyze(await preview(photo(...rel.split('/'))));
      assert.equal(faces.length, 0, rel);
    }
  });
});

describe('text (PP-OCRv4 det + rec)', () => {
  let reader: TextReader;
  before(async () => {
    reader = await TextReader.load();
  });
  after(() => undefined);

  it('reads words rendered on a photo-like background', async () => {
    const svg = `<svg width="1400" height="900" xmlns="http://www.w3.org/2000/svg">
      <rect width="100%" height="100%" fill="#cfc6b4"/><circle cx="1150" cy="650" r="180" fill="#8a6f4d"/>
      <text x="120" y="300" font-family="DejaVu Sans" font-weight="bold" font-size="150" fill="#1d1d1d">OPEN</text>
      <text x="140" y="560" font-family="DejaVu Sans" font-size="84" fill="#2b2b2b">Bakery 1978</text></svg>`;
    const jpeg = await sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toBuffer();
    const t = performance.now();
    const lines = await reader.read(await preview(jpeg));
    console.log(`# ocr: ${JSON.stringify(lines.map((l) => l.text))} in ${Math.round(performance.now() - t)} ms`);
    assert.equal(lines[0]?.text, 'OPEN');
    assert.ok(lines.some((l) => /Bakery\s*1978/.test(l.text)));
    for (const l of lines) for (const v of l.box) assert.ok(v >= 0 && v <= 1);
  });

  it('reads nothing on a photo without text', { skip: needsSharedPhotos }, async () => {
    assert.deepEqual(await reader.read(await preview(photo('jpg', 'gps', 'DSCN0010.jpg'))), []);
  });

  it('the int8 detector (SHOEBOX_OCR_DET_MODEL=int8) finds the same words as fp32 on a real photo with text', { skip: needsSharedPhotos }, async () => {
    const int8 = await TextReader.load('int8');
    // A film poster with nine lines of text (not in the int8 model's calibration set).
    const img = await preview(photo('jpg', 'xmp', 'no_exif.jpg'));
    const fp32Lines = (await reader.read(img, { gate: false })).map((l) => l.text);
    const int8Lines = (await int8.read(img, { gate: false })).map((l) => l.text);
    console.log(`# ocr fp32 ${JSON.stringify(fp32Lines)} int8 ${JSON.stringify(int8Lines)}`);
    assert.ok(fp32Lines.includes('SABINE BOSS') && fp32Lines.length >= 8);
    assert.deepEqual(int8Lines, fp32Lines);
    // The rendered sign too.
    const svg = `<svg width="1400" height="900" xmlns="http://www.w3.org/2000/svg"><rect width="100%" height="100%" fill="#cfc6b4"/>
      <text x="120" y="300" font-family="DejaVu Sans" font-weight="bold" font-size="150" fill="#1d1d1d">OPEN</text>
      <text x="140" y="560" font-family="DejaVu Sans" font-size="84" fill="#2b2b2b">Bakery 1978</text></svg>`;
    const sign = await preview(await sharp(Buffer.from(svg)).jpeg({ quality: 82 }).toBuffer());
    assert.deepEqual((await int8.read(sign)).map((l) => l.text), (await reader.read(sign)).map((l) => l.text));
  });

  it('SHOEBOX_OCR_DET_MODEL picks the detector file: int8 is its own checksummed model', async () => {
    assert.equal(OCR_DET_MODEL_IDS.fp32, 'ocr-det');
    assert.equal(OCR_DET_MODEL_IDS.int8, 'ocr-det-int8');
    const int8 = readManifest().models.find((m) => m.id === 'ocr-det-int8');
    assert.equal(int8?.file, 'ch_PP-OCRv4_det_int8.onnx');
    assert.equal(readVerifiedModel('ocr-det-int8').length, int8?.bytes);
    assert.ok(int8!.bytes! < readVerifiedModel('ocr-det').length);
  });
});

describe('objects (COCO-80: NanoDet on onnxruntime by default, CenterNet on TF.js optional)', () => {
  let nano: ObjectDetector;
  before(async () => {
    nano = await ObjectDetector.load('nanodet');
  });
  const labels = (objs: DetectedObject[]): string => objs.map((o) => `${o.label}:${o.score}`).join(' ');
  const run = async (d: ObjectDetector, rel: string): Promise<DetectedObject[]> => {
    const t = performance.now();
    const objs = await d.detect(await preview(rel.startsWith('/') ? rel : photo(...rel.split('/'))));
    console.log(`# ${d.kind} ${path.basename(rel)}: ${labels(objs) || '—'} in ${Math.round(performance.now() - t)} ms`);
    for (const o of objs) {
      assert.ok(o.score >= d.threshold && o.score <= 1);
      for (const v of o.box) assert.ok(v >= 0 && v <= 1, `${rel} box ${o.box}`);
      assert.ok(o.box[0] + o.box[2] <= 1.0001 && o.box[1] + o.box[3] <= 1.0001);
    }
    return objs;
  };

  it('selects the detector: nanodet by default, centernet on request, anything else is an error', () => {
    assert.equal(chosenDetector({}), 'nanodet');
    assert.equal(chosenDetector({ SHOEBOX_OBJECT_DETECTOR: 'CenterNet' }), 'centernet');
    assert.throws(() => chosenDetector({ SHOEBOX_OBJECT_DETECTOR: 'yolo' }), (e: unknown) => e instanceof ShoeboxError && e.code === 'model-missing');
    const { dir, cleanup } = tempDir('shoebox-models-');
    try {
      copyFileSync(path.join(modelsDir(), 'manifest.json'), path.join(dir, 'manifest.json'));
      assert.equal(detectorAvailable('centernet', dir), false);
      return assert.rejects(ObjectDetector.load('centernet', dir), (e: unknown) => e instanceof ShoeboxError && e.code === 'model-missing' && /centernet/.test(e.message));
    } finally {
      cleanup();
    }
  });

  it('NanoDet finds the bus, the cars, the dog and the people in real photos', { skip: needsSharedPhotos }, async () => {
    await findsTheKnownObjects(nano);
  });

  // Not the default: at 384 px it also sees a giraffe in gps/DSCN0010 (a landscape), README "Issue 19: the profile".
  it('NanoDet at a 384 px input (SHOEBOX_NANODET_SIDE, issue 19) still finds the bus, the cars, the dog and the people', { skip: needsSharedPhotos }, async () => {
    const small = await ObjectDetector.load('nanodet', undefined, { nanodetSide: 384 });
    assert.equal(small.nanodetSide, 384);
    await findsTheKnownObjects(small);
  });

  it('SHOEBOX_NANODET_SIDE: 416 by default, a multiple of 32 from 160 to 640, anything else names the setting', async () => {
    assert.equal(chosenNanodetSide({}), 416);
    assert.equal(chosenNanodetSide({ SHOEBOX_NANODET_SIDE: '320' }), 320);
    for (const bad of ['400', '128', '672', 'big']) {
      assert.throws(() => chosenNanodetSide({ SHOEBOX_NANODET_SIDE: bad }), (e: unknown) => e instanceof ShoeboxError && e.code === 'model-missing' && /SHOEBOX_NANODET_SIDE/.test(e.message), bad);
    }
    await assert.rejects(ObjectDetector.load('nanodet', undefined, { nanodetSide: 400 }), /multiple of 32/);
  });

  async function findsTheKnownObjects(nano: ObjectDetector): Promise<void> {
    const bus = (await run(nano, 'jpg/Nikon_COOLPIX_P1.jpg')).find((o) => o.label === 'bus');
    assert.ok(bus && bus.score >= 0.6, 'the bus in Nikon_COOLPIX_P1');
    // The bus fills most of the frame: box from the left edge to ~83 %, from ~11 % to ~85 % down.
    assert.ok(bus.box[0] < 0.15 && bus.box[2] > 0.6 && bus.box[1] < 0.25 && bus.box[3] > 0.5, `bus box ${bus.box}`);
    assert.ok((await run(nano, 'jpg/exif-org/olympus-c960.jpg')).filter((o) => o.label === 'car').length >= 3, 'cars in a street');
    assert.ok((await run(nano, 'jpg/exif-org/fujifilm-finepix40i.jpg')).some((o) => o.label === 'dog'), 'the dog');
    assert.ok((await run(nano, 'jpg/tests/32-lens_data.jpeg')).some((o) => o.label === 'truck'), 'the pick-up truck');
    assert.ok((await run(nano, fixture('sample1.jpg'))).filter((o) => o.label === 'person').length >= 3, '3 people');
    assert.ok((await run(nano, 'jpg/gps/DSCN0025.jpg')).filter((o) => o.label === 'person').length >= 2, 'people on a square');
  }

  it('NanoDet finds nothing on landscapes without objects', { skip: needsSharedPhotos }, async () => {
    for (const rel of ['jpg/gps/DSCN0010.jpg', 'jpg/gps/DSCN0042.jpg', 'jpg/hdr/iphone_hdr_YES.jpg', 'jpg/orientation/landscape_1.jpg']) {
      assert.deepEqual(await run(nano, rel), [], rel);
    }
  });

  it('CenterNet (optional) finds the bus with a higher score', { skip: needsSharedPhotos || !detectorAvailable('centernet') }, async () => {
    const cn = await ObjectDetector.load('centernet');
    const bus = (await run(cn, 'jpg/Nikon_COOLPIX_P1.jpg')).find((o) => o.label === 'bus');
    assert.ok(bus && bus.score >= 0.75, 'the bus');
    assert.ok((await run(cn, 'jpg/gps/DSCN0029.jpg')).filter((o) => o.label === 'car').length >= 2, 'two cars');
  });
});
