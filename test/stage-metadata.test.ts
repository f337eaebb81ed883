import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { readMetadata } from '../src-worker/stages/metadata.js';
import { ExiftoolReader } from '../src-worker/metadata/exiftool-process.js';
import { lensFromInfo } from '../src-worker/metadata/lens.js';
import type { FullMetadata } from '../src-shared/photo.js';
import { hasPhotos, listPhotos, photo, photosDir, rel } from './helpers/photos.js';

type ExifToolRow = Record<string, unknown> & { SourceFile: string };

const IMAGE_EXT = /\.(jpe?g|tiff?|heic|heif|png|webp|avif)$/i;

/**
 * exiftool's reading of the collection (`-G1`: keys name their group, one per tag name by exiftool's
 * own priority), or null when exiftool is not installed.
 */
function exiftoolRows(): ExifToolRow[] | null {
  try {
    const out = execFileSync(
      'exiftool',
      [
        '-n', '-json', '-r', '-q', '-q', '-G1',
        '-Make', '-Model', '-Orientation',
        // Capture date by exiftool's own precedence: the DateTimeOriginal composite (with sub-seconds
        // and offset), then DateTimeOriginal, CreateDate, ModifyDate (each exiftool's preferred group).
        '-Composite:SubSecDateTimeOriginal', '-DateTimeOriginal', '-Composite:SubSecCreateDate', '-CreateDate',
        '-Composite:SubSecModifyDate', '-ModifyDate',
        '-Composite:GPSLatitude', '-Composite:GPSLongitude', '-Composite:GPSAltitude',
        // Exposure settings from the EXIF group only: for some files exiftool prefers a maker-note
        // value (Kodak DC240: ExposureTime 0.03111 and FNumber 3.9 from its Kodak IFD; Canon: a
        // Composite ISO computed from the maker notes, e.g. 64.84) which this stage does not parse.
        '-EXIF:ExposureTime', '-EXIF:ISO', '-EXIF:FNumber', '-EXIF:FocalLength',
        '-LensModel', '-Lens', '-LensInfo',
        // What other apps wrote (embedded XMP / IPTC).
        '-XMP-xmp:Rating', '-XMP-xmp:Label', '-XMP-dc:Subject', '-IPTC:Keywords', '-XMP-lr:HierarchicalSubject',
        '-XMP-dc:Title', '-XMP-dc:Description',
        photosDir,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    return JSON.parse(out) as ExifToolRow[];
  } catch {
    return null;
  }
}

/** A tag of a -G1 row by name, whatever its group (`-G1` without `-a` gives one per name); Composite left out unless asked. */
function etTag(row: ExifToolRow, name: string, { composite = false } = {}): unknown {
  for (const [key, value] of Object.entries(row)) {
    const [group, tagName] = key.split(':');
    if (tagName === name && (composite || group !== 'Composite')) return value;
  }
  return undefined;
}

function etString(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = String(v).split('\0')[0]!.trim();
  return s.length > 0 ? s : null;
}

/** A list tag (-json gives one value as a scalar, several as an array), as strings. */
function etList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map((x) => etString(x)).filter((x): x is string => x !== null);
}

function etNumber(v: unknown): number | null {
  return typeof v === 'number' ? v : null;
}

/** exiftool "2008:10:22 16:28:39[.123][Z|±hh:mm]" → "2008-10-22T16:28:39[.123][±hh:mm]" (our format). */
function etDate(v: unknown): string | null {
  const s = etString(v);
  const m = s ? /^(\d{4}):(\d{2}):(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/.exec(s) : null;
  if (!m || m[1] === '0000') return null;
  const zone = m[8] === 'Z' ? '+00:00' : (m[8] ?? '');
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[7] ?? ''}${zone}`;
}

/**
 * The capture date by exiftool's precedence: DateTimeOriginal → CreateDate → ModifyDate, each as
 * exiftool's SubSec composite (sub-seconds and offset joined in) when it has one.
 */
function etCaptureDate(row: ExifToolRow): string | null {
  const withSubSec = (name: string): string | null => etDate(row[`Composite:SubSec${name}`]) ?? etDate(etTag(row, name));
  return withSubSec('DateTimeOriginal') ?? withSubSec('CreateDate') ?? withSubSec('ModifyDate');
}

/** The lens as exiftool names it: LensModel (any group, maker notes too), then a Lens name, then a lens specification. */
function etLens(row: ExifToolRow): string | null {
  const model = etString(etTag(row, 'LensModel'));
  if (model) return model;
  const lens = etTag(row, 'Lens');
  // Nikon's maker-note Lens is a specification ("18 70 3.5 4.5"), like LensInfo.
  if (typeof lens === 'string' && !/^[\d.]+( [\d.]+){3}$/.test(lens.trim())) return etString(lens);
  return lensFromInfo(typeof lens === 'string' ? lens : etTag(row, 'LensInfo'));
}

/** The EXIF APP1 segment of a JPEG: where its TIFF header starts and where the segment ends. */
function findApp1(jpeg: Buffer): { tiffStart: number; end: number } {
  let off = 2;
  while (off + 4 <= jpeg.length && jpeg[off] === 0xff) {
    const marker = jpeg[off + 1]!;
    const length = jpeg.readUInt16BE(off + 2);
    if (marker === 0xe1 && jpeg.toString('latin1', off + 4, off + 10) === 'Exif\0\0') {
      return { tiffStart: off + 10, end: off + 2 + length };
    }
    off += 2 + length;
  }
  throw new Error('no EXIF APP1 segment');
}

const close = (a: number | null | undefined, b: number, tol: number): boolean =>
  a !== null && a !== undefined && Math.abs(a - b) <= tol;

/**
 * Per field: does our reading (exifr, sidecar, and exiftool where the stage falls back to it) agree
 * with exiftool's own (only counted where exiftool has a value)? Every remaining miss is listed here
 * with its reason; a new one fails the test.
 */
const EXPLAINED: Record<string, Record<string, string>> = {
  'jpg/long_description.jpg': {
    date:
      "by design (issue 14's precedence): XMP photoshop:DateCreated 2003-08-31 (the capture) comes before IFD0 ModifyDate " +
      "2008-07-31 (a later edit), where exiftool's DateTimeOriginal → CreateDate → ModifyDate chain ends on the edit",
  },
};

/** The issue's target per field: ≥ 99.5 % agreement, every disagreement explained above. */
const TARGET = 0.995;

const FIELDS: Record<string, (ours: FullMetadata, et: ExifToolRow) => boolean | null> = {
  make: (o, e) => (etString(etTag(e, 'Make')) === null ? null : o.make === etString(etTag(e, 'Make'))),
  model: (o, e) => (etString(etTag(e, 'Model')) === null ? null : o.model === etString(etTag(e, 'Model'))),
  orientation: (o, e) => (etNumber(etTag(e, 'Orientation')) === null ? null : o.orientation === etTag(e, 'Orientation')),
  date: (o, e) => {
    const d = etCaptureDate(e);
    return d === null ? null : o.takenAt === d;
  },
  lens: (o, e) => {
    const l = etLens(e);
    return l === null ? null : o.lens === l;
  },
  gps: (o, e) => {
    const [lat, lon] = [etNumber(e['Composite:GPSLatitude']), etNumber(e['Composite:GPSLongitude'])];
    return lat === null || lon === null ? null : close(o.gps?.lat, lat, 1e-5) && close(o.gps?.lon, lon, 1e-5);
  },
  altitude: (o, e) => {
    const alt = etNumber(e['Composite:GPSAltitude']);
    return alt === null ? null : close(o.gps?.alt, alt, 1e-3);
  },
  exposureTime: (o, e) => {
    const v = etNumber(etTag(e, 'ExposureTime'));
    return v === null ? null : close(o.exposureTime, v, Math.max(1e-6, v * 1e-3));
  },
  fNumber: (o, e) => {
    const v = etNumber(etTag(e, 'FNumber'));
    return v === null ? null : close(o.fNumber, v, 0.051);
  },
  focalLength: (o, e) => {
    const v = etNumber(etTag(e, 'FocalLength'));
    return v === null ? null : close(o.focalLength, v, 0.051);
  },
  rating: (o, e) => {
    const v = etNumber(e['XMP-xmp:Rating']);
    return v === null ? null : o.rating === v;
  },
  label: (o, e) => {
    const v = etString(e['XMP-xmp:Label']);
    return v === null ? null : o.label === v;
  },
  keywords: (o, e) => {
    const v = [...new Set([...etList(e['XMP-dc:Subject']), ...etList(e['IPTC:Keywords'])])];
    return v.length === 0 ? null : JSON.stringify([...o.keywords].sort()) === JSON.stringify(v.sort());
  },
  hierarchicalKeywords: (o, e) => {
    const v = etList(e['XMP-lr:HierarchicalSubject']);
    return v.length === 0 ? null : JSON.stringify(o.hierarchicalKeywords) === JSON.stringify(v);
  },
  title: (o, e) => {
    const v = etString(e['XMP-dc:Title']);
    return v === null ? null : o.title === v;
  },
  description: (o, e) => {
    const v = etString(e['XMP-dc:Description']);
    return v === null ? null : o.description === v;
  },
  iso: (o, e) => {
    const v = etNumber(etTag(e, 'ISO'));
    return v === null ? null : o.iso === v;
  },
};

describe('metadata stage', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  const exiftool = new ExiftoolReader();
  after(() => exiftool.close());

  it('agrees with exiftool per field (≥ 99.5 %, every miss explained); counts the files that needed exiftool', async (t) => {
    const rows = exiftoolRows();
    if (!rows) {
      t.skip('exiftool is not installed');
      return;
    }
    const tally: Record<string, { agree: number; total: number; misses: string[] }> = {};
    for (const name of Object.keys(FIELDS)) tally[name] = { agree: 0, total: 0, misses: [] };
    const fallbacks: string[] = [];
    let files = 0;
    for (const row of rows) {
      if (!IMAGE_EXT.test(row.SourceFile)) continue;
      files++;
      const { metadata, usedExiftool } = await readMetadata(readFileSync(row.SourceFile), { path: row.SourceFile }, { exiftool });
      if (usedExiftool) fallbacks.push(`${rel(row.SourceFile)} (${metadata.readerNote})`);
      for (const [name, compare] of Object.entries(FIELDS)) {
        const verdict = compare(metadata, row);
        if (verdict === null) continue;
        const entry = tally[name]!;
        entry.total++;
        if (verdict) entry.agree++;
        else entry.misses.push(`${rel(row.SourceFile)}`);
      }
    }
    const lines: string[] = [];
    for (const [name, { agree, total, misses }] of Object.entries(tally)) {
      const pct = total === 0 ? 100 : (100 * agree) / total;
      const why = misses.map((f) => `${f}: ${EXPLAINED[f]?.[name] ?? 'UNEXPLAINED'}`);
      lines.push(`${name.padEnd(20)} ${agree}/${total} (${pct.toFixed(1)}%)${why.length ? `  differs: ${why.join('; ')}` : ''}`);
    }
    lines.push(`exiftool fallback: ${fallbacks.length} of ${files} files\n  ${fallbacks.join('\n  ')}`);
    t.diagnostic(`agreement with exiftool:\n${lines.join('\n')}`);
    console.log(`metadata agreement with exiftool -n:\n${lines.join('\n')}`);
    for (const [name, { agree, total, misses }] of Object.entries(tally)) {
      const unexplained = misses.filter((file) => !EXPLAINED[file]?.[name]);
      assert.deepEqual(unexplained, [], `${name}: unexplained disagreements with exiftool`);
      // A difference the issue asks for (its precedence, not exiftool's) is no error; everything else counts.
      const byDesign = misses.filter((file) => EXPLAINED[file]?.[name]?.startsWith('by design')).length;
      assert.ok(total === 0 || (agree + byDesign) / total >= TARGET, `${name}: only ${agree}/${total} agree with exiftool`);
    }
    // The fallback runs only where exifr falls short, not on every file.
    assert.ok(fallbacks.length < files / 2, `${fallbacks.length} of ${files} files took the exiftool fallback`);
  });

  it('reads GPS as signed decimal degrees (jpg/gps/)', async () => {
    const files = listPhotos('jpg/gps');
    assert.ok(files.length >= 5);
    for (const file of files) {
      const { metadata, warning } = await readMetadata(readFileSync(file));
      assert.ok(metadata.gps, `${rel(file)} has GPS`);
      assert.ok(Math.abs(metadata.gps.lat) <= 90 && Math.abs(metadata.gps.lon) <= 180);
      assert.equal(warning, null);
    }
    const { metadata } = await readMetadata(readFileSync(photo('jpg/gps/DSCN0010.jpg')));
    assert.ok(Math.abs(metadata.gps!.lat - 43.46744833) < 1e-5);
    assert.ok(Math.abs(metadata.gps!.lon - 11.88512667) < 1e-5);
    assert.equal(metadata.make, 'NIKON');
    assert.equal(metadata.takenAt, '2008-10-22T16:28:39');
    assert.equal(metadata.iso, 64);
  });

  it('an empty GPS IFD gives gps null, not 0/0', async () => {
    const { metadata } = await readMetadata(readFileSync(photo('jpg/tests/45-gps_ifd.jpg')));
    assert.equal(metadata.gps, null);
    assert.equal(metadata.model, 'Gran Turismo 5');
  });

  it('reads XMP keywords and IPTC keywords, deduplicated', async () => {
    const { metadata } = await readMetadata(readFileSync(photo('jpg/xmp/BlueSquare.jpg')));
    assert.deepEqual(metadata.keywords, ['XMP', 'Blue Square', 'test file', 'Photoshop', '.jpg']);
    assert.equal(metadata.width, 360);
    assert.equal(metadata.height, 216);
    // No EXIF date: the XMP creation date, with its recorded offset.
    assert.equal(metadata.takenAt, '2005-09-07T15:07:40-07:00');
    const noExif = await readMetadata(readFileSync(photo('jpg/xmp/no_exif.jpg')));
    assert.equal(noExif.warning, null);
    assert.equal(noExif.metadata.make, null);
  });

  it('reads HEIC metadata with the recorded offset', async () => {
    const { metadata, warning } = await readMetadata(readFileSync(photo('heic/mobile/iphone_13_pro_max.HEIC')));
    assert.equal(warning, null);
    assert.equal(metadata.make, 'Apple');
    assert.equal(metadata.orientation, 6);
    assert.equal(metadata.takenAt, '2022-02-16T12:55:41.762+01:00');
    assert.equal(metadata.takenAtSource, 'EXIF DateTimeOriginal');
    assert.equal(metadata.lens, 'iPhone 13 Pro Max back triple camera 5.7mm f/1.5');
    // Stored size, before orientation.
    assert.deepEqual([metadata.width, metadata.height], [4032, 3024]);
  });

  it('uses an XMP date written with Z when the EXIF IFD is unreadable (tests/30-type_error.jpg)', async () => {
    const { metadata } = await readMetadata(readFileSync(photo('jpg/tests/30-type_error.jpg')));
    assert.equal(metadata.takenAt, '2013-07-05T03:18:27+00:00');
  });

  it('treats a zero date as absent (a JPEG whose DateTimeOriginal is 0000:00:00 00:00:00)', async () => {
    // The collection has no zero-date file, so one is made: same length, so no offsets move.
    const bytes = Buffer.from(readFileSync(photo('jpg/gps/DSCN0010.jpg')));
    let replaced = 0;
    for (const date of ['2008:10:22 16:28:39', '2008:11:01 21:15:07']) {
      let at = bytes.indexOf(date, 0, 'latin1');
      while (at >= 0) {
        bytes.write('0000:00:00 00:00:00', at, 'latin1');
        replaced++;
        at = bytes.indexOf(date, at, 'latin1');
      }
    }
    assert.ok(replaced >= 3);
    const { metadata, warning } = await readMetadata(bytes);
    assert.equal(metadata.takenAt, null);
    assert.equal(warning, null);
    assert.equal(metadata.make, 'NIKON');
  });

  it('a blank date ("    :  :     :  :  ") is absent too, and NUL-padded strings are cut', async () => {
    const bytes = Buffer.from(readFileSync(photo('jpg/gps/DSCN0010.jpg')));
    let at = bytes.indexOf('2008:10:22 16:28:39', 0, 'latin1');
    while (at >= 0) {
      bytes.write('    :  :     :  :  ', at, 'latin1');
      at = bytes.indexOf('2008:10:22 16:28:39', at, 'latin1');
    }
    const { metadata } = await readMetadata(bytes);
    // DateTimeOriginal and CreateDate blank: falls back to IFD0 ModifyDate.
    assert.equal(metadata.takenAt, '2008-11-01T21:15:07');
  });

  it('corrupt EXIF: no throw, fields it could read, and a warning', async () => {
    const good = readFileSync(photo('jpg/Canon_40D.jpg'));
    const app1 = findApp1(good);
    const bytes = Buffer.from(good);
    // Keep "Exif\0\0" and the TIFF header, scramble the IFD0 entries and what follows.
    let seed = 12345;
    for (let i = app1.tiffStart + 10; i < app1.end; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      bytes[i] = seed & 0xff;
    }
    const { metadata, warning } = await readMetadata(bytes);
    assert.ok(warning, 'warning is set');
    assert.match(warning, /EXIF segment unreadable/);
    // The pixel size still comes from the JPEG header.
    assert.deepEqual([metadata.width, metadata.height], [100, 68]);
  });

  it('an EXIF segment pointing outside itself: no throw, warning set', async () => {
    const good = readFileSync(photo('jpg/Canon_40D.jpg'));
    const bytes = Buffer.from(good);
    // IFD0 offset (4 bytes after the TIFF header's byte order and magic) → far beyond the file.
    const { tiffStart } = findApp1(good);
    assert.equal(bytes.toString('latin1', tiffStart, tiffStart + 2), 'II');
    bytes.writeUInt32LE(0x7ffffff0, tiffStart + 4);
    const { metadata, warning } = await readMetadata(bytes);
    assert.ok(warning);
    assert.equal(metadata.make, null);
  });

  it('WebP: EXIF from the RIFF EXIF chunk', async () => {
    const source = readFileSync(photo('jpg/gps/DSCN0010.jpg'));
    const webp = await sharp(source).resize(64).webp().keepExif().toBuffer();
    assert.equal(webp.toString('latin1', 8, 12), 'WEBP');
    const { metadata } = await readMetadata(webp);
    assert.equal(metadata.make, 'NIKON');
    assert.equal(metadata.takenAt, '2008-10-22T16:28:39');
    assert.ok(metadata.gps && Math.abs(metadata.gps.lat - 43.46744833) < 1e-5);
  });

  it('files without metadata: all null, no warning', async () => {
    const png = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#808080' } }).png().toBuffer();
    const { metadata, warning } = await readMetadata(png);
    assert.equal(warning, null);
    assert.equal(metadata.takenAt, null);
    assert.equal(metadata.gps, null);
    assert.deepEqual(metadata.keywords, []);
    assert.deepEqual([metadata.width, metadata.height], [8, 4]);
    const junk = await readMetadata(Buffer.from('this is not a photo at all, just words'));
    assert.equal(junk.metadata.make, null);
    assert.equal(junk.metadata.width, null);
  });
});
