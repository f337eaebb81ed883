/**
 * The metadata stage: exifr reads the file's bytes (and its XMP sidecar); exiftool reads the file too,
 * only where exifr found no capture date, no camera, or does not know the format (issue 14). The pieces
 * live in src-worker/metadata/: capture-date precedence, lens, GPS, XMP fields, the two readers.
 */
import fs from 'node:fs/promises';
import sharp from 'sharp';
import type { FullMetadata, SidecarStat } from '../../src-shared/photo.js';
import { statSidecar } from '../../src-core/files/xmp-sidecar.js';
import { chooseCaptureDate, hasCaptureDate, type DateCandidate } from '../metadata/capture-date.js';
import { formatDate, formatFileTime, formatIptcDate } from '../metadata/dates.js';
import { readWithExifr, readXmpSidecar, type Parsed } from '../metadata/exifr-reader.js';
import { fieldsFromExiftool } from '../metadata/from-exiftool.js';
import type { ExiftoolReader } from '../metadata/exiftool-process.js';
import { readExifGps } from '../metadata/gps.js';
import { chooseLens } from '../metadata/lens.js';
import { lensFromMakerNote } from '../metadata/maker-notes.js';
import { exiftoolMayAddToJpeg } from '../metadata/jpeg-segments.js';
import { block, cleanString, errorText, num, positive, round, stringList } from '../metadata/values.js';
import { pickXmp, readXmpFields, xmpBasic, type XmpFields } from '../metadata/xmp-fields.js';

export { cleanString } from '../metadata/values.js';
export { formatDate } from '../metadata/dates.js';

export interface MetadataSource {
  /** The photo's path: needed for its sidecar and for exiftool (which reads files, not bytes). */
  path?: string;
  /** The file's modification time: the capture date of last resort. */
  mtimeMs?: number;
}

export interface MetadataOptions {
  /** The second reader; null (or no path) = exifr only. */
  exiftool?: ExiftoolReader | null;
}

export interface MetadataReading {
  metadata: FullMetadata;
  /** Damaged metadata, an unreadable sidecar, exiftool missing…: said in the photo's stage note. */
  warning: string | null;
  /** Whether exiftool read this file. */
  usedExiftool: boolean;
}

/** Pixel size as stored (before orientation) from the file's header, without decoding. */
async function headerSize(bytes: Buffer): Promise<{ width: number; height: number; format: string } | null> {
  try {
    const m = await sharp(bytes, { failOn: 'none', limitInputPixels: false }).metadata();
    return m.width && m.height ? { width: m.width, height: m.height, format: m.format ?? '' } : null;
  } catch {
    return null;
  }
}

/**
 * Pixel size as stored: the codec header is authoritative for JPEG/PNG/WebP/TIFF/GIF (EXIF sizes go
 * stale when a picture is edited); HEIF headers report the rotated size, so EXIF comes first there.
 */
async function storedSize(bytes: Buffer, exif: Record<string, unknown>, ifd0: Record<string, unknown>): Promise<{ width: number | null; height: number | null }> {
  const header = await headerSize(bytes);
  const exifW = positive(exif.ExifImageWidth ?? exif.PixelXDimension ?? ifd0.ImageWidth);
  const exifH = positive(exif.ExifImageHeight ?? exif.PixelYDimension ?? ifd0.ImageHeight ?? ifd0.ImageLength);
  if (header && header.format !== 'heif') return { width: header.width, height: header.height };
  if (exifW !== null && exifH !== null) return { width: Math.round(exifW), height: Math.round(exifH) };
  return { width: header?.width ?? null, height: header?.height ?? null };
}

