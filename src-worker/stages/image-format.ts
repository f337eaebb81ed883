import { fileTypeFromBuffer } from 'file-type';

/** Formats that are camera RAW files (decoded through their embedded preview when needed). */
export const RAW_FORMATS: ReadonlySet<string> = new Set([
  'dng', 'nef', 'nrw', 'cr2', 'cr3', 'crw', 'arw', 'srf', 'sr2', 'orf', 'rw2', 'raf', 'pef', 'srw',
  'x3f', 'erf', 'mrw', 'mef', 'mos', '3fr', 'fff', 'iiq', 'rwl', 'dcr', 'kdc',
]);

export function isRawFormat(format: string | null | undefined): boolean {
  return format != null && RAW_FORMATS.has(format);
}

/** file-type's extension → our short format name. */
const EXT_TO_FORMAT: Record<string, string> = {
  jpg: 'jpeg',
  jpeg: 'jpeg',
  png: 'png',
  apng: 'png',
  webp: 'webp',
  avif: 'avif',
  heic: 'heif',
  heif: 'heif',
  tif: 'tiff',
  tiff: 'tiff',
  gif: 'gif',
  bmp: 'bmp',
  jxl: 'jxl',
  jp2: 'jp2',
  jpx: 'jp2',
  jpm: 'jp2',
  j2c: 'jp2',
  psd: 'psd',
  ico: 'ico',
  icns: 'icns',
  dng: 'dng',
  nef: 'nef',
  cr2: 'cr2',
  cr3: 'cr3',
  arw: 'arw',
  orf: 'orf',
  rw2: 'rw2',
  raf: 'raf',
};

/** Make (IFD0) prefixes of cameras whose TIFF-based RAW files file-type reports as plain tiff. */
const TIFF_RAW_BY_MAKE: Array<[RegExp, string]> = [
  [/^pentax|^asahi|^ricoh imaging/i, 'pef'],
  [/^samsung/i, 'srw'],
  [/^nikon/i, 'nef'],
  [/^sony/i, 'arw'],
  [/^canon/i, 'cr2'],
  [/^leaf|^phase one/i, 'iiq'],
  [/^hasselblad/i, '3fr'],
  [/^kodak/i, 'dcr'],
  [/^leica/i, 'rwl'],
  [/^epson/i, 'erf'],
  [/^mamiya/i, 'mef'],
];

/** One IFD entry of interest from a TIFF structure. */
interface TiffView {
  le: boolean;
  buf: Buffer;
}

function u16(v: TiffView, off: number): number {
  return v.le ? v.buf.readUInt16LE(off) : v.buf.readUInt16BE(off);
}
function u32(v: TiffView, off: number): number {
  return v.le ? v.buf.readUInt32LE(off) : v.buf.readUInt32BE(off);
}

export interface TiffImageInfo {
  width: number | null;
  height: number | null;
  /** Compression tag (6/7 = JPEG) and the strip/JPEG data, when the IFD holds one contiguous block. */
  compression: number | null;
  dataOffset: number | null;
  dataLength: number | null;
  /** NewSubfileType: 0 = full resolution, 1 = reduced (preview/thumbnail). */
  subfileType: number | null;
}

export interface TiffSummary {
  make: string | null;
  orientation: number | null;
  isDng: boolean;
  images: TiffImageInfo[];
}

const TAG_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4 };

/**
 * Walks a TIFF-structured file (TIFF, DNG and most camera RAWs): IFD0, its chain, SubIFDs and the
 * EXIF IFD, collecting image sizes and embedded JPEG blocks. Never throws: a broken structure
 * yields what was read before the break. Returns null when the bytes are not TIFF-structured.
 */
