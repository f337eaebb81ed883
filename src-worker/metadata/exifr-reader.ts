/** The first reader: exifr over the file's bytes (EXIF, GPS, XMP, IPTC), and over XMP sidecars. */
import exifr from 'exifr';
import { errorText } from './values.js';
import { decodeXmpEntities } from './xml-entities.js';

/**
 * exifr options. Values stay raw (reviveValues: false) so dates come as the recorded strings and
 * exifr's Date revival cannot turn "0000:00:00 00:00:00" into 1899-11-30; translateValues: false keeps
 * enumerations (orientation) as numbers. mergeOutput: false keeps IFD0 / EXIF / GPS / XMP namespaces /
 * IPTC apart so that an IFD0 tag and an EXIF tag with the same name cannot overwrite each other.
 */
const EXIFR_OPTIONS = {
  tiff: true,
  ifd0: {},
  exif: true,
  gps: true,
  interop: false,
  ifd1: false,
  xmp: true,
  iptc: true,
  icc: false,
  jfif: false,
  ihdr: false,
  // Raw bytes only (exifr does not parse them): Nikon and Olympus lens names are read from them.
  makerNote: true,
  userComment: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  sanitize: true,
  mergeOutput: false,
  silentErrors: true,
} as const;

export type Parsed = Record<string, unknown> & { errors?: unknown[] };

export interface ExifrReading {
  parsed: Parsed | null;
  /** False when exifr does not know the file's format (nothing was parsed at all). */
  formatKnown: boolean;
  warnings: string[];
}

/** WebP keeps EXIF and XMP in RIFF chunks that exifr does not look at. */
function webpChunks(bytes: Buffer): { exif: Buffer | null; xmp: Buffer | null } | null {
  if (bytes.length < 12 || bytes.toString('latin1', 0, 4) !== 'RIFF' || bytes.toString('latin1', 8, 12) !== 'WEBP') return null;
  let exif: Buffer | null = null;
  let xmp: Buffer | null = null;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = bytes.toString('latin1', off, off + 4);
    const size = bytes.readUInt32LE(off + 4);
    const start = off + 8;
    const end = Math.min(start + size, bytes.length);
    if (id === 'EXIF') {
      let data = bytes.subarray(start, end);
      if (data.toString('latin1', 0, 6) === 'Exif\0\0') data = data.subarray(6);
      exif = data;
    } else if (id === 'XMP ') {
      xmp = bytes.subarray(start, end);
    }
    off = start + size + (size % 2);
  }
  return { exif, xmp };
}

/** Reads the metadata blocks of a photo's bytes; never throws (damage becomes a warning). */
export async function readWithExifr(bytes: Buffer): Promise<ExifrReading> {
  const warnings: string[] = [];
  let parsed: Parsed | null = null;
  let formatKnown = true;
  const webp = webpChunks(bytes);
  try {
    if (webp) {
      const parts: Parsed = {};
      if (webp.exif && webp.exif.length > 8) Object.assign(parts, (await exifr.parse(webp.exif, EXIFR_OPTIONS)) ?? {});
      if (webp.xmp && webp.xmp.length > 0) {
        const x = (await exifr.sidecar(webp.xmp, { ...EXIFR_OPTIONS, xmp: true }, 'xmp')) as Parsed | undefined;
        if (x) Object.assign(parts, x);
      }
      parsed = parts;
    } else {
      parsed = ((await exifr.parse(bytes, EXIFR_OPTIONS)) as Parsed | undefined) ?? null;
    }
  } catch (err) {
    const msg = errorText(err);
    if (/unknown file format|invalid input argument/i.test(msg)) formatKnown = false;
    else warnings.push(`EXIF segment unreadable: ${msg}`);
    parsed = null;
  }
  if (parsed?.errors && parsed.errors.length > 0) {
    const reasons = [...new Set(parsed.errors.map(errorText))];
    warnings.push(`EXIF segment unreadable: ${reasons.join('; ')}`);
  }
  return { parsed: parsed && decodeXmpEntities(parsed), formatKnown, warnings };
}

/** An XMP sidecar's namespaces (`{ xmp: {...}, dc: {...}, lr: {...}, … }`); throws when it is not XMP. */
export async function readXmpSidecar(xml: Buffer): Promise<Parsed> {
  const parsed = (await exifr.sidecar(xml, { ...EXIFR_OPTIONS, xmp: true }, 'xmp')) as Parsed | undefined;
  if (!parsed || typeof parsed !== 'object') throw new Error('no XMP packet found');
  return decodeXmpEntities(parsed);
}
