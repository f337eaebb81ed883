import { randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import exifr from 'exifr';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { ShoeboxError } from '../../src-shared/errors.js';
import { DEFAULT_PREVIEW_SIZE, runtimeSettings } from '../../src-core/runtime-settings.js';
import type { PhotoDerivatives } from '../../src-shared/photo.js';
import type { Rotation } from '../../src-shared/orientation.js';
import { ExclusiveRetryGate } from './decode-gate.js';
import { detectImageFormat, findEmbeddedJpegs, isRawFormat, walkTiff } from './image-format.js';
import { MP_TYPE, readMpfImages } from './jpeg-mpf.js';

/** Decompression-bomb guard: images declaring more pixels than this are refused before decoding. */
export const MAX_INPUT_PIXELS = 200_000_000;
/**
 * The preview fits inside this square (px) unless SHOEBOX_PREVIEW_SIZE says otherwise. It is the ML
 * stages' working image and what the viewer shows. 1,200 rather than 1,600 (issue 19): sharp lets
 * libjpeg shrink on load by 4 only when the target is at most a fifth of the original, so from a
 * 6,000 px camera JPEG a 1,200 px preview decodes at ×4 (1,500 px) where 1,600 px needed ×2
 * (3,000 px): about half the preprocess time. The models look at 240–960 px; `npm run eval --
 * --only speed-quality` compares what they find at both sizes.
 */
export const PREVIEW_SIZE = DEFAULT_PREVIEW_SIZE;
/** The preview size before issue 19, kept for the eval's before/after comparison. */
export const PREVIEW_SIZE_BEFORE = 1600;
export const PREVIEW_QUALITY = 82;
/** The thumbnail fits inside this square (px). */
export const THUMBNAIL_SIZE = 256;
export const THUMBNAIL_QUALITY = 80;

// Workers decode many different files once each: libvips' operation cache only costs memory here.
sharp.cache(false);

export interface PreprocessInput {
  bytes: Buffer;
  /** sha1 of the bytes, 40 hex digits; names the cached files. */
  contentHash: string;
  /** The library's cache folder; derivative paths in the result are relative to it. */
  cacheDir: string;
  signal?: AbortSignal;
  /** Long side of the preview; SHOEBOX_PREVIEW_SIZE (default PREVIEW_SIZE) unless an eval compares settings. */
  previewSize?: number;
  /** A person's correction (issue 17): the upright pixels turned this far clockwise; 0 when none. */
  rotation?: Rotation;
  /** Whether a JPEG's camera-written large thumbnail may stand in for its primary; SHOEBOX_EMBEDDED_PREVIEW unless an eval compares. */
  embeddedPreview?: boolean;
}

/** Raw 8-bit pixels at preview size, already oriented and in sRGB. */
interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What the decode step produced: the preview-sized pixels and the original's display size. */
interface Decoded {
  raw: RawImage;
  width: number;
  height: number;
}

const HASH_RE = /^[0-9a-f]{40}$/;

/**
 * A corrected photo's derivatives get their own names (`<hash>-r90.jpg`): the content-addressed cache
 * would otherwise hand back the unturned ones, and a new URL makes every view load the new thumbnail.
 */
function derivativeName(contentHash: string, rotation: Rotation): string {
  return rotation === 0 ? `${contentHash}.jpg` : `${contentHash}-r${rotation}.jpg`;
}

export function thumbnailRelPath(contentHash: string, rotation: Rotation = 0): string {
  return path.posix.join('thumbs', contentHash.slice(0, 2), derivativeName(contentHash, rotation));
}

export function previewRelPath(contentHash: string, rotation: Rotation = 0): string {
  return path.posix.join('previews', contentHash.slice(0, 2), derivativeName(contentHash, rotation));
}

/** The decoded (upright) pixels turned by a person's correction; the display size turns with them. */
async function applyCorrection(decoded: Decoded, rotation: Rotation): Promise<Decoded> {
  if (rotation === 0) return decoded;
  const { raw } = decoded;
  const turned = await toRawImage(sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).rotate(rotation));
  return rotation === 180 ? { ...decoded, raw: turned } : { raw: turned, width: decoded.height, height: decoded.width };
}

