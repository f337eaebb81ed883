/**
 * Opens an export's ORIGINAL at full size, upright, as a sharp pipeline (never the cached preview):
 * JPEG/PNG/TIFF/WebP/AVIF through sharp with EXIF orientation applied; HEIC through libheif when
 * sharp's libvips lacks HEVC (libheif applies the HEIF rotation itself); camera RAW through its
 * largest embedded JPEG preview with the RAW's IFD0 orientation, as the preprocess stage does.
 * A person's rotation correction (issue 17) is composed into that one orientation (sharp turns once per
 * pipeline), so the export comes out as the library shows the photo.
 */
import exifr from 'exifr';
import sharp from 'sharp';
import { ShoeboxError } from '../../src-shared/errors.js';
import { composeOrientation, type Rotation } from '../../src-shared/orientation.js';
import { detectImageFormat, findEmbeddedJpegs, isRawFormat, walkTiff } from '../stages/image-format.js';
import { applyOrientation, loadHeicDecode, mapDecodeError, MAX_INPUT_PIXELS } from '../stages/preprocess.js';

export interface ExportSource {
  /** Upright, full-size pipeline, ready for resize. */
  image: sharp.Sharp;
  /** Upright size in pixels. */
  width: number;
  height: number;
  format: string;
  /**
   * True when the pipeline still holds the original's own colours and embedded profile: the profile is
   * applied once, on the resized pixels, by the encoder's withIccProfile (or before a raw pass).
   */
  profileDeferred: boolean;
}

function upright(w: number, h: number, orientation: number | null | undefined): { width: number; height: number } {
  return orientation && orientation >= 5 && orientation <= 8 ? { width: h, height: w } : { width: w, height: h };
}

function checkPixels(w: number, h: number): void {
  if (w * h > MAX_INPUT_PIXELS) {
    throw new ShoeboxError('too-large', `image declares ${w} × ${h} pixels, above the ${MAX_INPUT_PIXELS / 1e6}-megapixel limit`);
  }
}

async function openWithSharp(bytes: Buffer, format: string, correction: Rotation, orientation?: number | null): Promise<ExportSource> {
  let meta: sharp.Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, failOn: 'none' }).metadata();
  } catch (err) {
    throw mapDecodeError(err, format);
  }
  if (!meta.width || !meta.height) throw new ShoeboxError('corrupt-file', `${format} image has no readable size`);
  checkPixels(meta.width, meta.height);
  // sharp converts an embedded profile on load, before the resize: at 24 MP → 2048 px that is half the
  // export's CPU time. For 8-bit RGB the conversion waits for the resized pixels instead (same result,
  // a sixth of the pixels); CMYK, grey and 16-bit images keep sharp's own handling.
  const profileDeferred = meta.space === 'srgb' && meta.depth === 'uchar' && (meta.channels === 3 || meta.channels === 4);
  const base = sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', ignoreIcc: profileDeferred });
  const o = composeOrientation(orientation === undefined ? meta.orientation : orientation, correction);
  return { image: applyOrientation(base, o), ...upright(meta.width, meta.height, o), format, profileDeferred };
}

async function openHeif(bytes: Buffer, correction: Rotation): Promise<ExportSource> {
  try {
    const source = await openWithSharp(bytes, 'heif', correction);
    // Only the header was read: make sure libvips can decode the pixels too (HEVC is not built in).
    await source.image.clone().resize(8, 8).raw().toBuffer();
    return source;
  } catch (err) {
    if (err instanceof ShoeboxError && err.code === 'too-large') throw err;
  }
  const heicDecode = await loadHeicDecode();
  const images = await heicDecode.all({ buffer: bytes });
  try {
    const first = images[0];
    if (!first) throw new ShoeboxError('corrupt-file', 'HEIF file holds no image');
    checkPixels(first.width, first.height);
    const px = await first.decode();
    const data = Buffer.from(px.data.buffer, px.data.byteOffset, px.data.byteLength);
    const pixels = sharp(data, { raw: { width: px.width, height: px.height, channels: 4 }, limitInputPixels: MAX_INPUT_PIXELS });
    // libheif has applied the file's own rotation: only the correction is left.
    const o = composeOrientation(1, correction);
    return { image: applyOrientation(pixels, o), ...upright(px.width, px.height, o), format: 'heif', profileDeferred: false };
  } finally {
    images.dispose();
  }
}

async function openRaw(bytes: Buffer, format: string, correction: Rotation): Promise<ExportSource> {
  const previews = findEmbeddedJpegs(bytes);
  try {
    const thumb = await exifr.thumbnail(bytes);
    if (thumb && thumb.length > 0) previews.push(Buffer.from(thumb));
  } catch {
    // no IFD1 thumbnail
  }
  let best: { bytes: Buffer; px: number } | null = null;
  for (const p of previews) {
    try {
      const meta = await sharp(p, { failOn: 'none' }).metadata();
      if (meta.format !== 'jpeg' || !meta.width || !meta.height) continue;
      const px = meta.width * meta.height;
      if (!best || px > best.px) best = { bytes: p, px };
    } catch {
      // lossless sensor data or a damaged block
    }
  }
  if (!best) throw new ShoeboxError('unsupported-format', `${format} RAW file without a usable embedded preview to export`);
  // The preview is stored unrotated; the RAW's own IFD0 orientation applies to it.
  return openWithSharp(best.bytes, format, correction, walkTiff(bytes)?.orientation ?? null);
}

export async function openExportSource(bytes: Buffer, correction: Rotation = 0): Promise<ExportSource> {
  if (bytes.length === 0) throw new ShoeboxError('empty-file', 'the original is empty (0 bytes)');
  const format = await detectImageFormat(bytes);
  if (!format) throw new ShoeboxError('unsupported-format', 'the original is not an image');
  if (format === 'heif') return openHeif(bytes, correction);
  if (isRawFormat(format)) return openRaw(bytes, format, correction);
  return openWithSharp(bytes, format, correction);
}
