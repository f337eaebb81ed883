/**
 * A corpus of broken, odd and hard photo files, generated on the fly (deterministic), plus the
 * broken files of the shared collection (`jpg/invalid/*`, `jpg/corrupted.jpg`). Every case says
 * what the engine must make of it: completed, failed with a specific code, or not a photo at all.
 *
 * Cases that need timing (a file deleted or rewritten after the scan) and the unreadable file are
 * set up by the test; this module creates their files and says which they are.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { ErrorCode } from '../../src-shared/errors.js';
import { generatePhotos } from './generate-photos.js';
import { hasPhotos, photo } from './photos.js';

export type Expectation =
  /** Analysed to the end (state done). */
  | { outcome: 'completed'; format?: string; metadataNote?: RegExp }
  /** Failed at once with this code, the reason matching `reason`. */
  | { outcome: 'failed'; code: ErrorCode; reason?: RegExp; reportMs?: boolean }
  /** Not a photo: the scan skips it, no row in the library. */
  | { outcome: 'not-a-photo' }
  /**
   * Either analysed, or failed with this code — and nothing else. For a JPEG whose pixels are all
   * there but whose end marker is missing, libjpeg only warns, and whether libvips escalates that
   * warning depends on its process-wide error state (another decode in flight): both are right.
   */
  | { outcome: 'completed-or-failed'; code: ErrorCode };

export interface BrokenCase {
  /** Short name for the table. */
  name: string;
  /** The files of the case (absolute). Buffer paths are names that are not valid UTF-8. */
  files: Array<string | Buffer>;
  expect: Expectation;
  /** Set up by the test after the scan (timing cases), or needing lowered privileges. */
  special?: 'delete-after-scan' | 'rewrite-after-scan' | 'unreadable';
  /** Known not to meet its expectation yet, and why (reported as a todo test, not a pass). */
}

export interface BrokenCorpus {
  dir: string;
  cases: BrokenCase[];
  /** Good photos next to the broken ones: none may be affected. */
  controls: string[];
  /** What the rewritten file holds after the rewrite (test writes it). */
  rewriteWith: Buffer;
}

/** Seeded bytes (mulberry32), so "random" files are the same on every run. */
export function seededBytes(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let a = seed >>> 0;
  for (let i = 0; i < length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) & 0xff;
  }
  return out;
}

/** A small picture with some structure (gradient + shapes), as a sharp pipeline. */
function picture(width: number, height: number, hue: number): sharp.Sharp {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},60%,35%)"/><stop offset="1" stop-color="hsl(${(hue + 140) % 360},55%,70%)"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <circle cx="${width / 3}" cy="${height / 2}" r="${height / 4}" fill="hsl(${(hue + 220) % 360},70%,50%)"/></svg>`;
  return sharp(Buffer.from(svg));
}

/** A PNG whose header declares `width × height` (a decompression bomb: tiny file, huge image). */
export function pngBomb(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const sum = Buffer.alloc(4);
    sum.writeUInt32BE(crc(body));
    return Buffer.concat([len, body, sum]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  // An empty zlib stream: nothing may try to decode the 30-gigabyte image the header declares.
  const idat = Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', Buffer.alloc(0))]);
}

/** A real JPEG whose SOF0 frame header is rewritten to declare `width × height`. */
export function jpegBomb(good: Buffer, width: number, height: number): Buffer {
  const bytes = Buffer.from(good);
  for (let i = 2; i < bytes.length - 9; ) {
    if (bytes[i] !== 0xff) break;
    const marker = bytes[i + 1]!;
    const length = bytes.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc2) {
      bytes.writeUInt16BE(height, i + 5);
      bytes.writeUInt16BE(width, i + 7);
      return bytes;
    }
    i += 2 + length;
  }
  throw new Error('no SOF marker found');
}

