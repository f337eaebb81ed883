/**
 * Writes a camera-style Multi-Picture Format JPEG (CIPA DC-007), as Sony, Fujifilm or Panasonic
 * bodies do: an APP2 `MPF\0` index after the EXIF segment, the primary image, then a large-thumbnail
 * JPEG after the primary's end. exiftool reads these files back independently (test/jpeg-mpf.test.ts).
 */
import sharp from 'sharp';

/** Index of the byte after the last APP0/APP1 segment that follows SOI: where cameras put APP2 MPF. */
function afterLeadingApps(jpeg: Buffer): number {
  let off = 2;
  while (off + 4 <= jpeg.length && jpeg[off] === 0xff && (jpeg[off + 1] === 0xe0 || jpeg[off + 1] === 0xe1)) {
    off += 2 + jpeg.readUInt16BE(off + 2);
  }
  return off;
}

/**
 * `primary` with `preview` appended as its MP image 2 (`type`: 0x010002, a Full-HD-class large
 * thumbnail, unless told otherwise); the index big-endian (`MM`) unless `byteOrder` is `II`.
 */
export function withMpfPreview(primary: Buffer, preview: Buffer, options: { type?: number; byteOrder?: 'MM' | 'II' } = {}): Buffer {
  const type = options.type ?? 0x010002;
  const little = options.byteOrder === 'II';
  // The index: "MPF\0", then from the MP header: endianness, IFD offset 8, 3 entries, next-IFD 0, 2 MP entries.
  const ifdEntries = 3;
  const entriesAt = 8 + 2 + ifdEntries * 12 + 4;
  const mp = Buffer.alloc(entriesAt + 2 * 16);
  const u16 = (v: number, at: number) => (little ? mp.writeUInt16LE(v, at) : mp.writeUInt16BE(v, at));
  const u32 = (v: number, at: number) => (little ? mp.writeUInt32LE(v, at) : mp.writeUInt32BE(v, at));
  mp.write(little ? 'II*\0' : 'MM\0*', 0, 'latin1');
  u32(8, 4);
  u16(ifdEntries, 8);
  const entry = (i: number, tag: number, kind: number, count: number, value: (at: number) => void) => {
    const at = 10 + i * 12;
    u16(tag, at);
    u16(kind, at + 2);
    u32(count, at + 4);
    value(at + 8);
  };
  entry(0, 0xb000, 7, 4, (at) => mp.write('0100', at, 'latin1'));
  entry(1, 0xb001, 4, 1, (at) => u32(2, at));
  entry(2, 0xb002, 7, 32, (at) => u32(entriesAt, at));

  const segmentLength = 2 + 2 + 4 + mp.length;
  const insertAt = afterLeadingApps(primary);
  const primarySize = primary.length + segmentLength;
  const mpHeader = insertAt + 4 + 4;
  // Entry 1: the primary (representative image flag, baseline MP primary), offset 0 by definition.
  u32(0x20030000, entriesAt);
  u32(primarySize, entriesAt + 4);
  u32(0, entriesAt + 8);
  // Entry 2: the preview, after the primary's EOI; its offset counts from the MP header.
  u32(type, entriesAt + 16);
  u32(preview.length, entriesAt + 20);
  u32(primarySize - mpHeader, entriesAt + 24);

  const segment = Buffer.concat([Buffer.from([0xff, 0xe2, 0, 0]), Buffer.from('MPF\0', 'latin1'), mp]);
  segment.writeUInt16BE(segmentLength - 2, 2);
  return Buffer.concat([primary.subarray(0, insertAt), segment, primary.subarray(insertAt), preview]);
}

/**
 * A camera-like MPF JPEG made from `primary`: its pixels shrunk to `previewLongSide` (1,616 px is what
 * Sony writes for a 24 MP 3:2 photo), stored unrotated like the primary, as a large thumbnail.
 */
export async function addCameraPreview(primary: Buffer, previewLongSide = 1616, quality = 85): Promise<Buffer> {
  const preview = await sharp(primary)
    .resize(previewLongSide, previewLongSide, { fit: 'inside' })
    .jpeg({ quality })
    .toBuffer();
  return withMpfPreview(primary, preview);
}
