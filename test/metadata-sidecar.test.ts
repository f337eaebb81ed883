/**
 * What other apps already wrote (issue 14): XMP sidecars and embedded XMP written by exiftool itself, in
 * both naming conventions, read back exactly; and the exiftool fallback, with and without a runnable exiftool.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { ExiftoolReader } from '../src-worker/metadata/exiftool-process.js';
import { readMetadata } from '../src-worker/stages/metadata.js';
import { hasPhotos, photo } from './helpers/photos.js';

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

/** What a photographer's app recorded, as exiftool arguments and as the values expected back. */
const WRITTEN = {
  rating: 4,
  label: 'Red',
  keywords: ['dog', 'Blue sky', 'Évora'],
  hierarchicalKeywords: ['Animals|Dog', 'Places|Portugal|Évora'],
  title: 'Ring bearer',
  description: 'Max, with the rings — 2019',
  regions: [
    { name: 'Anna Karenina', type: 'Face', x: 0.5, y: 0.4, w: 0.2, h: 0.3, unit: 'normalized' },
    { name: 'Max', type: 'Pet', x: 0.125, y: 0.75, w: 0.05, h: 0.0625, unit: 'normalized' },
  ],
  gps: { lat: 38.5714, lon: -7.9135 },
};

const WRITE_ARGS = [
  `-XMP-xmp:Rating=${WRITTEN.rating}`,
  `-XMP-xmp:Label=${WRITTEN.label}`,
  ...WRITTEN.keywords.map((k) => `-XMP-dc:Subject=${k}`),
  ...WRITTEN.hierarchicalKeywords.map((k) => `-XMP-lr:HierarchicalSubject=${k}`),
  `-XMP-dc:Title=${WRITTEN.title}`,
  `-XMP-dc:Description=${WRITTEN.description}`,
  `-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=640,H=480,Unit=pixel},RegionList=[${WRITTEN.regions
    .map((r) => `{Area={X=${r.x},Y=${r.y},W=${r.w},H=${r.h},Unit=${r.unit}},Name=${r.name},Type=${r.type}}`)
    .join(',')}]}`,
  `-XMP-exif:GPSLatitude=${WRITTEN.gps.lat}`,
  `-XMP-exif:GPSLongitude=${WRITTEN.gps.lon}`,
];

function exiftool(args: string[]): string {
  return execFileSync('exiftool', ['-q', '-charset', 'utf8', ...args], { encoding: 'utf8' });
}

