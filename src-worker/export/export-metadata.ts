/**
 * Writes an exported file's metadata with exiftool (one stay-open process per worker, started on first
 * use): copied from the original ('all' or 'without-gps'), never its orientation (the pixels are already
 * upright), its ICC profile (the export embeds its own) or its stale thumbnail; then the photo's keywords
 * (XMP dc:subject) and rating (XMP xmp:Rating). 'none' writes nothing at all.
 */
import { ExifTool } from 'exiftool-vendored';
import { ShoeboxError } from '../../src-shared/errors.js';

import type { MetadataMode } from '../../src-shared/exports.js';

export interface ExportMetadata {
  mode: MetadataMode;
  keywords: string[];
  /** 0…5, or null to leave the original's rating. */
  rating: number | null;
  width: number;
  height: number;
}

let tool: ExifTool | null = null;

function exiftool(): ExifTool {
  tool ??= new ExifTool({ maxProcs: 1, taskTimeoutMillis: 60_000 });
  return tool;
}

export async function closeExportExiftool(): Promise<void> {
  const t = tool;
  tool = null;
  await t?.end().catch(() => undefined);
}

/**
 * The file exiftool writes beside `file` before renaming it over `file` (its own naming). An exiftool
 * whose worker was killed can die mid-write and leave it; exiftool then refuses to write that file again
 * ("Temporary file already exists"), so the retried job removes it first.
 */
export function exiftoolTempOf(file: string): string {
  return `${file}_exiftool_tmp`;
}

/** exiftool's arguments for one export (pure; exported for tests). */
export function metadataArgs(originalPath: string, meta: ExportMetadata): string[] {
  const args = [
    '-overwrite_original', '-TagsFromFile', originalPath, '-all:all', '-unsafe',
    '--Orientation', '--ICC_Profile:all', '--IFD1:all', '--ThumbnailImage', '--PreviewImage',
  ];
  if (meta.mode === 'without-gps') args.push('--GPS:all', '--XMP-exif:GPS*', '--Composite:GPS*');
  args.push(`-ExifIFD:ExifImageWidth=${meta.width}`, `-ExifIFD:ExifImageHeight=${meta.height}`);
  if (meta.keywords.length > 0) {
    // The first `=` replaces what was copied, the following ones add to the list.
    args.push('-XMP-dc:Subject=', ...meta.keywords.map((k) => `-XMP-dc:Subject+=${k}`));
  }
  if (meta.rating !== null) args.push(`-XMP-xmp:Rating=${meta.rating}`);
  if (meta.mode === 'without-gps') args.push('-GPS:all=', '-XMP-exif:GPS*=');
  return args;
}

/** Writes the chosen metadata into `file` (the export's temp file) in place. */
export async function writeExportMetadata(file: string, originalPath: string, meta: ExportMetadata): Promise<void> {
  if (meta.mode === 'none') return;
  try {
    await exiftool().write(file, {}, { writeArgs: metadataArgs(originalPath, meta) });
  } catch (err) {
    const words = err instanceof Error ? err.message.split('\n')[0] : String(err);
    // A warning about the original's own metadata must not fail an export; real write errors do.
    if (/^Warning:/i.test(words ?? '')) return;
    throw new ShoeboxError('internal', `could not write the export's metadata: ${words}`, { cause: err });
  }
}
