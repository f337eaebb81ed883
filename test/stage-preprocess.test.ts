import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ShoeboxError, type ErrorCode } from '../src-shared/errors.js';
import type { PhotoDerivatives } from '../src-shared/photo.js';
import { detectImageFormat } from '../src-worker/stages/image-format.js';
import { MAX_INPUT_PIXELS, PREVIEW_SIZE, preprocess } from '../src-worker/stages/preprocess.js';
import { readPhotoFile } from '../src-worker/stages/read-file.js';
import { fakeRaw, jpegBomb, pngBomb, tiff16 } from './helpers/broken-corpus.js';
import { hasPhotos, listPhotos, photo, rel, tempDir } from './helpers/photos.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

function hamming(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  while (x > 0n) {
    n += Number(x & 1n);
    x >>= 1n;
  }
  return n;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code: ErrorCode | 'ok'; message: string }> {
  try {
    await promise;
    return { code: 'ok', message: '' };
  } catch (err) {
    assert.ok(err instanceof ShoeboxError, `expected a ShoeboxError, got ${String(err)}`);
    return { code: err.code, message: err.message };
  }
}

describe('preprocess stage', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  let cache: { dir: string; cleanup: () => void };
  before(() => {
    cache = tempDir('shoebox-preprocess-');
  });
  after(() => cache.cleanup());

  const run = (bytes: Buffer, signal?: AbortSignal): Promise<PhotoDerivatives> =>
    preprocess({ bytes, contentHash: sha1(bytes), cacheDir: cache.dir, signal });

  async function thumbSize(d: PhotoDerivatives): Promise<{ width: number; height: number; channels: number; space: string }> {
    const m = await sharp(path.join(cache.dir, d.thumbnailPath)).metadata();
    return { width: m.width!, height: m.height!, channels: m.channels!, space: String(m.space) };
  }

  async function checkDerivatives(d: PhotoDerivatives, bytes: Buffer): Promise<void> {
    const hash = sha1(bytes);
    assert.equal(d.thumbnailPath, `thumbs/${hash.slice(0, 2)}/${hash}.jpg`);
    assert.equal(d.previewPath, `previews/${hash.slice(0, 2)}/${hash}.jpg`);
    assert.match(d.dhash, /^[0-9a-f]{16}$/);
    const thumb = await thumbSize(d);
    assert.ok(thumb.width <= 256 && thumb.height <= 256, `thumbnail ${thumb.width}×${thumb.height}`);
    assert.equal(thumb.channels, 3);
    const preview = await sharp(path.join(cache.dir, d.previewPath)).metadata();
    assert.equal(preview.format, 'jpeg');
    assert.ok(preview.width! <= PREVIEW_SIZE && preview.height! <= PREVIEW_SIZE);
    assert.equal(Math.max(preview.width!, preview.height!), Math.min(PREVIEW_SIZE, Math.max(d.width, d.height)));
  }

  it('real camera JPEGs: preview, thumbnail, dhash, original display size', async () => {
    const files = ['jpg/Canon_40D.jpg', 'jpg/Nikon_D70.jpg', 'jpg/gps/DSCN0010.jpg', 'jpg/mobile/jolla.jpg', 'jpg/tests/42_IndexError.jpg'];
    const hashes = new Set<string>();
    for (const file of files) {
      const bytes = readFileSync(photo(file));
      const d = await run(bytes);
      await checkDerivatives(d, bytes);
      assert.equal(d.format, 'jpeg');
      hashes.add(d.dhash);
    }
    assert.equal(hashes.size, files.length, 'different photos have different dhashes');
    const big = await run(readFileSync(photo('jpg/tests/42_IndexError.jpg')));
    assert.deepEqual([big.width, big.height], [4032, 3024]);
  });

  it('the preview is PREVIEW_SIZE (1,200 px) unless the input asks for another size', async () => {
    assert.equal(PREVIEW_SIZE, 1200);
    const bytes = await sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#4a7' } }).jpeg().toBuffer();
    const d = await run(bytes);
    assert.deepEqual([d.width, d.height], [3000, 2000]);
    const m = await sharp(path.join(cache.dir, d.previewPath)).metadata();
    assert.deepEqual([m.width, m.height], [1200, 800]);
    const other = tempDir('shoebox-preprocess-1600-');
    try {
      const old = await preprocess({ bytes, contentHash: sha1(bytes), cacheDir: other.dir, previewSize: 1600 });
      const m2 = await sharp(path.join(other.dir, old.previewPath)).metadata();
      assert.deepEqual([m2.width, m2.height], [1600, 1067]);
    } finally {
      other.cleanup();
    }
  });

  it('applies EXIF orientation: landscape_N stay landscape, portrait_N stay portrait', async () => {
    for (const kind of ['landscape', 'portrait'] as const) {
      for (let n = 1; n <= 8; n++) {
        const d = await run(readFileSync(photo(`jpg/orientation/${kind}_${n}.jpg`)));
        const t = await thumbSize(d);
        if (kind === 'landscape') {
          assert.ok(t.width > t.height && d.width > d.height, `${kind}_${n}: thumbnail ${t.width}×${t.height}`);
        } else {
          assert.ok(t.width < t.height && d.width < d.height, `${kind}_${n}: thumbnail ${t.width}×${t.height}`);
        }
      }
    }
  });

  it('all eight orientations of the same picture hash alike once oriented', async () => {
    const base = (await run(readFileSync(photo('jpg/orientation/landscape_1.jpg')))).dhash;
    for (let n = 2; n <= 8; n++) {
      const d = await run(readFileSync(photo(`jpg/orientation/landscape_${n}.jpg`)));
      assert.ok(hamming(base, d.dhash) <= 6, `landscape_${n}: ${hamming(base, d.dhash)} bits from landscape_1`);
    }
  });

  it('TIFF files (LZW, with alpha)', async () => {
    for (const file of listPhotos('tiff')) {
      const bytes = readFileSync(file);
      const d = await run(bytes);
      assert.equal(d.format, 'tiff', rel(file));
      await checkDerivatives(d, bytes);
    }
  });

  it('HEIC (HEVC) decodes through the libheif fallback, oriented', async () => {
    const bytes = readFileSync(photo('heic/mobile/iphone_13_pro_max.HEIC'));
    const d = await run(bytes);
    assert.equal(d.format, 'heif');
    assert.deepEqual([d.width, d.height], [3024, 4032]);
    await checkDerivatives(d, bytes);
    const t = await thumbSize(d);
    assert.deepEqual([t.width, t.height], [192, 256]);
  });

  it('a PNG named .jpg is read by its content', async () => {
    const png = await sharp(readFileSync(photo('jpg/Canon_40D.jpg'))).png().toBuffer();
    const { dir } = cache;
    const file = path.join(dir, 'really-a-png.jpg');
    writeFileSync(file, png);
    const read = await readPhotoFile(file);
    assert.equal(read.contentHash, sha1(png));
    const d = await preprocess({ bytes: read.bytes, contentHash: read.contentHash, cacheDir: dir });
    assert.equal(d.format, 'png');
    await checkDerivatives(d, png);
  });

  it('CMYK JPEG, 16-bit TIFF, grey+alpha PNG and progressive JPEG come out as 8-bit sRGB', async () => {
    const source = readFileSync(photo('jpg/Nikon_D70.jpg'));
    const small = sharp(source).resize(400);
    const cases: Array<[string, Buffer, string]> = [
      ['cmyk', await small.clone().toColourspace('cmyk').jpeg().toBuffer(), 'jpeg'],
      ['rgb16 tiff', await tiff16(small.clone()), 'tiff'],
      ['grey+alpha png', await small.clone().toColourspace('b-w').ensureAlpha(0.5).png().toBuffer(), 'png'],
      ['progressive', await small.clone().jpeg({ progressive: true }).toBuffer(), 'jpeg'],
    ];
    const cmykMeta = await sharp(cases[0]![1]).metadata();
    assert.equal(cmykMeta.space, 'cmyk');
    const tiffMeta = await sharp(cases[1]![1]).metadata();
    assert.equal(tiffMeta.depth, 'ushort');
    const pngMeta = await sharp(cases[2]![1]).metadata();
    assert.equal(pngMeta.channels, 2);
    const plain = await run(await small.clone().jpeg().toBuffer());
    for (const [name, bytes, format] of cases) {
      const d = await run(bytes);
      assert.equal(d.format, format, name);
      await checkDerivatives(d, bytes);
      const t = await thumbSize(d);
      assert.equal(t.space, 'srgb', name);
      if (name !== 'grey+alpha png') {
        assert.ok(hamming(plain.dhash, d.dhash) <= 6, `${name}: ${hamming(plain.dhash, d.dhash)} bits from the plain JPEG`);
      }
    }
  });

  it('the same photo re-encoded smaller has a dhash within 6 bits', async () => {
    for (const file of ['jpg/Canon_40D.jpg', 'jpg/gps/DSCN0029.jpg', 'jpg/Pentax_K10D.jpg']) {
      const bytes = readFileSync(photo(file));
      const original = await run(bytes);
      const smaller = await sharp(bytes).rotate().resize(320).jpeg({ quality: 60 }).toBuffer();
      const d = await run(smaller);
      assert.ok(hamming(original.dhash, d.dhash) <= 6, `${file}: ${hamming(original.dhash, d.dhash)} bits apart`);
    }
  });

  it('broken files: jpg/corrupted.jpg is corrupt, jpg/invalid/* decode', async () => {
    // corrupted.jpg: a 3648×2736 Olympus JPEG whose entropy-coded data is damaged (libjpeg: "Corrupt
    // JPEG data: premature end of data segment", "found marker 0xd1 instead of RST5"); libvips fails
    // even with failOn 'none'.
    const corrupt = await codeOf(run(readFileSync(photo('jpg/corrupted.jpg'))));
    assert.equal(corrupt.code, 'corrupt-file');
    assert.match(corrupt.message, /premature end of data segment|Corrupt JPEG data/);
    // invalid/*: small JFIF images that exif parsers choke on (broken or missing EXIF, odd markers);
    // their pixels are fine and libjpeg decodes them without error.
    const expected: Record<string, ErrorCode | 'ok'> = {
      'image00971.jpg': 'ok',
      'image01088.jpg': 'ok',
      'image01137.jpg': 'ok',
      'image01551.jpg': 'ok',
      'image01713.jpg': 'ok',
      'image01980.jpg': 'ok',
      'image02206.jpg': 'ok',
    };
    const files = listPhotos('jpg/invalid');
    assert.deepEqual(files.map((f) => path.basename(f)).sort(), Object.keys(expected).sort());
    for (const file of files) {
      const result = await codeOf(run(readFileSync(file)));
      assert.equal(result.code, expected[path.basename(file)], `${rel(file)}: ${result.message}`);
    }
  });

  it('RAW (DNG-shaped): the embedded JPEG preview is used, with the RAW orientation', async () => {
    const preview = await sharp(readFileSync(photo('jpg/orientation/landscape_1.jpg'))).resize(400, 300).jpeg().toBuffer();
    const dng = fakeRaw(preview, 400, 300, 6);
    assert.equal(await detectImageFormat(dng), 'dng');
    const d = await run(dng);
    assert.equal(d.format, 'dng');
    assert.deepEqual([d.width, d.height], [300, 400]);
    const t = await thumbSize(d);
    assert.deepEqual([t.width, t.height], [192, 256]);
    // A broken preview block leaves only IFD0's 16×12 grey placeholder: not a preview, so the photo
    // fails with a reason instead of being "analysed" from a grey stamp.
    const broken = fakeRaw(Buffer.from('not a jpeg at all'), 400, 300, 1);
    const r = await codeOf(run(broken));
    assert.equal(r.code, 'unsupported-format', r.message);
    assert.match(r.message, /dng RAW file without a usable embedded preview \(its largest readable image is 16 px on its long side\)/);
  });

  it('a JPEG cut in half is corrupt-file, with libvips wording', async () => {
    const bytes = readFileSync(photo('jpg/Canon_40D.jpg'));
    const half = bytes.subarray(0, Math.floor(bytes.length / 2));
    const r = await codeOf(run(half));
    assert.equal(r.code, 'corrupt-file');
    assert.match(r.message, /premature end of JPEG/i);
  });

  it('empty, random and text content', async () => {
    assert.equal((await codeOf(run(Buffer.alloc(0)))).code, 'empty-file');
    const random = await codeOf(run(randomBytes(4096)));
    assert.equal(random.code, 'unsupported-format');
    assert.match(random.message, /the file's content is not an image/);
    const text = await codeOf(run(Buffer.from('just some words, not a photo\n'.repeat(20))));
    assert.equal(text.code, 'unsupported-format');
    assert.match(text.message, /not an image \(it looks like text\)/);
  });

  it('decompression bombs are refused from the header', async () => {
    const png = await codeOf(run(pngBomb(100_000, 100_000)));
    assert.equal(png.code, 'too-large');
    assert.match(png.message, /100000 × 100000/);
    const jpeg = await codeOf(run(jpegBomb(readFileSync(photo('jpg/orientation/landscape_1.jpg')), 60_000, 60_000)));
    assert.equal(jpeg.code, 'too-large');
    assert.match(jpeg.message, /60000 × 60000/);
    assert.ok(MAX_INPUT_PIXELS >= 100_000_000);
  });

  it('cache: content-addressed, reused, no temp files left, hash validated', async () => {
    const bytes = readFileSync(photo('jpg/Canon_40D.jpg'));
    const first = await run(bytes);
    const thumb = path.join(cache.dir, first.thumbnailPath);
    const before = statSync(thumb).mtimeMs;
    const again = await run(bytes);
    assert.deepEqual(again, first);
    assert.equal(statSync(thumb).mtimeMs, before, 'existing thumbnail reused');
    for (const sub of ['thumbs', 'previews']) {
      for (const shard of readdirSync(path.join(cache.dir, sub))) {
        for (const name of readdirSync(path.join(cache.dir, sub, shard))) assert.match(name, /^[0-9a-f]{40}\.jpg$/);
      }
    }
    const bad = await codeOf(preprocess({ bytes, contentHash: '../../etc/passwd', cacheDir: cache.dir }));
    assert.equal(bad.code, 'internal');
    assert.equal(existsSync(path.join(cache.dir, '..', 'etc')), false);
  });

  it('an aborted signal stops the stage with stage-timeout', async () => {
    const controller = new AbortController();
    controller.abort(new Error('time limit of 30 s reached'));
    const r = await codeOf(run(readFileSync(photo('jpg/Canon_40D.jpg')), controller.signal));
    assert.equal(r.code, 'stage-timeout');
    assert.match(r.message, /time limit/);
  });
});