describe('XMP written by other apps', { skip: (!hasExiftool && 'exiftool is not installed') || (!hasPhotos && 'shared photos folder missing') }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shoebox-xmp-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of a real camera JPEG (it has its own EXIF, no XMP) under a name of its own. */
  function cameraJpeg(name: string): string {
    const file = path.join(dir, name);
    copyFileSync(photo('jpg/gps/DSCN0010.jpg'), file);
    return file;
  }

  function assertWritten(m: Awaited<ReturnType<typeof readMetadata>>['metadata'], sidecar: string | null): void {
    assert.equal(m.rating, WRITTEN.rating);
    assert.equal(m.label, WRITTEN.label);
    assert.equal(m.pick, null);
    assert.deepEqual(m.keywords, WRITTEN.keywords);
    assert.deepEqual(m.hierarchicalKeywords, WRITTEN.hierarchicalKeywords);
    assert.equal(m.title, WRITTEN.title);
    assert.equal(m.description, WRITTEN.description);
    assert.deepEqual(m.regions, WRITTEN.regions);
    assert.equal(m.sidecar?.path ?? null, sidecar);
  }

  for (const convention of ['photo.xmp (Lightroom, Capture One)', 'photo.jpg.xmp (darktable, digiKam)'] as const) {
    it(`reads a sidecar exiftool wrote as ${convention}`, async () => {
      const stem = convention.startsWith('photo.xmp') ? 'lr' : 'dt';
      const file = cameraJpeg(`${stem}.jpg`);
      const sidecar = path.join(dir, convention.startsWith('photo.xmp') ? `${stem}.xmp` : `${stem}.jpg.xmp`);
      exiftool(['-o', sidecar, ...WRITE_ARGS]); // a new sidecar with exactly these tags
      // exiftool's own reading of the sidecar says the same as what was written.
      const et = JSON.parse(exiftool(['-json', '-struct', '-n', '-XMP:all', sidecar]))[0] as Record<string, unknown>;
      assert.equal(et.Rating, WRITTEN.rating);
      assert.deepEqual(et.HierarchicalSubject, WRITTEN.hierarchicalKeywords);
      assert.deepEqual(et.Subject, WRITTEN.keywords);
      assert.equal(et.Label, WRITTEN.label);
      type EtRegion = { Area: { X: number; Y: number; W: number; H: number; Unit: string }; Name: string; Type: string };
      const etRegions = (et.RegionInfo as { RegionList: EtRegion[] }).RegionList.map((r) => ({
        name: r.Name, type: r.Type, x: r.Area.X, y: r.Area.Y, w: r.Area.W, h: r.Area.H, unit: r.Area.Unit,
      }));
      assert.deepEqual(etRegions, WRITTEN.regions);

      const { metadata, warning } = await readMetadata(readFileSync(file), { path: file });
      assert.equal(warning, null);
      assertWritten(metadata, sidecar);
      // The camera's own EXIF still comes from the photo; GPS from the photo's EXIF first.
      assert.equal(metadata.make, 'NIKON');
      assert.equal(metadata.takenAt, '2008-10-22T16:28:39');
      assert.equal(metadata.sidecar!.size, readFileSync(sidecar).length);
    });
  }

  it('reads the same fields from XMP embedded in the photo, GPS from XMP when EXIF has none', async () => {
    const file = path.join(dir, 'embedded.jpg');
    writeFileSync(file, await sharp({ create: { width: 32, height: 24, channels: 3, background: '#664422' } }).jpeg().toBuffer());
    exiftool(['-overwrite_original', ...WRITE_ARGS, file]);
    const { metadata } = await readMetadata(readFileSync(file), { path: file });
    assertWritten(metadata, null);
    assert.ok(Math.abs(metadata.gps!.lat - WRITTEN.gps.lat) < 1e-6 && Math.abs(metadata.gps!.lon - WRITTEN.gps.lon) < 1e-6, JSON.stringify(metadata.gps));
  });

  it('the sidecar wins over the embedded XMP, and photo.jpg.xmp over photo.xmp', async () => {
    const file = cameraJpeg('both.jpg');
    exiftool(['-overwrite_original', '-XMP-xmp:Rating=1', '-XMP-dc:Subject=embedded', '-XMP-dc:Title=Embedded title', file]);
    exiftool(['-o', path.join(dir, 'both.xmp'), '-XMP-xmp:Rating=2', '-XMP-dc:Subject=shared']);
    exiftool(['-o', path.join(dir, 'both.jpg.xmp'), '-XMP-xmp:Rating=3', '-XMP-dc:Subject=specific']);
    const { metadata } = await readMetadata(readFileSync(file), { path: file });
    assert.equal(metadata.rating, 3);
    assert.deepEqual(metadata.keywords, ['specific']);
    // A field the sidecar does not have still comes from the embedded XMP.
    assert.equal(metadata.title, 'Embedded title');
    assert.equal(metadata.sidecar!.path, path.join(dir, 'both.jpg.xmp'));
  });

  it('pick and reject: Rating -1, digiKam PickLabel and ColorLabel', async () => {
    const rejected = cameraJpeg('rejected.jpg');
    exiftool(['-o', path.join(dir, 'rejected.xmp'), '-XMP-xmp:Rating=-1']);
    const r = (await readMetadata(readFileSync(rejected), { path: rejected })).metadata;
    assert.deepEqual([r.rating, r.pick], [-1, 'reject']);
    const picked = cameraJpeg('picked.jpg');
    exiftool(['-o', path.join(dir, 'picked.jpg.xmp'), '-XMP-digiKam:PickLabel=3', '-XMP-digiKam:ColorLabel=4']);
    const p = (await readMetadata(readFileSync(picked), { path: picked })).metadata;
    assert.deepEqual([p.pick, p.label], ['pick', 'Green']);
  });

  it('an unreadable sidecar: a warning, nothing lost from the photo, no throw', async () => {
    const file = cameraJpeg('broken.jpg');
    writeFileSync(path.join(dir, 'broken.jpg.xmp'), Buffer.from([0xff, 0x00, 0x13, 0x37, 0x42]));
    const { metadata, warning } = await readMetadata(readFileSync(file), { path: file });
    assert.match(warning ?? '', /XMP sidecar .*broken\.jpg\.xmp unreadable/);
    assert.equal(metadata.make, 'NIKON');
    assert.equal(metadata.sidecar!.path, path.join(dir, 'broken.jpg.xmp'));
  });
});

