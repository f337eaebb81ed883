/**
 * Capture-date precedence (issue 14): pure rules first, then files whose dates exiftool itself wrote,
 * including the case (IPTC + XMP creation date of 2009, a later EXIF ModifyDate from an edit).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { chooseCaptureDate, type DateCandidate } from '../src-worker/metadata/capture-date.js';
import { formatDate, formatFileTime, formatIptcDate } from '../src-worker/metadata/dates.js';
import { readMetadata } from '../src-worker/stages/metadata.js';

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

describe('capture date: rules', () => {
  const c = (kind: DateCandidate['kind'], value: string | null, source = kind): DateCandidate => ({ kind, source, value });

  it('follows the precedence whatever order the tags were found in', () => {
    const all = [
      c('file-time', '2024-01-01T00:00:00+00:00'),
      c('exif-modified', '2023-05-05T10:00:00'),
      c('maker-notes', '2010-01-01T00:00:00'),
      c('xmp-created', '2009-09-09T16:00:00'),
      c('exif-digitized', '2009-09-09T15:00:00'),
      c('iptc-created', '2009-09-09T17:00:00+02:00'),
      c('xmp-original', '2009-09-09T17:00:01+02:00'),
      c('exif-original', '2009-09-09T17:00:02.5+02:00'),
    ];
    const order: DateCandidate['kind'][] = ['exif-original', 'xmp-original', 'iptc-created', 'exif-digitized', 'xmp-created', 'maker-notes', 'exif-modified', 'file-time'];
    for (const kind of order) {
      const chosen = chooseCaptureDate(all);
      assert.equal(chosen.takenAtSource, kind);
      assert.equal(chosen.takenAtUncertain, kind === 'exif-modified' || kind === 'file-time');
      const i = all.findIndex((x) => x.kind === kind);
      all[i] = c(kind, null); // absent: the next one takes over
    }
    assert.deepEqual(chooseCaptureDate(all), { takenAt: null, takenAtSource: null, takenAtUncertain: false });
  });

  it('keeps the recorded zone and sub-seconds, never invents a zone', () => {
    assert.equal(formatDate('2022:02:16 12:55:41', '+01:00', '762'), '2022-02-16T12:55:41.762+01:00');
    assert.equal(formatDate('2022:02:16 12:55:41', null, null), '2022-02-16T12:55:41');
    assert.equal(formatDate('2022:02:16 12:55:41', '   :  ', ''), '2022-02-16T12:55:41');
    assert.equal(formatDate('2005-09-07T15:07:40-07:00'), '2005-09-07T15:07:40-07:00');
    assert.equal(formatDate('2013-07-05T03:18:27Z'), '2013-07-05T03:18:27+00:00');
    assert.equal(formatDate('0000:00:00 00:00:00'), null);
    assert.equal(formatIptcDate('20090909', '170000+0200'), '2009-09-09T17:00:00+02:00');
    assert.equal(formatIptcDate('2009:09:09', '17:00:00'), '2009-09-09T17:00:00');
    // A file time is an instant: written with the offset of this machine's zone at that instant.
    const t = Date.UTC(2020, 5, 1, 12, 0, 0);
    const local = formatFileTime(t);
    assert.match(local, /^2020-06-0[12]T\d{2}:00:00[+-]\d{2}:\d{2}$/);
    assert.equal(new Date(local).getTime(), t);
  });
});

describe('capture date: files exiftool wrote', { skip: !hasExiftool && 'exiftool is not installed' }, () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'shoebox-dates-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function jpegWith(name: string, args: string[]): Promise<string> {
    const file = path.join(dir, name);
    writeFileSync(file, await sharp({ create: { width: 16, height: 12, channels: 3, background: '#446688' } }).jpeg().toBuffer());
    execFileSync('exiftool', ['-q', '-overwrite_original', ...args, file]);
    return file;
  }

  it("the issue's file: IPTC + XMP creation date 2009 beat a later EXIF ModifyDate (2023, an edit)", async () => {
    const file = await jpegWith('edited.jpg', [
      '-IPTC:DateCreated=2009:09:09', '-IPTC:TimeCreated=17:00:00+02:00',
      '-XMP-photoshop:DateCreated=2009:09:09 17:00:00+02:00',
      '-IFD0:ModifyDate=2023:03:04 05:06:07', '-IFD0:Make=Shoebox', '-IFD0:Model=Test',
    ]);
    const { metadata } = await readMetadata(readFileSync(file), { path: file });
    assert.equal(metadata.takenAt, '2009-09-09T17:00:00+02:00');
    assert.equal(metadata.takenAtSource, 'XMP photoshop:DateCreated');
    assert.equal(metadata.takenAtUncertain, false);
  });

  it('IPTC DateCreated + TimeCreated alone, before EXIF CreateDate', async () => {
    const file = await jpegWith('iptc.jpg', ['-IPTC:DateCreated=2009:09:09', '-IPTC:TimeCreated=17:00:00+02:00', '-ExifIFD:CreateDate=2010:01:01 00:00:00', '-IFD0:Make=Shoebox']);
    const { metadata } = await readMetadata(readFileSync(file), { path: file });
    assert.equal(metadata.takenAt, '2009-09-09T17:00:00+02:00');
    assert.equal(metadata.takenAtSource, 'IPTC DateCreated');
  });

  it('DateTimeOriginal with SubSecTimeOriginal and OffsetTimeOriginal; OffsetTime of the ModifyDate is not borrowed', async () => {
    const file = await jpegWith('dto.jpg', [
      '-ExifIFD:DateTimeOriginal=2021:07:08 09:10:11', '-ExifIFD:SubSecTimeOriginal=042', '-ExifIFD:OffsetTimeOriginal=-05:00',
      '-IFD0:ModifyDate=2022:01:01 00:00:00', '-IFD0:Make=Shoebox',
    ]);
    assert.equal((await readMetadata(readFileSync(file))).metadata.takenAt, '2021-07-08T09:10:11.042-05:00');
    const noZone = await jpegWith('dto-nozone.jpg', ['-ExifIFD:DateTimeOriginal=2021:07:08 09:10:11', '-ExifIFD:OffsetTime=+03:00', '-IFD0:Make=Shoebox']);
    assert.equal((await readMetadata(readFileSync(noZone))).metadata.takenAt, '2021-07-08T09:10:11');
  });

  it('only a ModifyDate, or nothing but the file time: used last and flagged as uncertain', async () => {
    const modified = await jpegWith('modified.jpg', ['-IFD0:ModifyDate=2023:03:04 05:06:07', '-IFD0:Make=Shoebox']);
    const m = (await readMetadata(readFileSync(modified), { path: modified, mtimeMs: Date.UTC(2024, 0, 1) })).metadata;
    assert.deepEqual([m.takenAt, m.takenAtSource, m.takenAtUncertain], ['2023-03-04T05:06:07', 'EXIF ModifyDate', true]);
    const bare = path.join(dir, 'bare.png');
    writeFileSync(bare, await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer());
    const b = (await readMetadata(readFileSync(bare), { path: bare, mtimeMs: Date.UTC(2024, 0, 1) })).metadata;
    assert.equal(b.takenAtSource, 'File modification time');
    assert.equal(b.takenAtUncertain, true);
    assert.equal(new Date(b.takenAt!).getTime(), Date.UTC(2024, 0, 1));
  });
});
