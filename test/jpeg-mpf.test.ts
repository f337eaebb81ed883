/**
 * Issue 19, "decode less": a JPEG's camera-written large thumbnail (Multi-Picture Format) stands in for
 * the 24 MP primary when it is big enough and has the photo's shape. The index is read by our parser
 * and, independently, by exiftool; preprocess is checked to use the thumbnail only when it should.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import type { PhotoDerivatives } from '../src-shared/photo.js';
import { hamming } from '../src-core/culling/similarity.js';
import { MP_TYPE, readMpfImages } from '../src-worker/stages/jpeg-mpf.js';
import { preprocess } from '../src-worker/stages/preprocess.js';
import { withMpfPreview } from './helpers/mpf.js';
import { hasPhotos, photo, tempDir } from './helpers/photos.js';

const sha1 = (b: Buffer): string => createHash('sha1').update(b).digest('hex');

/** A 2,400 × 1,600 photo-like primary: a blue sky over green ground, with a white block on the left. */
async function primaryJpeg(orientation = 1): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="2400" height="1600">
    <rect width="2400" height="900" fill="#2050c0"/><rect y="900" width="2400" height="700" fill="#208040"/>
    <rect x="200" y="500" width="500" height="800" fill="#f0f0f0"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer();
}

/** A solid JPEG of `width` × `height`: a stand-in thumbnail whose colour says where pixels came from. */
const solid = (width: number, height: number, colour: string): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: colour } }).jpeg().toBuffer();

async function meanRgb(file: string): Promise<number[]> {
  const { channels } = await sharp(file).stats();
  return channels.slice(0, 3).map((c) => Math.round(c.mean));
}


describe('JPEG Multi-Picture Format index', () => {
  let dir: { dir: string; cleanup: () => void };
  before(() => {
    dir = tempDir('shoebox-mpf-');
  });
  after(() => dir.cleanup());

  for (const byteOrder of ['MM', 'II'] as const) {
    it(`finds the large thumbnail exiftool finds (${byteOrder} index)`, async () => {
      const thumb = await solid(1616, 1077, '#c02020');
      const file = withMpfPreview(await primaryJpeg(), thumb, { byteOrder });
      const images = readMpfImages(file);
      assert.equal(images.length, 1);
      assert.equal(images[0]!.type, MP_TYPE.largeThumbnailFullHd);
      assert.ok(images[0]!.bytes.equals(thumb));

      const at = path.join(dir.dir, `mpf-${byteOrder}.jpg`);
      writeFileSync(at, file);
      const [tags] = JSON.parse(execFileSync('exiftool', ['-j', '-G1', '-MPImage2:all', at], { encoding: 'utf8' })) as Array<Record<string, unknown>>;
      assert.equal(tags!['MPImage2:MPImageType'], 'Large Thumbnail (full HD equivalent)');
      assert.equal(tags!['MPImage2:MPImageLength'], thumb.length);
      assert.equal(images[0]!.bytes.byteOffset - file.byteOffset, tags!['MPImage2:MPImageStart']);
      const extracted = execFileSync('exiftool', ['-b', '-MPImage2:PreviewImage', at]);
      assert.ok(extracted.equals(images[0]!.bytes), 'exiftool extracts the same bytes');
      // The primary still decodes as itself: the trailer is invisible to a JPEG decoder.
      const meta = await sharp(file).metadata();
      assert.deepEqual([meta.width, meta.height], [2400, 1600]);
    });
  }

  it('yields nothing for a file without an index, a cut trailer or a garbled index', async () => {
    const primary = await primaryJpeg();
    assert.deepEqual(readMpfImages(primary), []);
    const file = withMpfPreview(primary, await solid(1616, 1077, '#c02020'));
    assert.deepEqual(readMpfImages(file.subarray(0, file.length - 100)), [], 'the thumbnail runs past the end of a cut file');
    const garbled = Buffer.from(file);
    const mpf = garbled.indexOf('MPF\0', 0, 'latin1');
    for (let i = mpf + 4; i < mpf + 90; i++) garbled[i] = (i * 131) & 0xff;
    assert.deepEqual(readMpfImages(garbled), []);
    assert.deepEqual(readMpfImages(Buffer.from([0xff, 0xd8, 0xff, 0xe2, 0x00])), []);
  });

  it('a real MPF file whose index lists only the primary', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
    // jpg/tests/45-gps_ifd.jpg carries an MPF index with NumberOfImages 1 (exiftool).
    assert.deepEqual(readMpfImages(readFileSync(photo('jpg/tests/45-gps_ifd.jpg'))), []);
  });
});

