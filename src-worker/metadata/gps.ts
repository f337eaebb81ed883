import type { GpsPosition } from '../../src-shared/photo.js';
import { cleanString, num, type Block } from './values.js';

/** Degrees from EXIF's [d, m, s] rationals or XMP's "43,28.0469N" / "43,28,2.814N" form (signed by its letter). */
export function dmsToDecimal(value: unknown): number | null {
  if (Array.isArray(value)) {
    const [d, m, s] = value.map((v) => num(v));
    if (d === null || d === undefined) return null;
    return d + (m ?? 0) / 60 + (s ?? 0) / 3600;
  }
  if (typeof value === 'string') {
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

/** The EXIF GPS IFD as signed decimal degrees; 0/0 without a recorded fix is no position. */
export function readExifGps(gps: Block): GpsPosition | null {
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