describe('readPhotoFile', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  it('reads bytes, sha1, size and mtime', async () => {
    const file = photo('jpg/Canon_40D.jpg');
    const r = await readPhotoFile(file);
    const bytes = readFileSync(file);
    assert.equal(r.contentHash, sha1(bytes));
    assert.equal(r.size, bytes.length);
    assert.equal(r.mtimeMs, statSync(file).mtimeMs);
  });

  it('maps failures to specific codes', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const missing = await codeOf(readPhotoFile(path.join(dir, 'gone.jpg')));
      assert.equal(missing.code, 'missing-file');
      assert.match(missing.message, /file no longer exists: .*gone\.jpg/);
      assert.equal((await codeOf(readPhotoFile(dir))).code, 'unsupported-format');
      const empty = path.join(dir, 'empty.jpg');
      writeFileSync(empty, '');
      assert.equal((await codeOf(readPhotoFile(empty))).code, 'empty-file');
      const big = await codeOf(readPhotoFile(photo('jpg/Canon_40D.jpg'), { maxBytes: 1000 }));
      assert.equal(big.code, 'too-large');
      const locked = path.join(dir, 'locked.jpg');
      writeFileSync(locked, 'x');
      chmodSync(locked, 0o000);
      if (process.getuid?.() !== 0) assert.equal((await codeOf(readPhotoFile(locked))).code, 'permission-denied');
    } finally {
      cleanup();
    }
  });
});

describe('detectImageFormat', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  it('names formats by content', async () => {
    assert.equal(await detectImageFormat(readFileSync(photo('jpg/Canon_40D.jpg'))), 'jpeg');
    assert.equal(await detectImageFormat(readFileSync(photo('heic/samplefilehub.heif'))), 'heif');
    assert.equal(await detectImageFormat(readFileSync(photo('heic/IMG_5195.HEIC'))), 'heif');
    assert.equal(await detectImageFormat(readFileSync(photo('tiff/BSG1.tiff'))), 'tiff');
    assert.equal(await detectImageFormat(await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } }).webp().toBuffer()), 'webp');
    assert.equal(await detectImageFormat(Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n')), null);
    assert.equal(await detectImageFormat(Buffer.from('hello')), null);
    assert.equal(await detectImageFormat(Buffer.alloc(0)), null);
  });
});
