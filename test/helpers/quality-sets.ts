/**
 * The quality calibration sets, generated from the real photos of ../shared/photos: each photo as a
 * preview, the photos a person judged sharp and well exposed, and degraded copies of each (shared by
 * test/ml-signals.test.ts and the signals eval).
 */
import sharp from 'sharp';
import { loadRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { listPhotos, rel } from './photos.js';
import { mulberry32 } from './prng.js';

/**
 * Photos judged sharp and well exposed by looking at each whole and at a 100 % crop of its centre,
 * before the calibration (by eye, not by the figures). Left out: photos with a short side < 200 px
 * (EXIF thumbnails), graphics and documents, night and dark frames (kodak-dc210, kodak-dc240, BSG1,
 * 87_OSError), soft or hazy ones (fujifilm-finepix40i, ricoh-rdc5300, sony-cybershot, sony-powershota5,
 * jolla, 22-canon_tags, 28-hex_value, 30/33-type_error, Reconyx), the motion-blurred faces of
 * sony-d700, and frames whose sky, lamps or snow look blown (DSCN0040, DSCN0042, canon_hdr_NO/YES,
 * 45-gps_ifd). canon-ixus is in although its overcast sky clips (11 % of the frame): the people and
 * the garden are well exposed. Paths relative to ../shared/photos.
 */
export const SHARP_WELL_EXPOSED = [
  'jpg/Canon_PowerShot_S40.jpg',
  'jpg/exif-org/canon-ixus.jpg',
  'jpg/exif-org/fujifilm-dx10.jpg',
  'jpg/exif-org/fujifilm-mx1700.jpg',
  'jpg/exif-org/nikon-e950.jpg',
  'jpg/exif-org/olympus-c960.jpg',
  'jpg/exif-org/olympus-d320l.jpg',
  'jpg/exif-org/sanyo-vpcg250.jpg',
  'jpg/exif-org/sanyo-vpcsx550.jpg',
  'jpg/gps/DSCN0010.jpg',
  'jpg/gps/DSCN0012.jpg',
  'jpg/gps/DSCN0021.jpg',
  'jpg/gps/DSCN0025.jpg',
  'jpg/gps/DSCN0027.jpg',
  'jpg/gps/DSCN0029.jpg',
  'jpg/gps/DSCN0038.jpg',
  'jpg/hdr/iphone_hdr_NO.jpg',
  'jpg/hdr/iphone_hdr_YES.jpg',
  'jpg/mobile/HMD_Nokia_8.3_5G.jpg',
  'jpg/orientation/landscape_1.jpg',
  'jpg/orientation/portrait_1.jpg',
  'jpg/tests/11-tests.jpg',
  'jpg/tests/35-empty.jpg',
  'jpg/tests/36-memory_error.jpg',
  'jpg/tests/42_IndexError.jpg',
];

/** Not photographs (judged by looking): graphics, a flat frame, line drawings, logos, handwriting. */
export const NOT_PHOTOGRAPHS = [
  'jpg/xmp/BlueSquare.jpg',
  'jpg/tests/67-0_length_string.jpg',
  'tiff/Picoawards.tiff',
  'tiff/Rudless.tiff',
  'tiff/Tless0.tiff',
  'tiff/Arbitro.tiff',
  'tiff/Crémieux11.tiff',
  'tiff/Jobagent.tiff',
];

/** Degraded copies are made of photographs whose short side is at least this (EXIF thumbnails are 100 px). */
export const MIN_DEGRADE_SIDE = 200;

export interface QualityPhoto {
  /** Relative to ../shared/photos. */
  rel: string;
  img: RgbImage;
  sharpWellExposed: boolean;
  photograph: boolean;
}

/** Every decodable JPEG/TIFF of the collection as a preview (oriented, ≤ 1600 px, JPEG q82); orientation copies 2–8 and broken files left out. */
export async function qualityPhotos(): Promise<QualityPhoto[]> {
  const files = listPhotos('', (f) => /\.(jpe?g|tiff?)$/i.test(f) && !/orientation\/(landscape|portrait)_[2-8]\.|\/invalid\/|corrupted/.test(f));
  const out: QualityPhoto[] = [];
  for (const file of files) {
    let img: RgbImage;
    try {
      img = await loadRgb(
        await sharp(file, { failOn: 'none' }).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).jpeg({ quality: 82 }).toBuffer(),
      );
    } catch {
      continue; // undecodable: the preprocess stage's business
    }
    const r = rel(file);
    out.push({ rel: r, img, sharpWellExposed: SHARP_WELL_EXPOSED.includes(r), photograph: !NOT_PHOTOGRAPHS.includes(r) });
  }
  return out;
}

export const DEGRADATIONS = ['gaussian blur σ 2.5 px @1024', 'motion blur 15 px @1024', 'noise σ 12', 'under-exposed ×0.35', 'over-exposed ×2.2 + 40'] as const;
export type Degradation = (typeof DEGRADATIONS)[number];

/** One degraded copy of a preview, re-encoded as JPEG q82 like a preview; seeded noise. */
export async function degrade(img: RgbImage, kind: Degradation, seed = 12345): Promise<RgbImage> {
  const { width, height } = img;
  const raw = () => sharp(img.data, { raw: { width, height, channels: 3 } });
  const perPx = Math.max(width, height) / 1024;
  let pipeline: sharp.Sharp;
  switch (kind) {
    case 'gaussian blur σ 2.5 px @1024':
      pipeline = raw().blur(Math.max(0.6, 2.5 * perPx));
      break;
    case 'motion blur 15 px @1024': {
      const k = Math.max(3, 2 * Math.round((15 * perPx) / 2) + 1);
      // libvips kernels are at least 3 × 3: a k × 3 kernel whose middle row is ones.
      const kernel = new Array<number>(3 * k).fill(0).fill(1, k, 2 * k);
      pipeline = raw().convolve({ width: k, height: 3, kernel, scale: k });
      break;
    }
    case 'noise σ 12': {
      const rnd = mulberry32(seed);
      const noisy = Buffer.alloc(img.data.length);
      for (let i = 0; i < noisy.length; i++) {
        const g = Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd());
        noisy[i] = Math.max(0, Math.min(255, Math.round(img.data[i]! + g * 12)));
      }
      pipeline = sharp(noisy, { raw: { width, height, channels: 3 } });
      break;
    }
    case 'under-exposed ×0.35':
      pipeline = raw().linear(0.35, 0);
      break;
    case 'over-exposed ×2.2 + 40':
      pipeline = raw().linear(2.2, 40);
      break;
  }
  return loadRgb(await pipeline.jpeg({ quality: 82 }).toBuffer());
}
