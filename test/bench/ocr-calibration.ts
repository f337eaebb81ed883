/**
 * `node dist/test/bench/ocr-calibration.js <dir> [--photos N]`: the calibration set of the int8 text
 * detector (scripts/quantize-ocr-det.py reads it). Each image is resized exactly as ocr.ts feeds the
 * detector — the full pass (960 px) and the gate pass (640 px) — and written as raw RGB bytes named
 * `<n>-<W>x<H>.rgb`; the Python side applies the same BGR / ImageNet normalisation.
 * Images: every other photo of ../shared/photos as a preview (the rest stay unseen for the eval) and the
 * speed bench's synthetic 24 MP corpus as 1,200 px previews, and 12 generated signs/documents with seeds
 * the ocr-gate eval does not use (it draws 0–59).
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { loadRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { detectorSized, TEXT_GATE } from '../../src-worker/ml/ocr.js';
import { qualityPhotos } from '../helpers/quality-sets.js';
import { corpusDir, ensureCorpus } from './corpus.js';
import { renderJpeg, textScene } from '../eval/ocr-gate-eval.js';

const FULL_LIMIT = 960;

async function main(): Promise<void> {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: ocr-calibration.js <output dir> [--photos N]');
  const at = process.argv.indexOf('--photos');
  const benchPhotos = at > 0 ? Number(process.argv[at + 1]) : 8;
  fs.mkdirSync(dir, { recursive: true });
  const images: Array<{ name: string; img: RgbImage }> = (await qualityPhotos()).filter((_, i) => i % 2 === 0).map((p) => ({ name: p.rel, img: p.img }));
  for (const file of await ensureCorpus(corpusDir(24), benchPhotos, 24)) {
    images.push({ name: path.basename(file), img: await loadRgb(await sharp(file).resize(1200, 1200, { fit: 'inside' }).jpeg({ quality: 82 }).toBuffer()) });
  }
  for (let i = 100; i < 112; i++) images.push({ name: `generated-${i}`, img: await loadRgb(await renderJpeg(textScene(i).svg, i + 1)) });
  let n = 0;
  for (const { img } of images) {
    for (const limit of [FULL_LIMIT, TEXT_GATE.limit]) {
      const sized = await detectorSized(img, limit);
      fs.writeFileSync(path.join(dir, `${String(n++).padStart(3, '0')}-${sized.width}x${sized.height}.rgb`), sized.data);
    }
  }
  console.log(`${n} detector inputs from ${images.length} images (${images.map((i) => i.name).join(', ')}) → ${dir}`);
}

await main();
