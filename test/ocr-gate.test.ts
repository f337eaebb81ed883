/**
 * Issue 19: the text-presence gate runs full-resolution text detection only where there is text.
 * Real PP-OCR models on rendered images; recall over many images is in `npm run eval -- --only ocr-gate`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { loadRgb, type RgbImage } from '../src-worker/ml/image.js';
import { TEXT_GATE, TextReader } from '../src-worker/ml/ocr.js';
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
});
