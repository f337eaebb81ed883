import exifr from 'exifr';
import sharp from 'sharp';
import type { GpsPosition, PhotoMetadata } from '../../src-shared/photo.js';

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
  makerNote: false,
  userComment: false,
  translateKeys: true,
  translateValues: false,
  reviveValues: false,
  sanitize: true,
  mergeOutput: false,
  silentErrors: true,
} as const;

type Block = Record<string, unknown>;
type Parsed = Record<string, unknown> & { errors?: unknown[] };

function block(parsed: Parsed | null, key: string): Block {
  const b = parsed?.[key];
  return b && typeof b === 'object' && !Array.isArray(b) && !(b instanceof Uint8Array) ? (b as Block) : {};
}

/** A string as recorded: cut at the first NUL, trimmed, empty → null. Accepts byte arrays too. */
export function cleanString(value: unknown): string | null {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value instanceof Uint8Array) s = Buffer.from(value).toString('latin1');
  else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
  else if (value && typeof value === 'object' && 'value' in value) return cleanString((value as { value: unknown }).value);
  else return null;
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  s = s.trim();
  return s.length > 0 ? s : null;
}

/** A finite number from a number, a "1/250"-style rational string, a decimal string or a one-item array. */
function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value) || value instanceof Uint8Array || value instanceof Uint16Array) {
    return value.length > 0 ? num(value[0]) : null;
  }
  if (typeof value === 'string') {
    const s = cleanString(value);
    if (!s) return null;
    const frac = /^(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(s);
    if (frac) {
      const d = Number(frac[2]);
      return d === 0 ? null : Number(frac[1]) / d;
    }
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

function positive(value: unknown): number | null {
  const n = num(value);
  return n !== null && n > 0 ? n : null;
}

function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const DATE_RE =
  /^(\d{4})[:\-/](\d{2})[:\-/](\d{2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

function normaliseOffset(raw: string | null | undefined): string | null {
  if (!raw) return null;
  if (raw === 'Z') return '+00:00';
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(raw.trim());
  if (!m) return null;
  if (Number(m[2]) > 14 || Number(m[3]) > 59) return null;
  return `${m[1]}${m[2]}:${m[3]}`;
}

/**
 * `YYYY-MM-DDTHH:MM:SS` (plus `±HH:MM` when recorded) from an EXIF ("2008:10:22 16:28:39") or XMP
 * ("2005-09-07T15:07:40-07:00") date string; zero, blank or impossible dates → null.
 */
export function formatDate(value: unknown, offset: unknown): string | null {
  const s = cleanString(value);
  if (!s) return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (Number(h) > 24 || Number(mi) > 59 || Number(sec) > 60) return null;
  const base = `${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${sec}`;
  const off = normaliseOffset(tz) ?? normaliseOffset(cleanString(offset));
  return off ? `${base}${off}` : base;
}

function dmsToDecimal(value: unknown): number | null {
  if (Array.isArray(value)) {
    const [d, m, s] = value.map((v) => num(v));
    if (d === null || d === undefined) return null;
    return d + (m ?? 0) / 60 + (s ?? 0) / 3600;
  }
  if (typeof value === 'string') {
    // XMP form "43,28.0469N" or "43,28,2.814N"
    const m = /^(\d+(?:\.\d+)?)(?:,(\d+(?:\.\d+)?))?(?:,(\d+(?:\.\d+)?))?\s*([NSEW])?$/i.exec(value.trim());
    if (!m) return num(value);
    const dec = Number(m[1]) + Number(m[2] ?? 0) / 60 + Number(m[3] ?? 0) / 3600;
    return m[4] && /[SW]/i.test(m[4]) ? -dec : dec;
  }
  return num(value);
}

function refIsNegative(ref: unknown, negative: string): boolean {
  const r = cleanString(ref);
  return r !== null && r.toUpperCase().startsWith(negative);
}

function readGps(gps: Block): GpsPosition | null {
  const rawLat = dmsToDecimal(gps.GPSLatitude);
  const rawLon = dmsToDecimal(gps.GPSLongitude);
  if (rawLat === null || rawLon === null) return null;
  const lat = refIsNegative(gps.GPSLatitudeRef, 'S') ? -Math.abs(rawLat) : rawLat;
  const lon = refIsNegative(gps.GPSLongitudeRef, 'W') ? -Math.abs(rawLon) : rawLon;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  if (lat === 0 && lon === 0) {
    // Cameras without a fix often write 0/0: only keep it when the block shows a real fix was recorded.
    const hasFix = cleanString(gps.GPSDateStamp) !== null || cleanString(gps.GPSLatitudeRef) !== null;
    if (!hasFix) return null;
  }
  let alt = num(gps.GPSAltitude);
  if (alt !== null) {
    const ref = num(gps.GPSAltitudeRef);
    if (ref === 1) alt = -Math.abs(alt);
  }
  return { lat, lon, alt };
}

function lensFromInfo(info: unknown): string | null {
  if (!Array.isArray(info) || info.length < 4) return null;
  const [minF, maxF, minA, maxA] = info.map((v) => num(v));
  if (!minF) return null;
  const f = (n: number): string => String(round(n, 1));
  const focal = maxF && maxF !== minF ? `${f(minF)}-${f(maxF)}mm` : `${f(minF)}mm`;
  if (!minA) return focal;
  const aperture = maxA && maxA !== minA ? `f/${f(minA)}-${f(maxA)}` : `f/${f(minA)}`;
  return `${focal} ${aperture}`;
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => stringList(v));
  const s = cleanString(value);
  return s ? [s] : [];
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

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
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
 * Reads EXIF / GPS / XMP / IPTC from the file's bytes (JPEG, TIFF, HEIC/AVIF, PNG, WebP). Never
 * throws for damaged metadata: it returns what it could read and says why in `warning`.
 */
export async function readMetadata(bytes: Buffer): Promise<{ metadata: PhotoMetadata; warning: string | null }> {
  const warnings: string[] = [];
  let parsed: Parsed | null = null;
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
    if (!/unknown file format|invalid input argument/i.test(msg)) warnings.push(`EXIF segment unreadable: ${msg}`);
    parsed = null;
  }
  if (parsed?.errors && parsed.errors.length > 0) {
    const reasons = [...new Set(parsed.errors.map(errorText))];
    warnings.push(`EXIF segment unreadable: ${reasons.join('; ')}`);
  }

  const ifd0 = block(parsed, 'ifd0');
  const exif = block(parsed, 'exif');
  const gps = block(parsed, 'gps');
  const iptc = block(parsed, 'iptc');
  const dc = block(parsed, 'dc');
  const xmpNs = { ...block(parsed, 'xap'), ...block(parsed, 'xmp') };
  const aux = block(parsed, 'aux');
  const photoshop = block(parsed, 'photoshop');
  const tiffXmp = block(parsed, 'tiff');

  const takenAt =
    formatDate(exif.DateTimeOriginal, exif.OffsetTimeOriginal ?? exif.OffsetTime) ??
    formatDate(exif.CreateDate, exif.OffsetTimeDigitized ?? exif.OffsetTime) ??
    formatDate(exif.DateTimeDigitized, exif.OffsetTimeDigitized ?? exif.OffsetTime) ??
    // XMP creation dates (no EXIF date recorded, e.g. Photoshop exports) come before the
    // modification date of IFD0, which says when the file was last saved, not when it was taken.
    formatDate(photoshop.DateCreated, null) ??
    formatDate(xmpNs.CreateDate, null) ??
    formatDate(ifd0.ModifyDate ?? ifd0.DateTime, exif.OffsetTime) ??
    formatDate(xmpNs.ModifyDate, null);

  let orientation = num(ifd0.Orientation ?? tiffXmp.Orientation);
  if (orientation !== null && (!Number.isInteger(orientation) || orientation < 1 || orientation > 8)) orientation = null;

  const iso = positive(exif.ISO ?? exif.PhotographicSensitivity ?? exif.ISOSpeedRatings ?? exif.ISOSpeed);
  const exposureTime = positive(exif.ExposureTime);
  let fNumber = positive(exif.FNumber);
  if (fNumber === null) {
    const av = num(exif.ApertureValue);
    if (av !== null && av > 0 && av < 32) fNumber = round(2 ** (av / 2), 1);
  }
  const focalLength = positive(exif.FocalLength);

  const lens =
    cleanString(exif.LensModel) ??
    cleanString(aux.Lens) ??
    cleanString(exif.Lens) ??
    lensFromInfo(exif.LensInfo ?? exif.LensSpecification);

  let rating = num(xmpNs.Rating);
  if (rating !== null && (rating < -1 || rating > 5)) rating = null;

  const keywords = [...new Set([...stringList(dc.subject), ...stringList(iptc.Keywords)])];

  // Stored pixel size: the codec header is authoritative for JPEG/PNG/WebP/TIFF/GIF (EXIF sizes go
  // stale when a picture is edited); HEIF headers report the rotated size, so EXIF comes first there.
  const header = await headerSize(bytes);
  const exifW = positive(exif.ExifImageWidth ?? exif.PixelXDimension ?? ifd0.ImageWidth);
  const exifH = positive(exif.ExifImageHeight ?? exif.PixelYDimension ?? ifd0.ImageHeight ?? ifd0.ImageLength);
  let width: number | null;
  let height: number | null;
  if (header && header.format !== 'heif') {
    width = header.width;
    height = header.height;
  } else if (exifW !== null && exifH !== null) {
    width = Math.round(exifW);
    height = Math.round(exifH);
  } else {
    width = header?.width ?? null;
    height = header?.height ?? null;
  }

  const metadata: PhotoMetadata = {
    takenAt,
    make: cleanString(ifd0.Make ?? tiffXmp.Make),
    model: cleanString(ifd0.Model ?? tiffXmp.Model),
    lens,
    orientation,
    width,
    height,
    iso: iso !== null ? Math.round(iso) : null,
    exposureTime,
    fNumber,
    focalLength,
    gps: readGps(gps),
    rating,
    keywords,
  };
  return { metadata, warning: warnings.length > 0 ? warnings.join('; ') : null };
}