export function walkTiff(buf: Buffer, base = 0): TiffSummary | null {
  if (buf.length < base + 8) return null;
  const order = buf.toString('latin1', base, base + 2);
  if (order !== 'II' && order !== 'MM') return null;
  const v: TiffView = { le: order === 'II', buf };
  const magic = u16(v, base + 2);
  // 42 = TIFF, 0x4f52 = Olympus ORF, 0x5352 = ORF variant, 0x55 = Panasonic RW2
  if (magic !== 42 && magic !== 0x4f52 && magic !== 0x5352 && magic !== 0x55) return null;
  const summary: TiffSummary = { make: null, orientation: null, isDng: false, images: [] };
  const seen = new Set<number>();
  const queue: Array<{ off: number; chain: boolean; ifd0: boolean }> = [
    { off: u32(v, base + 4), chain: true, ifd0: true },
  ];
  let budget = 64;
  while (queue.length > 0 && budget-- > 0) {
    const { off: rel, chain, ifd0 } = queue.shift()!;
    const off = base + rel;
    if (rel === 0 || seen.has(off) || off + 2 > buf.length) continue;
    seen.add(off);
    const count = u16(v, off);
    if (count === 0 || count > 1000 || off + 2 + count * 12 > buf.length) continue;
    const img: TiffImageInfo = {
      width: null, height: null, compression: null, dataOffset: null, dataLength: null, subfileType: null,
    };
    let stripOffsets: number[] = [];
    let stripCounts: number[] = [];
    for (let i = 0; i < count; i++) {
      const e = off + 2 + i * 12;
      const tag = u16(v, e);
      const type = u16(v, e + 2);
      const n = u32(v, e + 4);
      const size = (TAG_SIZES[type] ?? 1) * n;
      const valOff = size <= 4 ? e + 8 : base + u32(v, e + 8);
      if (valOff + size > buf.length) continue;
      const num = (k: number): number =>
        type === 3 ? u16(v, valOff + k * 2) : type === 4 || type === 13 ? u32(v, valOff + k * 4) : buf[valOff + k]!;
      const nums = (): number[] => Array.from({ length: Math.min(n, 4096) }, (_, k) => num(k));
      switch (tag) {
        case 0x00fe: img.subfileType = num(0); break;
        case 0x0100: img.width = num(0); break;
        case 0x0101: img.height = num(0); break;
        case 0x0103: img.compression = num(0); break;
        case 0x0111: stripOffsets = nums(); break;
        case 0x0117: stripCounts = nums(); break;
        case 0x0201: img.dataOffset = base + num(0); break; // JPEGInterchangeFormat
        case 0x0202: img.dataLength = num(0); break;
        case 0x010f:
          if (ifd0 && type === 2) summary.make = buf.toString('latin1', valOff, valOff + n).split('\0')[0]!.trim() || null;
          break;
        case 0x0112: if (ifd0) summary.orientation = num(0); break;
        case 0xc612: summary.isDng = true; break;
        case 0x014a: // SubIFDs
          for (const s of nums()) queue.push({ off: s, chain: false, ifd0: false });
          break;
        case 0x8769: // EXIF IFD
          queue.push({ off: num(0), chain: false, ifd0: false });
          break;
        default:
          break;
      }
    }
    if (img.dataOffset === null && stripOffsets.length === 1 && stripCounts.length === 1) {
      img.dataOffset = base + stripOffsets[0]!;
      img.dataLength = stripCounts[0]!;
    }
    summary.images.push(img);
    if (chain) {
      const nextPos = off + 2 + count * 12;
      if (nextPos + 4 <= buf.length) queue.push({ off: u32(v, nextPos), chain: true, ifd0: false });
    }
  }
  return summary;
}

/**
 * The embedded JPEG blocks of a TIFF-structured RAW, largest first (by declared pixels, then bytes).
 * Only blocks that really start with a JPEG SOI marker are returned.
 */
export function findEmbeddedJpegs(buf: Buffer): Buffer[] {
  const summary = walkTiff(buf);
  if (!summary) return [];
  const found: Array<{ bytes: Buffer; px: number }> = [];
  for (const img of summary.images) {
    if (img.dataOffset === null || img.dataLength === null || img.dataLength < 4) continue;
    const end = img.dataOffset + img.dataLength;
    if (end > buf.length) continue;
    if (buf[img.dataOffset] !== 0xff || buf[img.dataOffset + 1] !== 0xd8) continue;
    // Lossless-JPEG raw sensor data also starts with SOI; those have SOF3 and are skipped by the decoder.
    found.push({ bytes: buf.subarray(img.dataOffset, end), px: (img.width ?? 0) * (img.height ?? 0) });
  }
  found.sort((a, b) => b.px - a.px || b.bytes.length - a.bytes.length);
  return found.map((f) => f.bytes);
}

/**
 * Detects the format from the content (never the file name): a short name such as jpeg, png, webp,
 * avif, heif, tiff, gif, bmp, or a RAW name (dng, nef, cr2, cr3, arw, orf, rw2, raf, pef…); null when
 * the content is not an image.
 */
export async function detectImageFormat(bytes: Buffer): Promise<string | null> {
  if (bytes.length === 0) return null;
  let result;
  try {
    result = await fileTypeFromBuffer(bytes);
  } catch {
    result = undefined;
  }
  if (!result) return null;
  const { ext, mime } = result;
  if (!mime.startsWith('image/')) return null;
  let format = EXT_TO_FORMAT[ext] ?? ext;
  if (format === 'tiff') {
    // file-type reports several TIFF-based RAWs (and some DNGs) as tiff: look at IFD0.
    const summary = walkTiff(bytes);
    if (summary?.isDng) {
      format = 'dng';
    } else if (summary?.make) {
      const hasFullRes = summary.images.some((i) => i.subfileType === 0 && (i.compression === 7 || i.compression === 34713 || i.compression === 1) && (i.width ?? 0) * (i.height ?? 0) > 4_000_000);
      const match = TIFF_RAW_BY_MAKE.find(([re]) => re.test(summary.make!));
      // A camera maker's name alone does not make a RAW (scanners and exports write TIFF too):
      // require a sensor-sized image next to a JPEG preview.
      const hasJpegPreview = summary.images.some((i) => i.compression === 6 || i.compression === 7);
      if (match && hasFullRes && hasJpegPreview) format = match[1];
    }
  }
  return format;
}
