/**
 * Renders one export: the ORIGINAL (see export-source.ts), upright, resized to a long edge and/or a
 * megapixel cap, the preset's renderable crs: adjustments applied (adjustments.ts), encoded as JPEG,
 * WebP or AVIF with an embedded sRGB or Display P3 profile, then its metadata written (export-metadata.ts).
 * Writes only the file it is given (the caller's temp file; the caller renames it into place).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { ShoeboxError } from '../../src-shared/errors.js';
import type { CrsSettings } from '../../src-shared/presets.js';
import { adjustmentsFromCrs, applyPixelPass, chromaMatrix, pixelPassIsNeutral, toneIsNeutral, type RenderedAdjustments } from './adjustments.js';
import { mapDecodeError } from '../stages/preprocess.js';
import { openExportSource, type ExportSource } from './export-source.js';
import { writeExportMetadata } from './export-metadata.js';
import { EXPORT_EXTENSIONS, EXPORT_FORMATS, renderOptionsSchema, type ExportFormat, type RenderOptions } from '../../src-shared/exports.js';

import type { Rotation } from '../../src-shared/orientation.js';

export { EXPORT_EXTENSIONS, EXPORT_FORMATS, renderOptionsSchema, type ExportFormat, type RenderOptions };

export interface RenderInput {
  originalPath: string;
  /** The preset's settings ({} for none). */
  settings: CrsSettings;
  options: RenderOptions;
  keywords: string[];
  rating: number | null;
  /** A person's rotation correction of the photo (issue 17); 0 or absent when none. */
  rotation?: Rotation;
}

export interface RenderResult {
  width: number;
  height: number;
  bytes: number;
}

/** The size an image of w × h gets under the options (never enlarged; aspect kept). */
export function targetSize(w: number, h: number, options: Pick<RenderOptions, 'longEdge' | 'maxMegapixels'>): { width: number; height: number } {
  let scale = 1;
  if (options.longEdge !== null) scale = Math.min(scale, options.longEdge / Math.max(w, h));
  if (options.maxMegapixels !== null) scale = Math.min(scale, Math.sqrt((options.maxMegapixels * 1e6) / (w * h)));
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

async function readOriginal(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ShoeboxError('missing-file', `the original is gone: ${file}`);
    if (code === 'EACCES' || code === 'EPERM') throw new ShoeboxError('permission-denied', `the original cannot be read (permission denied): ${file}`);
    if (code === 'EISDIR') throw new ShoeboxError('unsupported-format', `the original is a folder, not a photo: ${file}`);
    throw new ShoeboxError('internal', `could not read the original ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

async function materialise(img: sharp.Sharp): Promise<{ data: Buffer; info: sharp.OutputInfo }> {
  return img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
}

function fromRaw(data: Buffer, info: sharp.OutputInfo): sharp.Sharp {
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } });
}

/** The encoder; withIccProfile converts from the original's own profile when it was deferred (export-source.ts), else from sRGB. */
function encode(img: sharp.Sharp, options: RenderOptions): sharp.Sharp {
  const withProfile = img.withIccProfile(options.colorSpace === 'p3' ? 'p3' : 'srgb');
  switch (options.format) {
    case 'jpeg': return withProfile.flatten({ background: '#ffffff' }).jpeg({ quality: options.quality, chromaSubsampling: options.quality >= 90 ? '4:4:4' : '4:2:0' });
    case 'webp': return withProfile.webp({ quality: options.quality });
    case 'avif': return withProfile.avif({ quality: options.quality });
  }
}

function isWriteError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

/** The chroma matrix, natively; +0.5 so that the cast back to 8 bits rounds like the JS pass instead of truncating. */
function withChroma(img: sharp.Sharp, matrix: NonNullable<ReturnType<typeof chromaMatrix>>): sharp.Sharp {
  return img.recomb(matrix).linear(1, 0.5);
}

/**
 * The resized pipeline with the preset's renderable adjustments applied. What libvips can do natively it
 * does: saturation and grayscale as one 3×3 matrix (recomb), sharpening and clarity as unsharp masks.
 * Exposure, white balance and the tone curve are 8-bit tables applied in JS over the resized pixels
 * (sharp has no lookup-table operation); vibrance, which scales each pixel by its own saturation, joins
 * that JS pass.
 */
async function adjusted(source: ExportSource, size: { width: number; height: number }, adjustments: RenderedAdjustments): Promise<sharp.Sharp> {
  // Resize first (cheap), 8 bits per channel.
  let img = source.image.resize(size.width, size.height, { fit: 'inside' }).toColourspace('srgb');
  const matrix = chromaMatrix(adjustments);
  const jsChroma = matrix === null && !pixelPassIsNeutral(adjustments) && (adjustments.vibrance !== 0 || adjustments.saturation !== 0 || adjustments.grayscale);
  const jsPass = !toneIsNeutral(adjustments) || jsChroma;
  if (jsPass || adjustments.clarity > 0) {
    // The pixel pass works in sRGB: a profile not yet applied (export-source.ts) is applied here, on the
    // resized pixels; raw pixels carry no profile, so the encoder then converts from sRGB.
    const { data, info } = await materialise(source.profileDeferred ? img.withIccProfile('srgb', { attach: false }) : img);
    if (jsPass) applyPixelPass(data, info.channels, adjustments, jsChroma);
    img = fromRaw(data, info);
    if (matrix) img = withChroma(img, matrix);
    if (adjustments.clarity > 0) {
      // Local contrast: a wide, weak unsharp mask (sharp keeps one sharpen per pipeline, hence its own pass).
      const amount = adjustments.clarity / 100;
      const wide = await materialise(img.sharpen({ sigma: Math.max(info.width, info.height) / 150, m1: amount, m2: amount }));
      img = fromRaw(wide.data, wide.info);
    }
  } else if (matrix) {
    img = withChroma(img, matrix);
  }
  if (adjustments.sharpness > 0) {
    img = img.sharpen({ sigma: adjustments.sharpenRadius, m1: 0, m2: adjustments.sharpness / 50 });
  }
  return img;
}

/**
 * Renders `input` into `outFile` (overwritten). `beforeMetadata` is awaited between the pixels and the
 * metadata write (the worker yields there to a person's request, see bulk-hold.ts).
 */
export async function renderExport(input: RenderInput, outFile: string, beforeMetadata?: () => Promise<void>): Promise<RenderResult> {
  const options = renderOptionsSchema.parse(input.options);
  const source = await openExportSource(await readOriginal(input.originalPath), input.rotation ?? 0);
  const size = targetSize(source.width, source.height, options);
  const adjustments = adjustmentsFromCrs(input.settings);

  let info: sharp.OutputInfo;
  try {
    const out = await encode(await adjusted(source, size, adjustments), options).toBuffer({ resolveWithObject: true });
    info = out.info;
    await writeFile(outFile, out.data);
  } catch (err) {
    if (isWriteError(err) || err instanceof ShoeboxError) throw err;
    // Most damage shows only when the pixels are decoded: say so in the decoder's words.
    throw mapDecodeError(err, source.format);
  }
  if (options.metadata !== 'none') await beforeMetadata?.();
  await writeExportMetadata(outFile, input.originalPath, {
    mode: options.metadata,
    keywords: input.keywords,
    rating: input.rating,
    width: info.width,
    height: info.height,
  });
  return { width: info.width, height: info.height, bytes: (await stat(outFile)).size };
}