/** The APP1 Exif segment of a JPEG: where its TIFF header starts and where the segment ends. */
function findExif(jpeg: Buffer): { tiffStart: number; end: number } {
  for (let i = 2; i < jpeg.length - 4; ) {
    if (jpeg[i] !== 0xff) break;
    const marker = jpeg[i + 1]!;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker === 0xe1 && jpeg.toString('latin1', i + 4, i + 8) === 'Exif') return { tiffStart: i + 10, end: i + 2 + length };
    i += 2 + length;
  }
  throw new Error('no Exif segment');
}

/** 16-bit-per-sample RGB TIFF (uncompressed, little endian), assembled from sharp's 16-bit pixels. */
export async function tiff16(image: sharp.Sharp): Promise<Buffer> {
  const { data, info } = await image.toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
  const entries: Array<[number, number, number, number]> = [];
  const ifdOffset = 8;
  const entryCount = 10;
  const bitsOffset = ifdOffset + 2 + entryCount * 12 + 4;
  const pixelOffset = bitsOffset + 6;
  entries.push([256, 4, 1, info.width], [257, 4, 1, info.height], [258, 3, 3, bitsOffset], [259, 3, 1, 1]);
  entries.push([262, 3, 1, 2], [273, 4, 1, pixelOffset], [277, 3, 1, 3], [278, 4, 1, info.height]);
  entries.push([279, 4, 1, data.length], [284, 3, 1, 1]);
  const head = Buffer.alloc(pixelOffset);
  head.write('II', 0, 'latin1');
  head.writeUInt16LE(42, 2);
  head.writeUInt32LE(ifdOffset, 4);
  head.writeUInt16LE(entryCount, ifdOffset);
  entries.forEach(([tag, type, count, value], i) => {
    const e = ifdOffset + 2 + i * 12;
    head.writeUInt16LE(tag, e);
    head.writeUInt16LE(type, e + 2);
    head.writeUInt32LE(count, e + 4);
    if (type === 3 && count === 1) head.writeUInt16LE(value, e + 8);
    else head.writeUInt32LE(value, e + 8);
  });
  for (let k = 0; k < 3; k++) head.writeUInt16LE(16, bitsOffset + k * 2);
  return Buffer.concat([head, data]);
}

type Entry = [number, number, number[] | string];

/**
 * A RAW-shaped file (DNG structure): IFD0 holds a 16×12 grey thumbnail, Make "NIKON", DNGVersion;
 * a SubIFD holds the JPEG preview. The engine must use the embedded preview.
 */
export function fakeRaw(preview: Buffer, previewWidth: number, previewHeight: number, orientation = 1): Buffer {
  const chunks: Buffer[] = [];
  let size = 8;
  const place = (b: Buffer): number => {
    const at = size;
    chunks.push(b);
    size += b.length + (b.length % 2);
    if (b.length % 2) chunks.push(Buffer.alloc(1));
    return at;
  };
  const writeIfd = (entries: Entry[]): { at: number } => {
    const buf = Buffer.alloc(2 + entries.length * 12 + 4);
    buf.writeUInt16LE(entries.length, 0);
    const extra: Array<{ pos: number; data: Buffer }> = [];
    entries.sort((a, b) => a[0] - b[0]).forEach(([tag, type, values], i) => {
      const e = 2 + i * 12;
      const data =
        typeof values === 'string'
          ? Buffer.from(`${values}\0`, 'latin1')
          : Buffer.concat(
              values.map((v) => {
                const b = Buffer.alloc(type === 3 ? 2 : type === 4 ? 4 : 1);
                if (type === 3) b.writeUInt16LE(v);
                else if (type === 4) b.writeUInt32LE(v);
                else b.writeUInt8(v);
                return b;
              }),
            );
      buf.writeUInt16LE(tag, e);
      buf.writeUInt16LE(type, e + 2);
      buf.writeUInt32LE(typeof values === 'string' ? data.length : values.length, e + 4);
      if (data.length <= 4) data.copy(buf, e + 8);
      else extra.push({ pos: e + 8, data });
    });
    const at = place(buf);
    for (const { pos, data } of extra) buf.writeUInt32LE(place(data), pos);
    return { at };
  };
  const thumbAt = place(Buffer.alloc(16 * 12, 128));
  const previewAt = place(preview);
  const sub = writeIfd([
    [254, 4, [1]], [256, 4, [previewWidth]], [257, 4, [previewHeight]], [258, 3, [8, 8, 8]], [259, 3, [7]],
    [262, 3, [6]], [273, 4, [previewAt]], [277, 3, [3]], [278, 4, [previewHeight]], [279, 4, [preview.length]],
  ]);
  const ifd0 = writeIfd([
    [254, 4, [1]], [256, 4, [16]], [257, 4, [12]], [258, 3, [8]], [259, 3, [1]], [262, 3, [1]],
    [271, 2, 'NIKON'], [273, 4, [thumbAt]], [274, 3, [orientation]], [277, 3, [1]], [278, 4, [12]],
    [279, 4, [16 * 12]], [330, 4, [sub.at]], [50706, 1, [1, 4, 0, 0]],
  ]);
  const header = Buffer.alloc(8);
  header.write('II', 0, 'latin1');
  header.writeUInt16LE(42, 2);
  header.writeUInt32LE(ifd0.at, 4);
  return Buffer.concat([header, ...chunks]);
}