/** XMP date candidates of one XMP source (a sidecar, or the file's embedded packet). */
function xmpDates(ns: Parsed, where: string): DateCandidate[] {
  const exifNs = block(ns, 'exif');
  const basic = xmpBasic(ns);
  return [
    { kind: 'xmp-original', source: `XMP${where} exif:DateTimeOriginal`, value: formatDate(exifNs.DateTimeOriginal) },
    { kind: 'xmp-original', source: `XMP${where} photoshop:DateCreated`, value: formatDate(block(ns, 'photoshop').DateCreated) },
    { kind: 'xmp-created', source: `XMP${where} xmp:CreateDate`, value: formatDate(basic.CreateDate) },
    { kind: 'xmp-modified', source: `XMP${where} xmp:ModifyDate`, value: formatDate(basic.ModifyDate) },
  ];
}

async function readSidecar(path: string | undefined, warnings: string[]): Promise<{ stat: SidecarStat | null; ns: Parsed }> {
  if (!path) return { stat: null, ns: {} };
  const stat = await statSidecar(path);
  if (!stat) return { stat: null, ns: {} };
  try {
    return { stat, ns: await readXmpSidecar(await fs.readFile(stat.path)) };
  } catch (err) {
    warnings.push(`XMP sidecar ${stat.path} unreadable: ${errorText(err)}`);
    return { stat, ns: {} };
  }
}

/**
 * Reads a photo's metadata: EXIF / GPS / XMP / IPTC from its bytes (JPEG, TIFF, HEIC/AVIF, PNG, WebP),
 * its XMP sidecar, and exiftool where exifr falls short. Never throws for damaged metadata: it returns
 * what it could read and says why in `warning`.
 */
