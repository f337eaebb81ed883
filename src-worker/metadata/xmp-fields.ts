/**
 * What other apps write into XMP (embedded in the photo or in a sidecar), read from exifr's XMP output
 * (one object per namespace prefix: `xmp`/`xap`, `dc`, `lr`, `mwg-rs`, `digiKam`, `darktable`, `xmpDM`…).
 */
import type { GpsPosition, MetadataRegion } from '../../src-shared/photo.js';
import { dmsToDecimal } from './gps.js';
import { block, cleanString, num, stringList, type Block } from './values.js';

export type XmpNamespaces = Record<string, unknown>;

export interface XmpFields {
  rating: number | null;
  label: string | null;
  pick: 'pick' | 'reject' | null;
  title: string | null;
  description: string | null;
  keywords: string[];
  hierarchicalKeywords: string[];
  regions: MetadataRegion[];
  gps: GpsPosition | null;
}

/** xmp: and the older xap: prefix (same namespace, both still in the wild). */
export function xmpBasic(ns: XmpNamespaces): Block {
  return { ...block(ns, 'xap'), ...block(ns, 'xmp') };
}

/** An XMP lang-alt value: the x-default entry, else the first. exifr gives `{lang, value}` or a list of them. */
export function langAlt(value: unknown): string | null {
  if (Array.isArray(value)) {
    const preferred = value.find((v) => v && typeof v === 'object' && (v as { lang?: unknown }).lang === 'x-default');
    return cleanString(preferred ?? value[0]);
  }
  return cleanString(value);
}

const DARKTABLE_COLOURS = ['Red', 'Yellow', 'Green', 'Blue', 'Purple'];
const DIGIKAM_COLOURS = [null, 'Red', 'Orange', 'Yellow', 'Green', 'Blue', 'Magenta', 'Gray', 'Black', 'White'];

function readLabel(ns: XmpNamespaces): string | null {
  const recorded = cleanString(xmpBasic(ns).Label);
  if (recorded) return recorded;
  const dt = stringList(block(ns, 'darktable').colorlabels).map(Number);
  if (dt.length > 0 && Number.isInteger(dt[0]) && DARKTABLE_COLOURS[dt[0]!]) return DARKTABLE_COLOURS[dt[0]!]!;
  const dk = num(block(ns, 'digiKam').ColorLabel);
  return dk !== null && Number.isInteger(dk) ? (DIGIKAM_COLOURS[dk] ?? null) : null;
}

function readPick(ns: XmpNamespaces, rating: number | null): 'pick' | 'reject' | null {
  const pickLabel = num(block(ns, 'digiKam').PickLabel);
  if (pickLabel === 1) return 'reject';
  if (pickLabel === 3) return 'pick';
  const good = block(ns, 'xmpDM').good;
  const goodText = typeof good === 'boolean' ? String(good) : cleanString(good)?.toLowerCase();
  if (goodText === 'true') return 'pick';
  if (goodText === 'false') return 'reject';
  // Lightroom, darktable, Bridge: a rejected photo is rated -1.
  return rating === -1 ? 'reject' : null;
}

function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** MWG regions (mwg-rs:Regions/RegionList): the area as recorded, with its name and type. */
function readRegions(ns: XmpNamespaces): MetadataRegion[] {
  const regions = block(ns, 'mwg-rs').Regions;
  const list = regions && typeof regions === 'object' ? asList((regions as Block).RegionList) : [];
  const out: MetadataRegion[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const r = item as Block;
    const area = (r.Area && typeof r.Area === 'object' ? r.Area : {}) as Block;
    const [x, y, w, h] = [num(area.x), num(area.y), num(area.w), num(area.h)];
    if (x === null || y === null || w === null || h === null) continue;
    out.push({ name: cleanString(r.Name), type: cleanString(r.Type), x, y, w, h, unit: cleanString(area.unit) ?? 'normalized' });
  }
  return out;
}

/** GPS written as XMP (exif:GPSLatitude "43,28.0469N"), signed decimal degrees. */
export function readXmpGps(ns: XmpNamespaces): GpsPosition | null {
  const exif = block(ns, 'exif');
  const lat = dmsToDecimal(exif.GPSLatitude);
  const lon = dmsToDecimal(exif.GPSLongitude);
  if (lat === null || lon === null || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  let alt = num(exif.GPSAltitude);
  if (alt !== null && num(exif.GPSAltitudeRef) === 1) alt = -Math.abs(alt);
  return { lat, lon, alt };
}

export function readXmpFields(ns: XmpNamespaces): XmpFields {
  let rating = num(xmpBasic(ns).Rating);
  if (rating !== null && (rating < -1 || rating > 5)) rating = null;
  const dc = block(ns, 'dc');
  return {
    rating,
    label: readLabel(ns),
    pick: readPick(ns, rating),
    title: langAlt(dc.title),
    description: langAlt(dc.description),
    keywords: [...new Set(stringList(dc.subject))],
    hierarchicalKeywords: [...new Set(stringList(block(ns, 'lr').hierarchicalSubject))],
    regions: readRegions(ns),
    gps: readXmpGps(ns),
  };
}

/** A field from the first source that has it (an empty sidecar field must not hide the embedded XMP's). */
export function pickXmp<K extends keyof XmpFields>(key: K, ...sources: XmpFields[]): XmpFields[K] {
  for (const s of sources) {
    const v = s[key];
    if (Array.isArray(v) ? v.length > 0 : v !== null) return v;
  }
  return sources[sources.length - 1]![key];
}
