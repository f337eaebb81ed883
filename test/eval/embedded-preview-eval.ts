/**
 * `npm run eval -- --only embedded-preview` (issue 19, "decode less"): what the analysis finds when a
 * JPEG's camera-written large thumbnail (MPF, 1,616 px as Sony writes it for 3:2) is the working
 * image instead of the primary shrunk on load, on the same photos.
 *   primary:   the file as it is (no index), so the preprocess stage decodes the primary;
 *   thumbnail: the same file with a camera-style large thumbnail made from its own pixels (q85).
 *   Sets: every JPEG of ../shared/photos and ../shared/faces, those not larger than the thumbnail
 *   scaled up to 6,000 px first (as a 24 MP body would have framed the scene: a camera writes no
 *   thumbnail bigger than the photo), and generated signs/documents rendered at 4,800 px (small print
 *   is where a smaller source would lose first). Counted: faces, text lines, objects; the two previews'
 *   embedding similarity and dHash distance; CPU ms of the preprocess stage per photo.
 *   Target: none of the counts more than 2 % below the primary's.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { hamming } from '../../src-core/culling/similarity.js';
import { cosine, imageEmbedding } from '../../src-worker/ml/embedding.js';
import { FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { loadRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { ObjectDetector } from '../../src-worker/ml/objects.js';
import { configuredTextGate, TextReader } from '../../src-worker/ml/ocr.js';
import { PREVIEW_SIZE, preprocess } from '../../src-worker/stages/preprocess.js';
import { addCameraPreview } from '../helpers/mpf.js';
import { listPhotos } from '../helpers/photos.js';
import { renderJpeg, textScene } from './ocr-gate-eval.js';
import { within } from './speed-quality-eval.js';
import type { EvalRow, EvalSection } from './eval-section.js';

/** The long side of the camera thumbnail: what a Sony body writes for a 3:2 photo. */
const THUMBNAIL_SIDE = 1616;
/** A 24 MP body's long side: smaller photos are scaled up to it so that they have a thumbnail to compare. */
const CAMERA_SIDE = 6000;

interface Found {
  faces: number;
  text: number;
  objects: number;
}

/** The preview the preprocess stage writes for `bytes`, read back as the ML stages do, and the stage's CPU ms. */
async function previewOf(bytes: Buffer, cacheDir: string): Promise<{ img: RgbImage; dhash: string; cpuMs: number } | null> {
  const contentHash = createHash('sha1').update(bytes).digest('hex');
  const cpu = process.cpuUsage();
  try {
    const d = await preprocess({ bytes, contentHash, cacheDir, previewSize: PREVIEW_SIZE, embeddedPreview: true });
    const used = process.cpuUsage(cpu);
    return { img: await loadRgb(path.join(cacheDir, d.previewPath)), dhash: d.dhash, cpuMs: (used.user + used.system) / 1000 };
  } catch {
    return null; // broken on purpose (invalid/, corrupted.jpg): the stage's own tests cover them
  }
}



