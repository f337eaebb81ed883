/**
 * exiftool's reading (`-n -G1`: keys like `ExifIFD:DateTimeOriginal`, `Reconyx:DateTimeOriginal`) in
 * the same shapes as the exifr reading, so the stage fills what exifr missed with the same rules.
 */
import type { GpsPosition } from '../../src-shared/photo.js';
import type { DateCandidate } from './capture-date.js';
import { formatDate, formatIptcDate } from './dates.js';
import { chooseLens } from './lens.js';
import type { ExiftoolTags } from './exiftool-process.js';
import { cleanString, num, positive, type Block } from './values.js';

export interface ExiftoolFields {
  dates: DateCandidate[];
  make: string | null;
  model: string | null;
  lens: string | null;
  orientation: number | null;
  iso: number | null;
  exposureTime: number | null;
  fNumber: number | null;
  focalLength: number | null;
  gps: GpsPosition | null;
}

/** Groups that are not maker notes: dates found anywhere else are the camera maker's own records. */
const STANDARD_GROUP = /^(ExifIFD|IFD\d|SubIFD\d*|GPS|InteropIFD|XMP-.*|IPTC|Composite|System|File|ICC.*|JFIF|Photoshop|PNG.*|QuickTime|Keys|ItemList|UserData|MPF\d*|APP\d+|ExifTool)$/;

/** The tag `name` of the first group that has it, trying `groups` in order, then any group. */
function tag(tags: ExiftoolTags, name: string, groups: readonly string[] = []): unknown {
  for (const g of groups) {
    const v = tags[`${g}:${name}`];
    if (v !== undefined && v !== null && v !== '') return v;
  }
  for (const [key, v] of Object.entries(tags)) {
    if (key.endsWith(`:${name}`) && v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

function makerNoteDates(tags: ExiftoolTags): DateCandidate[] {
  const out: DateCandidate[] = [];
  for (const [key, value] of Object.entries(tags)) {
    const [group, name] = key.split(':');
    if (!group || !name || STANDARD_GROUP.test(group)) continue;
    if (name !== 'DateTimeOriginal' && name !== 'CreateDate') continue;
    out.push({ kind: 'maker-notes', source: `MakerNotes ${key}`, value: formatDate(value) });
  }
  return out;
}

export function fieldsFromExiftool(t: ExiftoolTags): ExiftoolFields {
  const dates: DateCandidate[] = [
    { kind: 'exif-original', source: 'EXIF DateTimeOriginal', value: formatDate(t['ExifIFD:DateTimeOriginal'], t['ExifIFD:OffsetTimeOriginal'], t['ExifIFD:SubSecTimeOriginal']) },
    { kind: 'xmp-original', source: 'XMP exif:DateTimeOriginal', value: formatDate(t['XMP-exif:DateTimeOriginal']) },
    { kind: 'xmp-original', source: 'XMP photoshop:DateCreated', value: formatDate(t['XMP-photoshop:DateCreated']) },
    { kind: 'iptc-created', source: 'IPTC DateCreated', value: formatIptcDate(t['IPTC:DateCreated'], t['IPTC:TimeCreated']) },
    { kind: 'exif-digitized', source: 'EXIF CreateDate', value: formatDate(t['ExifIFD:CreateDate'], t['ExifIFD:OffsetTimeDigitized'], t['ExifIFD:SubSecTimeDigitized']) },
    { kind: 'xmp-created', source: 'XMP xmp:CreateDate', value: formatDate(t['XMP-xmp:CreateDate']) },
    ...makerNoteDates(t),
    { kind: 'exif-modified', source: 'EXIF ModifyDate', value: formatDate(t['IFD0:ModifyDate'], t['ExifIFD:OffsetTime'], t['ExifIFD:SubSecTime']) },
    { kind: 'xmp-modified', source: 'XMP xmp:ModifyDate', value: formatDate(t['XMP-xmp:ModifyDate']) },
  ];
  const lat = num(t['Composite:GPSLatitude']);
  const lon = num(t['Composite:GPSLongitude']);
  const gps = lat !== null && lon !== null && Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && !(lat === 0 && lon === 0)
    ? { lat, lon, alt: num(t['Composite:GPSAltitude']) }
    : null;
  // A maker-note lens name (Olympus, Canon, Sony… LensModel) or a Nikon-style spec ("18 70 3.5 4.5").
  const makerLens = Object.entries(t).find(([k]) => /:LensModel$/.test(k) && !STANDARD_GROUP.test(k.split(':')[0]!));
  const exif: Block = { LensModel: t['ExifIFD:LensModel'], LensInfo: t['ExifIFD:LensInfo'] };
  let orientation = num(tag(t, 'Orientation', ['IFD0']));
  if (orientation !== null && (!Number.isInteger(orientation) || orientation < 1 || orientation > 8)) orientation = null;
  const iso = positive(tag(t, 'ISO', ['ExifIFD']));
  return {
    dates,
    make: cleanString(tag(t, 'Make', ['IFD0', 'XMP-tiff'])),
    model: cleanString(tag(t, 'Model', ['IFD0', 'XMP-tiff'])),
    lens: chooseLens({
      exif,
      exifEX: { LensModel: t['XMP-exifEX:LensModel'], LensInfo: t['XMP-exifEX:LensInfo'] },
      aux: { Lens: typeof t['XMP-aux:Lens'] === 'string' ? t['XMP-aux:Lens'] : undefined, LensInfo: t['XMP-aux:LensInfo'] },
      makerName: makerLens ? cleanString(makerLens[1]) : null,
      makerSpec: t['Nikon:Lens'],
    }),
    orientation,
    iso: iso !== null ? Math.round(iso) : null,
    exposureTime: positive(tag(t, 'ExposureTime', ['ExifIFD'])),
    fNumber: positive(tag(t, 'FNumber', ['ExifIFD'])),
    focalLength: positive(tag(t, 'FocalLength', ['ExifIFD'])),
    gps,
  };
}