export async function readMetadata(bytes: Buffer, source: MetadataSource = {}, options: MetadataOptions = {}): Promise<MetadataReading> {
  const { parsed, formatKnown, warnings } = await readWithExifr(bytes);
  const sidecar = await readSidecar(source.path, warnings);

  const ifd0 = block(parsed, 'ifd0');
  const exif = block(parsed, 'exif');
  const iptc = block(parsed, 'iptc');
  const tiffXmp = { ...block(parsed, 'tiff'), ...block(sidecar.ns, 'tiff') };
  // The sidecar is where an app writes a person's edits: its fields come before the embedded XMP's.
  const fromSidecar = readXmpFields(sidecar.ns);
  const embedded = readXmpFields(parsed ?? {});
  const xmp = <K extends keyof XmpFields>(key: K): XmpFields[K] => pickXmp(key, fromSidecar, embedded);

  const dates: DateCandidate[] = [
    { kind: 'exif-original', source: 'EXIF DateTimeOriginal', value: formatDate(exif.DateTimeOriginal, exif.OffsetTimeOriginal, exif.SubSecTimeOriginal) },
    ...xmpDates(sidecar.ns, ' sidecar'),
    ...xmpDates(parsed ?? {}, ''),
    { kind: 'iptc-created', source: 'IPTC DateCreated', value: formatIptcDate(iptc.DateCreated, iptc.TimeCreated) },
    { kind: 'exif-digitized', source: 'EXIF CreateDate', value: formatDate(exif.CreateDate ?? exif.DateTimeDigitized, exif.OffsetTimeDigitized, exif.SubSecTimeDigitized) },
    { kind: 'exif-modified', source: 'EXIF ModifyDate', value: formatDate(ifd0.ModifyDate ?? ifd0.DateTime, exif.OffsetTime, exif.SubSecTime) },
  ];

  // The file's own orientation only: it is what the decoder turns the pixels by. A sidecar's
  // tiff:Orientation is a correction (Shoebox's own included, issue 17), composed on top of this one.
  let orientation = num(ifd0.Orientation ?? block(parsed, 'tiff').Orientation);
  if (orientation !== null && (!Number.isInteger(orientation) || orientation < 1 || orientation > 8)) orientation = null;
  const iso = positive(exif.ISO ?? exif.PhotographicSensitivity ?? exif.ISOSpeedRatings ?? exif.ISOSpeed);
  let fNumber = positive(exif.FNumber);
  if (fNumber === null) {
    const av = num(exif.ApertureValue);
    if (av !== null && av > 0 && av < 32) fNumber = round(2 ** (av / 2), 1);
  }
  const rating = xmp('rating');
  // Flat keywords: the sidecar's when it has any, else the embedded XMP's and IPTC's together.
  const keywords = fromSidecar.keywords.length > 0 ? fromSidecar.keywords : [...new Set([...embedded.keywords, ...stringList(iptc.Keywords)])];

  const { width, height } = await storedSize(bytes, exif, ifd0);

  const lensSources = { exif, exifEX: { ...block(parsed, 'exifEX'), ...block(sidecar.ns, 'exifEX') }, aux: { ...block(parsed, 'aux'), ...block(sidecar.ns, 'aux') } };
  let lens = chooseLens(lensSources);
  if (lens === null && parsed?.makerNote) {
    const maker = await lensFromMakerNote(parsed.makerNote);
    if (maker) lens = chooseLens({ ...lensSources, makerName: maker.name, makerSpec: maker.spec });
  }

  const metadata: FullMetadata = {
    takenAt: null,
    make: cleanString(ifd0.Make ?? tiffXmp.Make),
    model: cleanString(ifd0.Model ?? tiffXmp.Model),
    lens,
    orientation,
    width,
    height,
    iso: iso !== null ? Math.round(iso) : null,
    exposureTime: positive(exif.ExposureTime),
    fNumber,
    focalLength: positive(exif.FocalLength),
    gps: readExifGps(block(parsed, 'gps')) ?? xmp('gps'),
    rating,
    keywords,
    takenAtSource: null,
    takenAtUncertain: false,
    label: xmp('label'),
    pick: xmp('pick'),
    title: xmp('title'),
    description: xmp('description'),
    hierarchicalKeywords: xmp('hierarchicalKeywords'),
    regions: xmp('regions'),
    sidecar: sidecar.stat,
    reader: 'exifr',
    readerNote: null,
  };

  // The second reader, only where the first falls short and the file holds something exifr does not read.
  let usedExiftool = false;
  const exifrDate = chooseCaptureDate(dates);
  const shortfalls = [
    !formatKnown && 'exifr does not know the format',
    !hasCaptureDate(exifrDate) && 'no capture date',
    metadata.make === null && metadata.model === null && 'no camera',
  ].filter((x): x is string => typeof x === 'string');
  if (shortfalls.length > 0 && source.path && options.exiftool && exiftoolMayAddToJpeg(bytes, Boolean(parsed?.makerNote))) {
    const reading = await options.exiftool.read(source.path);
    if (reading.ok) {
      usedExiftool = true;
      const et = fieldsFromExiftool(reading.tags);
      dates.push(...et.dates);
      metadata.reader = 'exifr+exiftool';
      metadata.readerNote = `exiftool read it too: ${shortfalls.join(', ')}`;
      fillMissing(metadata, et);
    } else {
      metadata.readerNote = `${shortfalls.join(', ')}; ${reading.reason}`;
      warnings.push(reading.reason);
    }
  }
  if (source.mtimeMs !== undefined && Number.isFinite(source.mtimeMs)) {
    dates.push({ kind: 'file-time', source: 'File modification time', value: formatFileTime(source.mtimeMs) });
  }
  const date = chooseCaptureDate(dates);
  metadata.takenAt = date.takenAt;
  metadata.takenAtSource = date.takenAtSource;
  metadata.takenAtUncertain = date.takenAtUncertain;
  return { metadata, warning: warnings.length > 0 ? warnings.join('; ') : null, usedExiftool };
}

/** Fields exifr left empty, from exiftool's reading. */
function fillMissing(m: FullMetadata, et: ReturnType<typeof fieldsFromExiftool>): void {
  m.make ??= et.make;
  m.model ??= et.model;
  m.lens ??= et.lens;
  m.orientation ??= et.orientation;
  m.iso ??= et.iso;
  m.exposureTime ??= et.exposureTime;
  m.fNumber ??= et.fNumber;
  m.focalLength ??= et.focalLength;
  m.gps ??= et.gps;
}