function checkAborted(signal: AbortSignal | undefined, step: string): void {
  if (signal?.aborted) {
    const reason = signal.reason instanceof Error ? signal.reason.message : signal.reason ? String(signal.reason) : 'aborted';
    throw new ShoeboxError('stage-timeout', `preprocess stopped before ${step}: ${reason}`);
  }
}

/** libvips joins several lines of errors; keep its wording, one line, without repeats. */
function vipsWording(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const lines = [...new Set(text.split('\n').map((l) => l.trim()).filter(Boolean))];
  return lines.join('; ');
}

function megapixels(w: number, h: number): string {
  return `${((w * h) / 1e6).toFixed(1)} megapixels`;
}

function tooLarge(w: number, h: number): ShoeboxError {
  return new ShoeboxError(
    'too-large',
    `image declares ${w} × ${h} pixels (${megapixels(w, h)}), above the ${MAX_INPUT_PIXELS / 1e6}-megapixel limit`,
  );
}

/**
 * libvips keeps its error text in one process-wide buffer, and every sharp pipeline that finishes
 * clears it. With two decodes in flight in a worker (lane concurrency), one can clear the buffer
 * between another's failure and its throw: sharp then reports "Unknown error" (or nothing).
 */
export function isUnspecificVipsError(err: unknown): boolean {
  const words = vipsWording(err);
  return words === '' || /^unknown error$/i.test(words);
}

/** Every preprocess of this process goes through it; see decode-gate.ts. */
const decodeGate = new ExclusiveRetryGate();

/** A decode failed without libvips' words while others ran beside it: preprocess runs it again alone. */
class VipsWordsLost extends Error {
  override name = 'VipsWordsLost';
}

/** Runs a decode step, mapping its failure; words lost to the race above ask for a run alone. */
async function decodeStep<T>(step: () => Promise<T>, format: string): Promise<T> {
  try {
    return await step();
  } catch (err) {
    if (isUnspecificVipsError(err) && !decodeGate.runningAlone) throw new VipsWordsLost(vipsWording(err), { cause: err });
    throw mapDecodeError(err, format);
  }
}

/** Maps a sharp/libvips failure to a ShoeboxError with a specific code, keeping libvips' words. */
export function mapDecodeError(err: unknown, format: string): ShoeboxError {
  if (err instanceof ShoeboxError) return err;
  if (isUnspecificVipsError(err)) {
    // Even alone the decoder said nothing: still say what happened, not "Unknown error".
    return new ShoeboxError('corrupt-file', `${format} image is damaged and could not be decoded (the decoder reported no details)`, { cause: err });
  }
  const words = vipsWording(err);
  if (/pixel limit/i.test(words)) {
    return new ShoeboxError('too-large', `image is larger than the ${MAX_INPUT_PIXELS / 1e6}-megapixel limit: ${words}`, { cause: err });
  }
  if (/out of memory|vips_malloc|cannot allocate/i.test(words)) {
    return new ShoeboxError('out-of-memory', `ran out of memory while decoding the ${format} image: ${words}`, { cause: err });
  }
  if (/unsupported image format/i.test(words)) {
    return new ShoeboxError(
      'unsupported-format',
      `the content looks like ${format} but the decoder does not recognise it: ${words}`,
      { cause: err },
    );
  }
  if (/not been built in|no decoder|not supported|unsupported/i.test(words)) {
    return new ShoeboxError('unsupported-format', `${format} image uses a feature the decoder lacks: ${words}`, { cause: err });
  }
  // Truncated, premature end, corrupt data, bad headers, CRC errors, bad seeks…: the file is broken.
  return new ShoeboxError('corrupt-file', `${format} image is damaged and could not be decoded: ${words}`, { cause: err });
}

/** Says what non-image content looks like, for the 'unsupported-format' message. */
async function describeNonImage(bytes: Buffer): Promise<string> {
  let kind: string | null = null;
  try {
    const ft = await fileTypeFromBuffer(bytes);
    if (ft) kind = `${ft.ext} (${ft.mime})`;
  } catch {
    kind = null;
  }
  if (!kind) {
    const head = bytes.subarray(0, 512);
    let printable = 0;
    for (const b of head) if (b === 9 || b === 10 || b === 13 || (b >= 32 && b < 127) || b >= 0xc2) printable++;
    kind = head.length > 0 && printable / head.length > 0.95 ? 'text' : 'unrecognised binary data';
  }
  return `the file's content is not an image (it looks like ${kind})`;
}