describe('exiftool fallback', { skip: !hasPhotos && 'shared photos folder missing' }, () => {
  const reader = new ExiftoolReader();
  after(() => reader.close());

  it('reads what only maker segments hold (Reconyx, Canon CIFF, Olympus PictureInfo) and says where the date came from', async () => {
    const cases: Array<[string, string, string, Partial<Record<'make' | 'model', string>>]> = [
      ['jpg/Reconyx_HC500_Hyperfire.jpg', '2020-03-16T10:00:00', 'MakerNotes Reconyx:DateTimeOriginal', {}],
      ['jpg/exif-org/sony-powershota5.jpg', '2000-10-27T22:56:26', 'MakerNotes CIFF:DateTimeOriginal', { make: 'Canon', model: 'Canon PowerShot A5' }],
      ['jpg/exif-org/olympus-d320l.jpg', '1998-10-29T22:06:59', 'MakerNotes PictureInfo:DateTimeOriginal', {}],
    ];
    for (const [file, takenAt, source, camera] of cases) {
      const without = await readMetadata(readFileSync(photo(file)));
      assert.notEqual(without.metadata.takenAtSource, source, `${file}: exifr alone cannot read it`);
      const { metadata, usedExiftool } = await readMetadata(readFileSync(photo(file)), { path: photo(file) }, { exiftool: reader });
      assert.ok(usedExiftool, file);
      assert.equal(metadata.takenAt, takenAt, file);
      assert.equal(metadata.takenAtSource, source, file);
      assert.equal(metadata.reader, 'exifr+exiftool');
      assert.match(metadata.readerNote ?? '', /no capture date/);
      for (const [k, v] of Object.entries(camera)) assert.equal(metadata[k as 'make' | 'model'], v, `${file} ${k}`);
    }
  });

  it('does not run where exifr has a date and a camera', async () => {
    const { usedExiftool, metadata } = await readMetadata(readFileSync(photo('jpg/Canon_40D.jpg')), { path: photo('jpg/Canon_40D.jpg') }, { exiftool: reader });
    assert.equal(usedExiftool, false);
    assert.equal(metadata.reader, 'exifr');
    assert.equal(metadata.readerNote, null);
  });

  it('does not run on a JPEG whose segments exifr reads in full, even without a date or camera', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shoebox-plain-'));
    try {
      const file = path.join(dir, 'plain.jpg');
      writeFileSync(file, await sharp({ create: { width: 8, height: 8, channels: 3, background: '#123456' } }).jpeg().withMetadata({ orientation: 3 }).toBuffer());
      const { usedExiftool, metadata } = await readMetadata(readFileSync(file), { path: file }, { exiftool: reader });
      assert.equal(usedExiftool, false);
      assert.equal(metadata.orientation, 3);
      assert.equal(metadata.make, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a runnable exiftool (its Perl missing): a clear note in the record, no throw', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'shoebox-noperl-'));
    try {
      // A script whose interpreter does not exist: what exiftool is on a machine without Perl.
      const script = path.join(dir, 'exiftool');
      writeFileSync(script, '#!/nonexistent/perl\nprint "13.0\\n";\n');
      chmodSync(script, 0o755);
      const broken = new ExiftoolReader({ exiftoolPath: script });
      const file = photo('jpg/Reconyx_HC500_Hyperfire.jpg');
      const { metadata, warning, usedExiftool } = await readMetadata(readFileSync(file), { path: file }, { exiftool: broken });
      assert.equal(usedExiftool, false);
      assert.equal(metadata.reader, 'exifr');
      assert.match(metadata.readerNote ?? '', /no capture date.*exiftool could not start.*Perl/);
      assert.match(warning ?? '', /exiftool could not start/);
      // Still everything exifr read.
      assert.equal(metadata.width, 2048);
      await broken.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