describe('preprocess: the camera large thumbnail as the working image', () => {
  let cache: { dir: string; cleanup: () => void };
  before(() => {
    cache = tempDir('shoebox-mpf-cache-');
  });
  after(() => cache.cleanup());

  // Derivatives are cached by content hash: each run gets its own name, so none reuses another's files.
  let runs = 0;
  const run = (bytes: Buffer, embeddedPreview = true): Promise<PhotoDerivatives> =>
    preprocess({ bytes, contentHash: sha1(Buffer.concat([bytes, Buffer.from(String(runs++))])), cacheDir: cache.dir, embeddedPreview, previewSize: 1200 });
  const thumbColour = (d: PhotoDerivatives) => meanRgb(path.join(cache.dir, d.thumbnailPath));
  const isRed = ([r, g, b]: number[]) => r! > 150 && g! < 80 && b! < 80;

  it('uses a big enough thumbnail of the same shape, and reports the primary size', async () => {
    const file = withMpfPreview(await primaryJpeg(), await solid(1616, 1077, '#c02020'));
    const d = await run(file);
    assert.ok(isRed(await thumbColour(d)), 'the thumbnail was made from the embedded preview');
    assert.deepEqual([d.width, d.height], [2400, 1600]);
    const preview = await sharp(path.join(cache.dir, d.previewPath)).metadata();
    assert.deepEqual([preview.width, preview.height], [1200, 800]);
  });

  it('decodes the primary when told not to, or when the thumbnail is too small, the wrong shape or cut off', async () => {
    const primary = await primaryJpeg();
    const cases: Array<[string, Buffer, boolean]> = [
      ['SHOEBOX_EMBEDDED_PREVIEW=0', withMpfPreview(primary, await solid(1616, 1077, '#c02020')), false],
      ['smaller than the preview size', withMpfPreview(primary, await solid(1080, 720, '#c02020')), true],
      ['16:9 with bars', withMpfPreview(primary, await solid(1920, 1080, '#c02020')), true],
      ['not a large thumbnail (a disparity image)', withMpfPreview(primary, await solid(1616, 1077, '#c02020'), { type: 0x020002 }), true],
      ['damaged thumbnail', withMpfPreview(primary, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0, 3, 0]), Buffer.alloc(4000, 7)])), true],
    ];
    for (const [why, file, allowed] of cases) {
      const d = await run(file, allowed);
      assert.ok(!isRed(await thumbColour(d)), `${why}: the primary's pixels`);
      assert.deepEqual([d.width, d.height], [2400, 1600], why);
    }
    const cut = withMpfPreview(primary, await solid(1616, 1077, '#c02020'));
    const d = await run(cut.subarray(0, cut.length - 100));
    assert.ok(!isRed(await thumbColour(d)), 'cut trailer: the primary');
  });

  it("applies the primary's EXIF orientation to the thumbnail: same picture, same upright size", async () => {
    const primary = await primaryJpeg(6);
    // The camera's thumbnail holds the primary's stored (unrotated) pixels, shrunk.
    const thumb = await sharp(primary).resize(1616, 1616, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer();
    const file = withMpfPreview(primary, thumb);
    assert.equal(readMpfImages(file).length, 1);
    const viaThumbnail = await run(file);
    const viaPrimary = await run(file, false);
    assert.deepEqual([viaThumbnail.width, viaThumbnail.height], [1600, 2400]);
    assert.deepEqual([viaPrimary.width, viaPrimary.height], [1600, 2400]);
    const a = await sharp(path.join(cache.dir, viaThumbnail.previewPath)).metadata();
    assert.deepEqual([a.width, a.height], [800, 1200]);
    assert.ok(hamming(BigInt(`0x${viaThumbnail.dhash}`), BigInt(`0x${viaPrimary.dhash}`)) <= 4, `dhash ${viaThumbnail.dhash} vs ${viaPrimary.dhash}`);
    // Pixel by pixel, the two thumbnails show the same upright picture.
    const pixels = (d: PhotoDerivatives) => sharp(path.join(cache.dir, d.thumbnailPath)).raw().toBuffer({ resolveWithObject: true });
    const [t, p] = await Promise.all([pixels(viaThumbnail), pixels(viaPrimary)]);
    assert.deepEqual([t.info.width, t.info.height], [p.info.width, p.info.height]);
    let diff = 0;
    for (let i = 0; i < t.data.length; i++) diff += Math.abs(t.data[i]! - p.data[i]!);
    assert.ok(diff / t.data.length < 6, `mean difference ${(diff / t.data.length).toFixed(2)} per channel`);
  });
});