/** Builds the corpus under `dir` (which must be empty or absent). */
export async function buildBrokenCorpus(dir: string): Promise<BrokenCorpus> {
  fs.mkdirSync(dir, { recursive: true });
  const at = (...parts: string[]): string => path.join(dir, ...parts);
  const write = (file: string, data: Buffer | string): string => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, data);
    return file;
  };
  const cases: BrokenCase[] = [];
  const add = (c: BrokenCase): void => void cases.push(c);

  // Good photos (controls) and a source JPEG with EXIF for the derived cases.
  const controls = await generatePhotos(at('good'), 4, { width: 480, height: 320, prefix: 'control' });
  const source = fs.readFileSync(controls[0]!);

  add({ name: 'zero-byte file', files: [write(at('empty.jpg'), Buffer.alloc(0))], expect: { outcome: 'failed', code: 'empty-file', reason: /empty/ } });

  // Truncated: in the markers (before the image data), inside the scan data, and just the EOI missing.
  const sos = source.indexOf(Buffer.from([0xff, 0xda]));
  add({ name: 'JPEG cut in its headers', files: [write(at('truncated-headers.jpg'), source.subarray(0, Math.min(sos - 40, 400)))], expect: { outcome: 'failed', code: 'corrupt-file' } });
  add({ name: 'JPEG cut in its image data (60 %)', files: [write(at('truncated-60.jpg'), source.subarray(0, Math.floor(source.length * 0.6)))], expect: { outcome: 'failed', code: 'corrupt-file' } });
  add({ name: 'JPEG cut right after SOS', files: [write(at('truncated-sos.jpg'), source.subarray(0, sos + 40))], expect: { outcome: 'failed', code: 'corrupt-file' } });
  add({ name: 'JPEG without its last 2 bytes (EOI)', files: [write(at('truncated-eoi.jpg'), source.subarray(0, source.length - 2))], expect: { outcome: 'completed-or-failed', code: 'corrupt-file' } });

  add({ name: 'random bytes named .jpg', files: [write(at('random.jpg'), seededBytes(64 * 1024, 42))], expect: { outcome: 'failed', code: 'unsupported-format', reason: /not an image/ } });
  add({ name: 'PNG named .jpg', files: [write(at('png-inside.jpg'), await picture(300, 200, 30).png().toBuffer())], expect: { outcome: 'completed', format: 'png' } });

  // Corrupt EXIF: keep "Exif\0\0" and the TIFF header, scramble IFD0 and everything after it.
  const corruptExif = Buffer.from(source);
  const exif = findExif(corruptExif);
  seededBytes(exif.end - (exif.tiffStart + 10), 7).copy(corruptExif, exif.tiffStart + 10);
  add({ name: 'corrupt EXIF segment', files: [write(at('corrupt-exif.jpg'), corruptExif)], expect: { outcome: 'completed', format: 'jpeg', metadataNote: /EXIF segment unreadable/ } });

  add({ name: 'decompression bomb (PNG 100000×100000)', files: [write(at('bomb.png'), pngBomb(100_000, 100_000))], expect: { outcome: 'failed', code: 'too-large', reason: /megapixel limit/, reportMs: true } });
  add({ name: 'decompression bomb (JPEG 65000×65000)', files: [write(at('bomb.jpg'), jpegBomb(source, 65_000, 65_000))], expect: { outcome: 'failed', code: 'too-large', reason: /megapixel limit/, reportMs: true } });

  add({ name: 'CMYK JPEG', files: [write(at('cmyk.jpg'), await picture(300, 200, 90).toColourspace('cmyk').jpeg().toBuffer())], expect: { outcome: 'completed', format: 'jpeg' } });
  add({ name: '16-bit TIFF', files: [write(at('rgb16.tif'), await tiff16(picture(300, 200, 150)))], expect: { outcome: 'completed', format: 'tiff' } });
  add({ name: 'greyscale PNG', files: [write(at('grey.png'), await picture(300, 200, 200).greyscale().png().toBuffer())], expect: { outcome: 'completed', format: 'png' } });
  add({ name: 'PNG with alpha', files: [write(at('alpha.png'), await picture(300, 200, 250).ensureAlpha(0.5).png().toBuffer())], expect: { outcome: 'completed', format: 'png' } });
  add({ name: 'progressive JPEG', files: [write(at('progressive.jpg'), await picture(300, 200, 300).jpeg({ progressive: true }).toBuffer())], expect: { outcome: 'completed', format: 'jpeg' } });

  const preview = await picture(640, 480, 10).jpeg().toBuffer();
  add({ name: 'RAW (DNG-shaped, embedded preview)', files: [write(at('camera.dng'), fakeRaw(preview, 640, 480))], expect: { outcome: 'completed', format: 'dng' } });

  // A folder named like a photo holds a photo; the folder itself is not one.
  const inner = write(at('x.jpg', 'inside.jpg'), await picture(200, 150, 120).jpeg().toBuffer());
  add({ name: 'folder named x.jpg (its photo)', files: [inner], expect: { outcome: 'completed', format: 'jpeg' } });
  add({ name: 'folder named x.jpg (the folder)', files: [at('x.jpg')], expect: { outcome: 'not-a-photo' } });

  // Symlink loops: a folder link back to its parent (walked once), files linking to each other.
  fs.mkdirSync(at('loop'), { recursive: true });
  const inLoop = write(at('loop', 'in-loop.jpg'), await picture(200, 150, 60).jpeg().toBuffer());
  fs.symlinkSync('..', at('loop', 'parent'));
  fs.symlinkSync('b.jpg', at('loop', 'a.jpg'));
  fs.symlinkSync('a.jpg', at('loop', 'b.jpg'));
  fs.symlinkSync('self.jpg', at('loop', 'self.jpg'));
  add({ name: 'symlink loop (folder → parent): photo once', files: [inLoop], expect: { outcome: 'completed', format: 'jpeg' } });
  add({ name: 'symlink loop (a.jpg ↔ b.jpg, self.jpg)', files: [at('loop', 'a.jpg'), at('loop', 'b.jpg'), at('loop', 'self.jpg')], expect: { outcome: 'not-a-photo' } });

  // Names.
  const named = async (name: string, hue: number): Promise<string> => write(at('names', name), await picture(200, 150, hue).jpeg().toBuffer());
  add({ name: 'name with spaces', files: [await named('with some spaces .jpg', 10)], expect: { outcome: 'completed' } });
  add({ name: 'name with quotes', files: [await named(`quote's "double" \`back\`.jpg`, 20)], expect: { outcome: 'completed' } });
  add({ name: 'name with a newline', files: [await named('new\nline.jpg', 30)], expect: { outcome: 'completed' } });
  add({ name: 'name with unicode (NFD, emoji)', files: [await named('cafe\u0301 📷.jpg', 40)], expect: { outcome: 'completed' } });
  // Not valid UTF-8: created through a Buffer path (bytes 0xff 0xfe are never valid UTF-8).
  const badName = Buffer.concat([Buffer.from(path.join(dir, 'names') + path.sep), Buffer.from([0x6e, 0x6f, 0x6e, 0xff, 0xfe, 0x75, 0x74, 0x66]), Buffer.from('.jpg')]);
  fs.writeFileSync(badName, await picture(200, 150, 50).jpeg().toBuffer());
  add({
    name: 'name with non-UTF-8 bytes',
    files: [badName],
    // The library keys photos by text paths: such a file is found and failed with the reason to rename it.
    expect: { outcome: 'failed', code: 'unsupported-format', reason: /not valid UTF-8.*rename/ },
  });
  // A very long path: folders of 200 characters, well over 1,000 characters in all.
  const longDir = path.join(dir, 'long', ...Array.from({ length: 6 }, (_, i) => `${String(i)}${'d'.repeat(199)}`));
  const longFile = write(path.join(longDir, `${'p'.repeat(240)}.jpg`), await picture(200, 150, 70).jpeg().toBuffer());
  add({ name: `very long path (${longFile.length} chars)`, files: [longFile], expect: { outcome: 'completed' } });

  // Timing and privilege cases: the test acts on these.
  add({ name: 'deleted between scan and processing', files: [write(at('deleted.jpg'), await picture(200, 150, 80).jpeg().toBuffer())], expect: { outcome: 'failed', code: 'missing-file', reason: /no longer exists/ }, special: 'delete-after-scan' });
  add({ name: 'rewritten after the scan (new content)', files: [write(at('rewritten.jpg'), await picture(200, 150, 100).jpeg().toBuffer())], expect: { outcome: 'completed', format: 'png' }, special: 'rewrite-after-scan' });
  const rewriteWith = await picture(360, 240, 330).png().toBuffer();

  // The shared collection's broken files.
  if (hasPhotos) {
    // libjpeg reports the first damage it meets, and which one that is depends on the decode path libvips
    // takes (shrink-on-load scale, libjpeg-turbo build): "premature end of data segment" on one machine,
    // "Corrupt JPEG data: found marker 0xd1 instead of RST5" on another. Either is the file's real fault.
    const CORRUPT_JPEG_REASON = /damaged.*(premature end of data segment|Corrupt JPEG data)/;
    const shared = photo('jpg', 'invalid');
    fs.mkdirSync(at('shared-invalid'), { recursive: true });
    for (const name of fs.readdirSync(shared).sort()) {
      const copy = at('shared-invalid', name);
      fs.copyFileSync(path.join(shared, name), copy);
      add({ name: `shared jpg/invalid/${name}`, files: [copy], expect: { outcome: 'completed', format: 'jpeg' } });
    }
    const corrupted = at('shared-corrupted', 'corrupted.jpg');
    fs.mkdirSync(path.dirname(corrupted), { recursive: true });
    fs.copyFileSync(photo('jpg', 'corrupted.jpg'), corrupted);
    add({ name: 'shared jpg/corrupted.jpg', files: [corrupted], expect: { outcome: 'failed', code: 'corrupt-file', reason: CORRUPT_JPEG_REASON } });
    const heic = at('heic', 'IMG_5195.HEIC');
    fs.mkdirSync(path.dirname(heic), { recursive: true });
    fs.copyFileSync(photo('heic', 'IMG_5195.HEIC'), heic);
    add({ name: 'HEIC (HEVC)', files: [heic], expect: { outcome: 'completed', format: 'heif' } });
  }
  return { dir, cases, controls, rewriteWith };
}
