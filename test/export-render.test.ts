/**
 * The export renderer (issue 16) on real photos: long edge and megapixel cap, upright output for every
 * EXIF orientation 1–8, embedded sRGB / Display P3 profile, metadata options read back with exiftool
 * (GPS gone with without-gps, keywords and rating in XMP), WebP/AVIF, HEIC, a measured +1 EV, and a
 * vanished original's reason.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { ShoeboxError } from '../src-shared/errors.js';
import type { CrsSettings } from '../src-shared/presets.js';
import { srgbToLinear, toneCurve, NEUTRAL, adjustmentsFromCrs } from '../src-worker/export/adjustments.js';
import { closeExportExiftool } from '../src-worker/export/export-metadata.js';
import { renderExport, renderOptionsSchema, targetSize, type RenderOptions } from '../src-worker/export/render.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

const out = mkdtempSync(path.join(tmpdir(), 'shoebox-export-render-'));
after(async () => {
  await closeExportExiftool();
  rmSync(out, { recursive: true, force: true });
});

function opts(partial: Partial<RenderOptions> = {}): RenderOptions {
  return renderOptionsSchema.parse(partial);
}

function exiftoolTags(file: string): Record<string, unknown> {
  const json = execFileSync('exiftool', ['-j', '-G1', '-n', file], { encoding: 'utf8' });
  return (JSON.parse(json) as Array<Record<string, unknown>>)[0]!;
}

function keysMatching(tags: Record<string, unknown>, re: RegExp): string[] {
  return Object.keys(tags).filter((k) => re.test(k));
}

let n = 0;
function outFile(ext = 'jpg'): string {
  return path.join(out, `out-${++n}.${ext}`);
}

describe('export sizing (pure)', () => {
  it('fits the long edge, caps megapixels, never enlarges', () => {
    assert.deepEqual(targetSize(6000, 4000, { longEdge: 2048, maxMegapixels: null }), { width: 2048, height: 1365 });
    assert.deepEqual(targetSize(4000, 6000, { longEdge: 2048, maxMegapixels: null }), { width: 1365, height: 2048 });
    const capped = targetSize(6000, 4000, { longEdge: null, maxMegapixels: 6 });
    assert.ok(capped.width * capped.height <= 6e6 && capped.width * capped.height > 5.9e6, JSON.stringify(capped));
    assert.deepEqual(targetSize(800, 600, { longEdge: 2048, maxMegapixels: 12 }), { width: 800, height: 600 });
  });

  it('reads only sane crs: values and keeps neutral settings neutral', () => {
    const a = adjustmentsFromCrs({ Exposure2012: '+9', Contrast2012: 'abc', ConvertToGrayscale: 'True' });
    assert.equal(a.exposureEv, 5);
    assert.equal(a.contrast, 0);
    assert.equal(a.grayscale, true);
    for (const x of [0, 0.1, 0.5, 0.9, 1]) assert.equal(toneCurve(x, NEUTRAL), x);
  });

  it('keeps every tone curve in range monotonic, with fixed ends', () => {
    for (const v of [-100, -50, 50, 100]) {
      for (const key of ['contrast', 'highlights', 'shadows', 'whites', 'blacks'] as const) {
        const a = { ...NEUTRAL, [key]: v };
        let prev = -1;
        for (let i = 0; i <= 100; i++) {
          const y = toneCurve(i / 100, a);
          assert.ok(y >= prev - 1e-9, `${key} ${v} not monotonic at ${i / 100}`);
          prev = y;
        }
        assert.equal(toneCurve(0, a), 0);
        assert.ok(Math.abs(toneCurve(1, a) - 1) < 1e-9);
      }
    }
  });
});

describe('export render on real photos', { skip: needsSharedPhotos }, () => {
  const orientation = path.join(photosDir, 'jpg', 'orientation');
  const gpsPhoto = path.join(photosDir, 'jpg', 'gps', 'DSCN0010.jpg');

  it('keeps a portrait upright for every EXIF orientation 1–8, with the same picture', async () => {
    const pictures: Buffer[] = [];
    for (let o = 1; o <= 8; o++) {
      const file = outFile();
      const result = await renderExport(
        { originalPath: path.join(orientation, `portrait_${o}.jpg`), settings: {}, options: opts({ longEdge: 300 }), keywords: [], rating: null },
        file,
      );
      assert.equal(result.height, 300, `orientation ${o}`);
      assert.equal(result.width, 225, `orientation ${o}`);
      const meta = await sharp(file).metadata();
      assert.ok(meta.orientation === undefined || meta.orientation === 1, `orientation ${o} left an EXIF orientation ${meta.orientation}`);
      pictures.push(await sharp(file).resize(32, 32, { fit: 'fill' }).greyscale().raw().toBuffer());
    }
    // Every export shows the same upright picture as orientation 1's (not merely a tall frame).
    for (let o = 2; o <= 8; o++) {
      let diff = 0;
      for (let i = 0; i < pictures[0]!.length; i++) diff += Math.abs(pictures[0]![i]! - pictures[o - 1]![i]!);
      assert.ok(diff / pictures[0]!.length < 12, `orientation ${o} differs from orientation 1 by ${diff / pictures[0]!.length} per pixel`);
    }
  });

  it('embeds the chosen ICC profile (sRGB or Display P3)', async () => {
    for (const colorSpace of ['srgb', 'p3'] as const) {
      const file = outFile();
      await renderExport({ originalPath: gpsPhoto, settings: {}, options: opts({ longEdge: 256, colorSpace }), keywords: [], rating: null }, file);
      assert.ok((await sharp(file).metadata()).icc, `${colorSpace}: no ICC profile`);
      const description = String(exiftoolTags(file)['ICC_Profile:ProfileDescription'] ?? '');
      assert.match(description, colorSpace === 'p3' ? /P3/i : /sRGB/i);
    }
  });

  it('copies metadata with GPS, strips GPS with without-gps, writes none with none; keywords and rating in XMP', async () => {
    const all = outFile();
    await renderExport({ originalPath: gpsPhoto, settings: {}, options: opts({ longEdge: 256 }), keywords: ['beach', 'Anna'], rating: 4 }, all);
    const allTags = exiftoolTags(all);
    assert.ok(keysMatching(allTags, /GPSLatitude$/).length > 0, 'GPS should be copied with metadata all');
    assert.equal(allTags['IFD0:Make'], 'NIKON');
    assert.deepEqual(allTags['XMP-dc:Subject'], ['beach', 'Anna']);
    assert.equal(allTags['XMP-xmp:Rating'], 4);
    assert.equal(allTags['ExifIFD:ExifImageWidth'], 256);
    assert.equal(keysMatching(allTags, /:Orientation$/).length, 0, 'the upright pixels carry no orientation tag');

    const noGps = outFile();
    await renderExport({ originalPath: gpsPhoto, settings: {}, options: opts({ longEdge: 256, metadata: 'without-gps' }), keywords: ['beach'], rating: 2 }, noGps);
    const noGpsTags = exiftoolTags(noGps);
    assert.deepEqual(keysMatching(noGpsTags, /GPS/i), [], 'no GPS tag may survive without-gps');
    assert.equal(noGpsTags['IFD0:Make'], 'NIKON');
    assert.equal(noGpsTags['XMP-dc:Subject'], 'beach');
    assert.equal(noGpsTags['XMP-xmp:Rating'], 2);

    const none = outFile();
    await renderExport({ originalPath: gpsPhoto, settings: {}, options: opts({ longEdge: 256, metadata: 'none' }), keywords: ['beach'], rating: 2 }, none);
    const noneTags = exiftoolTags(none);
    assert.deepEqual(keysMatching(noneTags, /GPS|^IFD0:Make$|^XMP-/), []);
    assert.ok(noneTags['ICC_Profile:ProfileDescription'], 'the colour profile stays with metadata none');
  });

  it('writes WebP and AVIF at the requested long edge', async () => {
    for (const format of ['webp', 'avif'] as const) {
      const file = outFile(format);
      const r = await renderExport({ originalPath: gpsPhoto, settings: {}, options: opts({ longEdge: 200, format, quality: 60 }), keywords: ['k'], rating: 3 }, file);
      const meta = await sharp(file).metadata();
      assert.equal(meta.format, format === 'avif' ? 'heif' : 'webp');
      assert.equal(Math.max(meta.width!, meta.height!), 200);
      assert.equal(Math.max(r.width, r.height), 200);
    }
  });

  it('renders a HEIC original upright at the long edge', async () => {
    const file = outFile();
    const r = await renderExport({ originalPath: path.join(photosDir, 'heic', 'IMG_5195.HEIC'), settings: {}, options: opts({ longEdge: 512 }), keywords: [], rating: null }, file);
    assert.equal(Math.max(r.width, r.height), 512);
    const stats = await sharp(file).stats();
    assert.ok(stats.channels[0]!.stdev > 5, 'the HEIC export holds a picture, not a flat fill');
  });

  it('+1 EV doubles linear luminance (measured on a real photo, unclipped pixels)', async () => {
    const base = outFile('png');
    const plus = outFile('png');
    const common = { originalPath: gpsPhoto, keywords: [], rating: null };
    // WebP at quality 100 keeps the comparison about the rendering, not JPEG blocks.
    await renderExport({ ...common, settings: {}, options: opts({ longEdge: 320, format: 'webp', quality: 100, metadata: 'none' }) }, base);
    await renderExport({ ...common, settings: { Exposure2012: '+1.00' }, options: opts({ longEdge: 320, format: 'webp', quality: 100, metadata: 'none' }) }, plus);
    const a = await sharp(base).raw().toBuffer({ resolveWithObject: true });
    const b = await sharp(plus).raw().toBuffer({ resolveWithObject: true });
    const ch = a.info.channels;
    let sumA = 0;
    let sumB = 0;
    let count = 0;
    for (let i = 0; i < a.data.length; i += ch) {
      if (b.data[i]! > 245 || b.data[i + 1]! > 245 || b.data[i + 2]! > 245) continue;
      if (a.data[i]! < 20 && a.data[i + 1]! < 20 && a.data[i + 2]! < 20) continue;
      const lum = (d: Buffer) => 0.2126 * srgbToLinear(d[i]! / 255) + 0.7152 * srgbToLinear(d[i + 1]! / 255) + 0.0722 * srgbToLinear(d[i + 2]! / 255);
      sumA += lum(a.data);
      sumB += lum(b.data);
      count++;
    }
    assert.ok(count > 1000, `too few unclipped pixels (${count})`);
    const ratio = sumB / sumA;
    assert.ok(Math.abs(ratio - 2) < 0.1, `+1 EV gave a linear luminance ratio of ${ratio.toFixed(3)}`);
  });

  it('renders grayscale, saturation and a warm white balance in the direction asked', async () => {
    const common = { originalPath: gpsPhoto, keywords: [], rating: null, options: opts({ longEdge: 200, metadata: 'none' }) };
    const gray = outFile();
    await renderExport({ ...common, settings: { ConvertToGrayscale: 'True' } }, gray);
    const g = await sharp(gray).stats();
    assert.ok(Math.abs(g.channels[0]!.mean - g.channels[2]!.mean) < 1.5, 'grayscale keeps R = B');
    const neutral = outFile();
    const warm = outFile();
    await renderExport({ ...common, settings: {} }, neutral);
    await renderExport({ ...common, settings: { IncrementalTemperature: '+40' } }, warm);
    const n0 = await sharp(neutral).stats();
    const w0 = await sharp(warm).stats();
    assert.ok(w0.channels[0]!.mean - w0.channels[2]!.mean > n0.channels[0]!.mean - n0.channels[2]!.mean + 10, 'warmer: more red than blue');
  });

  it('fails a damaged original with corrupt-file in the decoder\'s words, writing nothing', async () => {
    const file = outFile();
    await assert.rejects(
      renderExport({ originalPath: path.join(photosDir, 'jpg', 'corrupted.jpg'), settings: {}, options: opts({ longEdge: 256 }), keywords: [], rating: null }, file),
      (err: unknown) => err instanceof ShoeboxError && err.code === 'corrupt-file' && /Corrupt JPEG data/.test(err.message),
    );
    assert.throws(() => readFileSync(file), /ENOENT/);
  });

  it('fails a vanished original with missing-file', async () => {
    await assert.rejects(
      renderExport({ originalPath: path.join(out, 'gone.jpg'), settings: {}, options: opts(), keywords: [], rating: null }, outFile()),
      (err: unknown) => err instanceof ShoeboxError && err.code === 'missing-file' && /gone\.jpg/.test(err.message),
    );
  });
});

describe('export colour management of a wide-gamut original', () => {
  // Saturated patches and a grey ramp, stored once as sRGB and once converted to Display P3 (P3 numbers + P3 profile).
  const patches = [[230, 30, 30], [30, 200, 40], [20, 40, 220], [240, 200, 20], [200, 30, 200], [30, 200, 210], [128, 128, 128], [60, 60, 60]];
  const width = 640;
  const height = 400;
  const pixels = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const rgb = y < 300 ? patches[Math.floor(x / 80)]! : [Math.round((x / width) * 255), Math.round((x / width) * 255), Math.round((x / width) * 255)];
      pixels.set(rgb, (y * width + x) * 3);
    }
  }
  const srgbFile = path.join(out, 'wide-srgb.jpg');
  const p3File = path.join(out, 'wide-p3.jpg');
  const makeOriginals = async () => {
    const raw = { raw: { width, height, channels: 3 as const } };
    await sharp(pixels, raw).withIccProfile('srgb').jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(srgbFile);
    await sharp(pixels, raw).withIccProfile('p3').jpeg({ quality: 100, chromaSubsampling: '4:4:4' }).toFile(p3File);
  };
  const meanDiff = async (a: string, b: string) => {
    const x = await sharp(a).raw().toBuffer();
    const y = await sharp(b).raw().toBuffer();
    assert.equal(x.length, y.length);
    let sum = 0;
    for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
    return sum / x.length;
  };
  const render = async (originalPath: string, settings: CrsSettings, colorSpace: 'srgb' | 'p3' = 'srgb') => {
    const file = outFile();
    await renderExport({ originalPath, settings, options: opts({ longEdge: 320, quality: 100, metadata: 'none', colorSpace }), keywords: [], rating: null }, file);
    return file;
  };

  it('converts a Display P3 original to the same sRGB pixels as its sRGB twin, with and without a pixel pass', async () => {
    await makeOriginals();
    assert.match(String(exiftoolTags(p3File)['ICC_Profile:ProfileDescription']), /P3/);
    // The P3 file's numbers differ from the sRGB twin's: reading them as sRGB would be visibly wrong.
    assert.ok((await meanDiff(await render(p3File, {}, 'p3'), await render(srgbFile, {}, 'p3'))) < 1.5, 'both originals give the same P3 export');
    for (const settings of [{}, { Contrast2012: '+30', Vibrance: '+20' }] as CrsSettings[]) {
      const fromP3 = await render(p3File, settings);
      const fromSrgb = await render(srgbFile, settings);
      const diff = await meanDiff(fromP3, fromSrgb);
      assert.ok(diff < 1.5, `${JSON.stringify(settings)}: the P3 original's export differs from the sRGB twin's by ${diff.toFixed(2)} per channel`);
    }
    // A control: the P3 numbers taken as sRGB differ clearly, so the checks above can fail.
    const asIs = outFile();
    const p3Numbers = await sharp(p3File, { ignoreIcc: true }).resize(320).raw().toBuffer({ resolveWithObject: true });
    await sharp(p3Numbers.data, { raw: p3Numbers.info }).withIccProfile('srgb').jpeg({ quality: 100 }).toFile(asIs);
    assert.ok((await meanDiff(asIs, await render(srgbFile, {}))) > 4, 'the control should differ');
  });
});
