/**
 * The Multi-Picture Format (CIPA DC-007) index of a JPEG: the APP2 `MPF\0` segment many cameras
 * (Sony, Fujifilm, Panasonic, Olympus, Pentax…) write to point at images stored after the primary
 * one's end — among them a 1,000–1,900 px "large thumbnail" of the same photo (issue 19: decoding it
 * costs a tenth of shrinking the 24 MP primary).
 *
 * Only reads; never throws: a damaged or foreign index yields no images, and the caller decodes the
 * primary as usual.
 */

/** MP Entry type codes (the attribute's low 24 bits) this module names. */
export const MP_TYPE = {
  primary: 0x030000,
  largeThumbnailVga: 0x010001,
  largeThumbnailFullHd: 0x010002,
  largeThumbnail4k: 0x010003,
} as const;

export interface MpfImage {
  /** The MP Entry's type code (MP_TYPE), e.g. 0x010002 for a Full-HD-class large thumbnail. */
  type: number;
  /** The image's bytes, from its SOI; checked to start with FF D8 and to lie inside the file. */
  bytes: Buffer;
}

const TAG_NUMBER_OF_IMAGES = 0xb001;
const TAG_MP_ENTRY = 0xb002;
const MP_ENTRY_SIZE = 16;
/** The attribute's bits 24–26: the image's data format; 0 is JPEG. */
const FORMAT_MASK = 0x07000000;

/** Byte offset of the MP header (the endianness mark after `MPF\0`) of the first APP2 MPF segment; null if none. */
function findMpHeader(bytes: Buffer): number | null {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) return null;
    const marker = bytes[off + 1]!;
    if (marker === 0xff) {
      off++;
      continue;
    }
    // Start of scan or end of image: the index, when there is one, comes before them.
    if (marker === 0xda || marker === 0xd9) return null;
    const length = bytes.readUInt16BE(off + 2);
    if (length < 2) return null;
    if (marker === 0xe2 && length >= 2 + 4 + 8 && bytes.toString('latin1', off + 4, off + 8) === 'MPF\0') return off + 8;
    off += 2 + length;
  }
  return null;
}

/**
 * The images an MPF index lists besides the primary (entry 0), in the index's order. Entries whose
 * data is not JPEG, lies outside the file (the file was cut, or rewritten without its trailer) or
 * does not start with a JPEG SOI are left out.
 */
export function readMpfImages(bytes: Buffer): MpfImage[] {
  const header = findMpHeader(bytes);
  if (header === null || header + 8 > bytes.length) return [];
  const order = bytes.toString('latin1', header, header + 4);
  const little = order === 'II*\0';
  if (!little && order !== 'MM\0*') return [];
  const u16 = (at: number) => (little ? bytes.readUInt16LE(at) : bytes.readUInt16BE(at));
  const u32 = (at: number) => (little ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));

  const ifd = header + u32(header + 4);
  if (ifd + 2 > bytes.length) return [];
  const count = u16(ifd);
  if (ifd + 2 + count * 12 > bytes.length) return [];
  let images = 0;
  let entries: { at: number; length: number } | null = null;
  for (let i = 0; i < count; i++) {
    const e = ifd + 2 + i * 12;
    const tag = u16(e);
    if (tag === TAG_NUMBER_OF_IMAGES) images = u32(e + 8);
    if (tag === TAG_MP_ENTRY) {
      const length = u32(e + 4);
      // Values longer than 4 bytes live at an offset from the MP header.
      entries = { at: length <= 4 ? e + 8 : header + u32(e + 8), length };
    }
  }
  if (!entries || images < 2 || entries.length < images * MP_ENTRY_SIZE || entries.at + images * MP_ENTRY_SIZE > bytes.length) return [];

  const out: MpfImage[] = [];
  for (let i = 1; i < images; i++) {
    const e = entries.at + i * MP_ENTRY_SIZE;
    const attribute = u32(e);
    const size = u32(e + 4);
    const offset = u32(e + 8);
    if ((attribute & FORMAT_MASK) !== 0 || size < 4 || offset === 0) continue;
    const start = header + offset;
    if (start + size > bytes.length || bytes[start] !== 0xff || bytes[start + 1] !== 0xd8) continue;
    out.push({ type: attribute & 0xffffff, bytes: bytes.subarray(start, start + size) });
  }
  return out;
}