/**
 * The sharp operations that display an image stored with EXIF orientation `o`. sharp mirrors BEFORE
 * it rotates whatever the call order, so transpose (5) is a mirror then 270°, transverse (7) a mirror
 * then 90° (test/orientation-unit.test.ts checks all eight against libvips' own EXIF auto-orient).
 */
export function applyOrientation(img: sharp.Sharp, o: number | null | undefined): sharp.Sharp {
  switch (o) {
    case 2: return img.flop();
    case 3: return img.rotate(180);
    case 4: return img.flip();
    case 5: return img.rotate(270).flop();
    case 6: return img.rotate(90);
    case 7: return img.rotate(90).flop();
    case 8: return img.rotate(270);
    default: return img;
  }
}

function orientedSize(w: number, h: number, orientation: number | null | undefined): { width: number; height: number } {
  return orientation !== undefined && orientation !== null && orientation >= 5 && orientation <= 8
    ? { width: h, height: w }
    : { width: w, height: h };
}

/** The one decode: oriented, sRGB, shrunk on load to fit the preview size, 8-bit raw pixels. */
async function decodeToPreviewPixels(
  source: Buffer | { data: Buffer; width: number; height: number; channels: 1 | 2 | 3 | 4 },
  orientation: 'auto' | number | null,
  size: number,
): Promise<RawImage> {
  let img =
    Buffer.isBuffer(source)
      ? sharp(source, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', sequentialRead: true })
      : sharp(source.data, {
          raw: { width: source.width, height: source.height, channels: source.channels },
          limitInputPixels: MAX_INPUT_PIXELS,
        });
  img = orientation === 'auto' ? img.rotate() : applyOrientation(img, orientation);
  return toRawImage(
    img
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb'),
  );
}

async function headerOf(bytes: Buffer): Promise<sharp.Metadata> {
  return sharp(bytes, { limitInputPixels: false, failOn: 'none' }).metadata();
}

function checkPixels(w: number | undefined, h: number | undefined): void {
  if (w && h && w * h > MAX_INPUT_PIXELS) throw tooLarge(w, h);
}

/** Default decode path (JPEG, PNG, WebP, AVIF, TIFF, GIF…): header check, then one decode. */
async function decodeWithSharp(bytes: Buffer, format: string, signal: AbortSignal | undefined, size: number, header?: sharp.Metadata): Promise<Decoded> {
  const meta = header ?? (await decodeStep(() => headerOf(bytes), format));
  checkPixels(meta.width, meta.height);
  checkAborted(signal, 'decoding');
  const raw = await decodeStep(() => decodeToPreviewPixels(bytes, 'auto', size), format);
  return { raw, ...orientedSize(meta.width ?? raw.width, meta.height ?? raw.height, meta.orientation) };
}

/** Large thumbnails, biggest class first: the first usable one is the working image. */
const LARGE_THUMBNAIL_TYPES: readonly number[] = [MP_TYPE.largeThumbnail4k, MP_TYPE.largeThumbnailFullHd, MP_TYPE.largeThumbnailVga];
/** How far a large thumbnail's aspect ratio may differ from the primary's (cameras round to 8 or 16 px). */
const ASPECT_TOLERANCE = 0.01;

/**
 * The camera's large thumbnail (MPF) of a JPEG, when it can stand in for the primary: at least `size`
 * on its long side (the working image is then the same size either way), the primary's shape within
 * 1 % (a 16:9 thumbnail with bars is not the photo), and a JPEG header that parses. null otherwise.
 */
async function usableEmbeddedPreview(bytes: Buffer, primary: sharp.Metadata, size: number): Promise<Buffer | null> {
  if (!primary.width || !primary.height) return null;
  const candidates = readMpfImages(bytes)
    .filter((image) => LARGE_THUMBNAIL_TYPES.includes(image.type))
    .sort((a, b) => LARGE_THUMBNAIL_TYPES.indexOf(a.type) - LARGE_THUMBNAIL_TYPES.indexOf(b.type));
  for (const candidate of candidates) {
    let meta: sharp.Metadata;
    try {
      meta = await headerOf(candidate.bytes);
    } catch {
      continue;
    }
    if (meta.format !== 'jpeg' || !meta.width || !meta.height) continue;
    if (Math.max(meta.width, meta.height) < size) continue;
    const aspect = meta.width / meta.height;
    const primaryAspect = primary.width / primary.height;
    if (Math.abs(aspect - primaryAspect) / primaryAspect > ASPECT_TOLERANCE) continue;
    return candidate.bytes;
  }
  return null;
}

/**
 * JPEG: the camera's large thumbnail when one is usable (issue 19: decoding a 1,616 px thumbnail costs
 * ~a tenth of shrinking a 24 MP primary on load), else the primary. The thumbnail is stored in the
 * primary's sensor orientation, so the primary's EXIF orientation applies to it; the photo's size is
 * the primary's. A thumbnail that fails to decode falls back to the primary, which then decides.
 * What this does not see: damage inside the primary's scan data (as with a RAW's sensor data).
 */
async function decodeJpeg(bytes: Buffer, signal: AbortSignal | undefined, size: number, embeddedPreview: boolean): Promise<Decoded> {
  const meta = await decodeStep(() => headerOf(bytes), 'jpeg');
  checkPixels(meta.width, meta.height);
  const preview = embeddedPreview ? await usableEmbeddedPreview(bytes, meta, size) : null;
  if (preview) {
    checkAborted(signal, 'decoding the embedded preview');
    try {
      const raw = await decodeToPreviewPixels(preview, meta.orientation ?? null, size);
      return { raw, ...orientedSize(meta.width!, meta.height!, meta.orientation) };
    } catch {
      // A damaged thumbnail: the primary is the photo.
    }
  }
  return decodeWithSharp(bytes, 'jpeg', signal, size, meta);
}

export type HeicDecode = ((opts: { buffer: Uint8Array }) => Promise<{ width: number; height: number; data: Uint8ClampedArray }>) & {
  all: (opts: { buffer: Uint8Array }) => Promise<
    Array<{ width: number; height: number; decode: () => Promise<{ width: number; height: number; data: Uint8ClampedArray }> }> & {
      dispose: () => void;
    }
  >;
};

let heicDecodePromise: Promise<HeicDecode> | null = null;
export function loadHeicDecode(): Promise<HeicDecode> {
  // heic-decode ships no types; a non-literal specifier keeps tsc from asking for them.
  const specifier: string = 'heic-decode';
  heicDecodePromise ??= import(specifier).then((m: { default: HeicDecode }) => m.default);
  return heicDecodePromise;
}

/**
 * HEIF/HEIC: sharp's prebuilt libvips has no HEVC decoder. Try it (AVIF-coded HEIF works), then
 * decode with libheif (wasm) to RGBA and shrink those pixels. libheif applies the HEIF rotation and
 * mirror boxes itself, so no EXIF orientation is applied on top.
 */
async function decodeHeif(bytes: Buffer, signal: AbortSignal | undefined, size: number): Promise<Decoded> {
  let sharpWords = '';
  let declared: sharp.Metadata | null = null;
  try {
    declared = await headerOf(bytes);
  } catch {
    declared = null;
  }
  checkPixels(declared?.width, declared?.height);
  try {
    return await decodeWithSharp(bytes, 'heif', signal, size);
  } catch (err) {
    if (err instanceof ShoeboxError && (err.code === 'too-large' || err.code === 'stage-timeout')) throw err;
    sharpWords = err instanceof Error ? err.message : String(err);
  }
  checkAborted(signal, 'decoding HEIF with libheif');
  let images: Awaited<ReturnType<HeicDecode['all']>> | null = null;
  try {
    const heicDecode = await loadHeicDecode();
    images = await heicDecode.all({ buffer: bytes });
    const first = images[0];
    if (!first) throw new Error('HEIF image not found');
    checkPixels(first.width, first.height);
    const pixels = await first.decode();
    const data = Buffer.from(pixels.data.buffer, pixels.data.byteOffset, pixels.data.byteLength);
    const raw = await decodeToPreviewPixels({ data, width: pixels.width, height: pixels.height, channels: 4 }, null, size);
    return { raw, width: pixels.width, height: pixels.height };
  } catch (err) {
    if (err instanceof ShoeboxError) throw err;
    const heifWords = err instanceof Error ? err.message : String(err);
    throw new ShoeboxError(
      'unsupported-format',
      `HEIF/HEIC image could not be decoded (libvips: ${vipsWording(sharpWords)}; libheif: ${heifWords})`,
      { cause: err },
    );
  } finally {
    try {
      images?.dispose();
    } catch {
      // already freed
    }
  }
}

/** The long side below which a RAW's readable image is only a placeholder, not a preview. */
const MIN_RAW_PREVIEW_SIDE = 256;

/**
 * Camera RAW: libvips reads at best the small IFD0 thumbnail of TIFF-based RAWs, so the largest
 * embedded JPEG preview is used when it is bigger than what sharp can decode; sharp is used when it
 * gives the larger image (or there is no preview).
 */
async function decodeRaw(bytes: Buffer, format: string, signal: AbortSignal | undefined, size: number): Promise<Decoded> {
  const tiff = walkTiff(bytes);
  let sensor: { width: number; height: number } | null = null;
  for (const img of tiff?.images ?? []) {
    if (img.width && img.height && (!sensor || img.width * img.height > sensor.width * sensor.height)) {
      sensor = { width: img.width, height: img.height };
    }
  }
  if (sensor) checkPixels(sensor.width, sensor.height);

  const previews = findEmbeddedJpegs(bytes);
  try {
    const thumb = await exifr.thumbnail(bytes);
    if (thumb && thumb.length > 0) previews.push(Buffer.from(thumb));
  } catch {
    // no IFD1 thumbnail
  }
  let best: { bytes: Buffer; meta: sharp.Metadata } | null = null;
  for (const p of previews) {
    try {
      const meta = await headerOf(p);
      if (meta.format !== 'jpeg' || !meta.width || !meta.height) continue;
      if (!best || meta.width * meta.height > (best.meta.width ?? 0) * (best.meta.height ?? 0)) best = { bytes: p, meta };
    } catch {
      // not a decodable JPEG (lossless sensor data, damaged block)
    }
  }

  let sharpMeta: sharp.Metadata | null = null;
  try {
    sharpMeta = await headerOf(bytes);
  } catch {
    sharpMeta = null;
  }
  const sharpPx = (sharpMeta?.width ?? 0) * (sharpMeta?.height ?? 0);
  const previewPx = (best?.meta.width ?? 0) * (best?.meta.height ?? 0);
  // A RAW whose largest readable image is smaller than the thumbnail (typically IFD0's 160 × 120 or
  // 16 × 12 placeholder) has no usable preview: a stamp-sized grey picture is not a photo's analysis.
  const largestSide = Math.max(sharpMeta?.width ?? 0, sharpMeta?.height ?? 0, best?.meta.width ?? 0, best?.meta.height ?? 0);
  if (largestSide > 0 && largestSide < MIN_RAW_PREVIEW_SIDE) {
    throw new ShoeboxError(
      'unsupported-format',
      `${format} RAW file without a usable embedded preview (its largest readable image is ${largestSide} px on its long side)`,
    );
  }
  let sharpError: unknown = null;
  if (sharpMeta && sharpPx >= previewPx) {
    try {
      const decoded = await decodeWithSharp(bytes, format, signal, size);
      if (sensor && tiff) return { raw: decoded.raw, ...orientedSize(sensor.width, sensor.height, tiff.orientation) };
      return decoded;
    } catch (err) {
      if (err instanceof ShoeboxError && (err.code === 'too-large' || err.code === 'stage-timeout')) throw err;
      sharpError = err;
    }
  }
  for (const candidate of best ? [best] : []) {
    checkAborted(signal, 'decoding the RAW preview');
    try {
      checkPixels(candidate.meta.width, candidate.meta.height);
      // The preview is stored unrotated; the RAW's own IFD0 orientation applies to it.
      const orientation = tiff?.orientation ?? candidate.meta.orientation ?? null;
      const raw = await decodeToPreviewPixels(candidate.bytes, orientation, size);
      const full = sensor ?? { width: candidate.meta.width!, height: candidate.meta.height! };
      return { raw, ...orientedSize(full.width, full.height, orientation) };
    } catch (err) {
      if (err instanceof ShoeboxError) throw err;
      sharpError ??= err;
    }
  }
  const why = sharpError ? ` (${vipsWording(sharpError)})` : '';
  throw new ShoeboxError('unsupported-format', `${format} RAW file without a usable embedded preview${why}`);
}

async function toRawImage(img: sharp.Sharp): Promise<RawImage> {
  const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

/** 64-bit difference hash: 9×8 greyscale, each bit = left pixel brighter than its right neighbour. */
async function differenceHash(raw: RawImage): Promise<string> {
  const grey = await sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } })
    .greyscale()
    .resize(9, 8, { fit: 'fill', kernel: 'lanczos3' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const { data, info } = grey;
  const ch = info.channels;
  let hash = 0n;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const left = data[(y * 9 + x) * ch]!;
      const right = data[(y * 9 + x + 1) * ch]!;
      hash = (hash << 1n) | (left > right ? 1n : 0n);
    }
  }
  return hash.toString(16).padStart(16, '0');
}