export const embeddedPreviewEval: EvalSection = {
  name: 'embedded-preview',
  async run({ quick, sharedDir, workDir }) {
    const [faces, reader, objects] = await Promise.all([FaceAnalyzer.load(), TextReader.load(), ObjectDetector.load()]);
    const gate = configuredTextGate();
    const inputs: Array<{ name: string; kind: string; bytes: Buffer }> = [];
    const jpeg = (f: string) => /\.jpe?g$/i.test(f);
    for (const file of listPhotos('', jpeg)) inputs.push({ name: path.relative(sharedDir, file), kind: 'shared photo', bytes: fs.readFileSync(file) });
    const facesDir = path.join(sharedDir, 'faces');
    if (fs.existsSync(facesDir)) {
      for (const f of fs.readdirSync(facesDir).filter(jpeg).sort()) inputs.push({ name: `faces/${f}`, kind: 'shared face photo', bytes: fs.readFileSync(path.join(facesDir, f)) });
    }
    const generated = quick ? 10 : 30;
    for (let i = 0; i < generated; i++) {
      const scene = textScene(1000 + i, 3);
      inputs.push({ name: `generated-${i}`, kind: `generated ${scene.kind} (4800 px)`, bytes: await renderJpeg(scene.svg, i + 7, 90) });
    }

    const totals = { primary: { faces: 0, text: 0, objects: 0 }, thumbnail: { faces: 0, text: 0, objects: 0 } };
    const cpuMs = { primary: 0, thumbnail: 0 };
    const similarities: number[] = [];
    const dhashDistances: number[] = [];
    const names: string[] = [];
    const changed: string[] = [];
    let compared = 0;
    for (const original of inputs) {
      let input = original;
      try {
        const meta = await sharp(original.bytes).metadata();
        if (Math.max(meta.width ?? 0, meta.height ?? 0) <= THUMBNAIL_SIDE) {
          // Keeps the stored orientation and EXIF, as the camera would have written them.
          const bytes = await sharp(original.bytes).resize(CAMERA_SIDE, CAMERA_SIDE, { fit: 'inside' }).keepMetadata().jpeg({ quality: 90 }).toBuffer();
          input = { ...original, kind: `${original.kind} at ${CAMERA_SIDE} px`, bytes };
        }
      } catch {
        continue; // broken on purpose: the stage's own tests cover them
      }
      let withThumbnail: Buffer;
      try {
        withThumbnail = await addCameraPreview(input.bytes, THUMBNAIL_SIDE);
      } catch {
        continue; // a broken file: no camera wrote a thumbnail of it
      }
      const a = await previewOf(input.bytes, path.join(workDir, 'primary'));
      const b = await previewOf(withThumbnail, path.join(workDir, 'thumbnail'));
      if (!a || !b) continue;
      compared++;
      cpuMs.primary += a.cpuMs;
      cpuMs.thumbnail += b.cpuMs;
      const count = async (img: RgbImage): Promise<Found> => ({
        faces: (await faces.analyze(img)).length,
        text: (await reader.read(img, { gate })).length,
        objects: (await objects.detect(img)).length,
      });
      const fa = await count(a.img);
      const fb = await count(b.img);
      for (const k of ['faces', 'text', 'objects'] as const) {
        totals.primary[k] += fa[k];
        totals.thumbnail[k] += fb[k];
      }
      if (JSON.stringify(fa) !== JSON.stringify(fb)) changed.push(`${input.name} ${fa.faces}/${fa.text}/${fa.objects} → ${fb.faces}/${fb.text}/${fb.objects}`);
      const [ea, eb] = [await imageEmbedding(a.img), await imageEmbedding(b.img)];
      // A flat image (one grey, e.g. jpg/tests/67-0_length_string.jpg) embeds as zeros: no angle to compare.
      if (ea.some((v) => v !== 0) && eb.some((v) => v !== 0)) {
        similarities.push(cosine(ea, eb));
        names.push(input.name);
      }
      dhashDistances.push(hamming(BigInt(`0x${a.dhash}`), BigInt(`0x${b.dhash}`)));
    }

    const rows: EvalRow[] = [{ measurement: 'photos compared (every decodable JPEG; those ≤ 1,616 px scaled up to 6,000 px)', value: `${compared} of ${inputs.length} files`, verdict: 'info' }];
    for (const key of ['faces', 'text', 'objects'] as const) {
      const w = within(totals.primary[key], totals.thumbnail[key]);
      rows.push({
        measurement: `${key === 'text' ? 'text lines' : key} found: primary / camera thumbnail`,
        value: `${totals.primary[key]} / ${totals.thumbnail[key]} (${w.rel >= 0 ? '+' : ''}${(100 * w.rel).toFixed(1)} %)`,
        target: 'not below −2 %',
        verdict: w.ok ? 'met' : 'MISSED',
      });
    }
    const sorted = [...similarities].sort((x, y) => x - y);
    const least = similarities.indexOf(sorted[0]!);
    rows.push({
      measurement: 'embedding similarity of the two previews: min (photo) / median',
      value: sorted.length ? `${sorted[0]!.toFixed(3)} (${names[least]}) / ${sorted[Math.floor(sorted.length / 2)]!.toFixed(3)}` : '—',
      verdict: 'info',
    });
    rows.push({ measurement: 'dHash distance of the two previews: max (bits of 64)', value: String(Math.max(0, ...dhashDistances)), verdict: 'info' });
    rows.push({
      measurement: 'preprocess CPU ms per photo: primary / camera thumbnail',
      value: compared ? `${Math.round(cpuMs.primary / compared)} / ${Math.round(cpuMs.thumbnail / compared)} (${(cpuMs.thumbnail / cpuMs.primary).toFixed(2)} ×)` : '—',
      verdict: 'info',
    });
    rows.push({ measurement: 'photos whose counts changed (faces/text/objects)', value: changed.join('; ') || 'none', verdict: 'info' });
    return {
      name: 'embedded-preview',
      about: `the preprocess stage at ${PREVIEW_SIZE} px on each JPEG as it is and with a camera-style ${THUMBNAIL_SIDE} px MPF large thumbnail made from its own pixels; OCR gate ${gate ? 'on' : 'off'}; ../shared/photos, ../shared/faces and ${generated} generated signs/documents at 4,800 px.`,
      rows,
      raw: { totals, cpuMs, compared, names, similarities, dhashDistances, changed },
    };
  },
};
