/**
 * Issue 19: the text-presence gate runs full-resolution text detection only where there is text.
 * Real PP-OCR models on rendered images; recall over many images is in `npm run eval -- --only ocr-gate`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { loadRgb, type RgbImage } from '../src-worker/ml/image.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { CONFIRMING_TEXT_GATE, DEFAULT_TEXT_GATE, TEXT_GATE, TextReader } from '../src-worker/ml/ocr.js';
import { preprocess } from '../src-worker/stages/preprocess.js';
import { renderJpeg, textScene } from './eval/ocr-gate-eval.js';
import { generatePhoto } from './bench/corpus.js';
import { needsSharedPhotos, photo } from './helpers/photos.js';

/** A real photograph without text (Canon_40D.jpg) as a 1,200 px preview, with `svgBody` drawn on it. */
async function picture(svgBody: string): Promise<RgbImage> {
  const base = await sharp(photo('jpg', 'Canon_40D.jpg')).rotate().resize(1200, 1200, { fit: 'inside' }).toBuffer({ resolveWithObject: true });
  const { width, height } = base.info;
  const overlay = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${svgBody}</svg>`);
  return loadRgb(await sharp(base.data).composite([{ input: overlay }]).jpeg({ quality: 82 }).toBuffer());
}

describe('OCR text-presence gate', { skip: needsSharedPhotos }, () => {
  it('lets a sign through (same lines as always-on OCR) and skips a picture without text', async () => {
    const reader = await TextReader.load();
    const sign = await picture(
      '<rect x="380" y="420" width="300" height="90" fill="#f2eee0"/><text x="400" y="485" font-family="DejaVu Sans" font-weight="bold" font-size="56" fill="#111">BAKERY</text>',
    );
    const always = await reader.read(sign, { gate: false });
    assert.ok(always.some((l) => /BAKERY/i.test(l.text)), JSON.stringify(always));
    assert.equal(await reader.mayHaveText(sign), true);
    assert.deepEqual(await reader.read(sign), always);

    // Flat vector shapes with hard edges do excite the detector; photographs mostly do not.
    const plain = await picture('');
    assert.equal(await reader.mayHaveText(plain), false, `the ${TEXT_GATE.limit} px pass saw text in a text-free picture`);
    assert.deepEqual(await reader.read(plain), []);
  });

  it('the default gate is the confirming one at 768 px: it reads small print that a 640 px map cannot', async () => {
    assert.equal(DEFAULT_TEXT_GATE, CONFIRMING_TEXT_GATE);
    const reader = await TextReader.load();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-gate-'));
    try {
      // A page of 12–26 px print (8 lines) drawn at 4,800 px, previewed by the preprocess stage at 1,200 px.
      const scene = textScene(1002, 3);
      assert.equal(scene.kind, 'document');
      const bytes = await renderJpeg(scene.svg, 9, 90);
      const d = await preprocess({ bytes, contentHash: createHash('sha1').update(bytes).digest('hex'), cacheDir: dir });
      const img = await loadRgb(path.join(dir, d.previewPath));
      const always = await reader.read(img, { gate: false });
      assert.ok(always.length >= 4, `always-on OCR reads the page: ${JSON.stringify(always.map((l) => l.text))}`);
      assert.equal(await reader.mayHaveText(img, { ...CONFIRMING_TEXT_GATE, limit: 640 }), false, 'at 640 px the print is too small to read (why the gate is larger)');
      assert.equal(await reader.mayHaveText(img), true);
      assert.deepEqual(await reader.read(img), always);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the confirming gate (SHOEBOX_OCR_GATE=confirm): a synthetic landscape lights the map up, but nothing in it reads as text, so no full pass', async () => {
    const reader = await TextReader.load();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-gate-'));
    try {
      // The bench corpus's first photo (24 MP: hard-edged houses and hills with seeded grain), as a 1,200 px preview.
      const file = path.join(dir, 'landscape.jpg');
      await generatePhoto(file, 0, 24);
      const img = await loadRgb(await sharp(file).resize(1200, 1200, { fit: 'inside' }).jpeg({ quality: 82 }).toBuffer());
      assert.equal(await reader.mayHaveText(img, TEXT_GATE), true, 'the default gate lets it through on its lit cells (what the confirming step is for)');
      const confirmed = await reader.gateReading(img, CONFIRMING_TEXT_GATE);
      assert.equal(confirmed.cellsPass, true);
      assert.ok(confirmed.reads.length > 0 && confirmed.reads.every((r) => r.score < CONFIRMING_TEXT_GATE.confirm!.minScore || !r.text.trim()), JSON.stringify(confirmed.reads));
      assert.equal(await reader.mayHaveText(img, CONFIRMING_TEXT_GATE), false);
      assert.deepEqual(await reader.read(img, { gate: CONFIRMING_TEXT_GATE }), []);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