async function exists(file: string): Promise<boolean> {
  try {
    const s = await stat(file);
    return s.isFile() && s.size > 0;
  } catch {
    return false;
  }
}

/** Writes via a temp file in the same folder and a rename, so readers never see half a file. */
async function writeAtomic(file: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw new ShoeboxError('internal', `could not write ${file}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
}

/**
 * Decodes a photo once (shrink-on-load to ≤ PREVIEW_SIZE, oriented, sRGB) and derives from those pixels
 * the preview JPEG, the 256 px thumbnail and the dHash. Derivatives are content-addressed in the
 * cache folder and reused when already there.
 */
export async function preprocess(input: PreprocessInput): Promise<PhotoDerivatives> {
  try {
    return await decodeGate.shared(() => preprocessOnce(input));
  } catch (err) {
    if (!(err instanceof VipsWordsLost)) throw err;
    return decodeGate.alone(() => preprocessOnce(input));
  }
}

async function preprocessOnce(input: PreprocessInput): Promise<PhotoDerivatives> {
  const { bytes, cacheDir, signal } = input;
  const contentHash = input.contentHash.toLowerCase();
  if (!HASH_RE.test(contentHash)) {
    throw new ShoeboxError('internal', `content hash must be 40 hex digits (sha1), got ${JSON.stringify(input.contentHash)}`);
  }
  checkAborted(signal, 'format detection');
  if (bytes.length === 0) throw new ShoeboxError('empty-file', 'file is empty (0 bytes)');

  const format = await detectImageFormat(bytes);
  if (!format) throw new ShoeboxError('unsupported-format', await describeNonImage(bytes));
  checkAborted(signal, 'decoding');

  const size = input.previewSize ?? runtimeSettings().previewSize;
  let decoded: Decoded;
  if (format === 'heif') decoded = await decodeHeif(bytes, signal, size);
  else if (isRawFormat(format)) decoded = await decodeRaw(bytes, format, signal, size);
  else if (format === 'jpeg') decoded = await decodeJpeg(bytes, signal, size, input.embeddedPreview ?? runtimeSettings().embeddedPreview);
  else decoded = await decodeWithSharp(bytes, format, signal, size);
  const rotation = input.rotation ?? 0;
  decoded = await applyCorrection(decoded, rotation);
  const { raw } = decoded;
  const rawOpts = { raw: { width: raw.width, height: raw.height, channels: raw.channels } };

  checkAborted(signal, 'writing the preview');
  const thumbnailPath = thumbnailRelPath(contentHash, rotation);
  const previewPath = previewRelPath(contentHash, rotation);
  const previewAbs = path.join(cacheDir, previewPath);
  const thumbAbs = path.join(cacheDir, thumbnailPath);

  if (!(await exists(previewAbs))) {
    const jpeg = await sharp(raw.data, rawOpts).jpeg({ quality: PREVIEW_QUALITY }).toBuffer();
    await writeAtomic(previewAbs, jpeg);
  }
  checkAborted(signal, 'writing the thumbnail');
  // The thumbnail's pixels also give the dHash: 256 px → 9×8 is as good as 1600 px → 9×8 and
  // costs a tenth of the greyscale pass over the preview.
  const thumb = await toRawImage(
    sharp(raw.data, rawOpts).resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true }),
  );
  if (!(await exists(thumbAbs))) {
    const jpeg = await sharp(thumb.data, { raw: { width: thumb.width, height: thumb.height, channels: thumb.channels } })
      .jpeg({ quality: THUMBNAIL_QUALITY })
      .toBuffer();
    await writeAtomic(thumbAbs, jpeg);
  }
  checkAborted(signal, 'hashing');
  const dhash = await differenceHash(thumb);

  return { thumbnailPath, previewPath, width: decoded.width, height: decoded.height, dhash, format };
}
