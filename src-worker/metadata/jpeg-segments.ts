/**
 * Whether a JPEG holds metadata exifr does not read, so that asking exiftool could add something.
 * exifr reads EXIF (not its maker notes), XMP, IPTC and ICC; exiftool also reads maker notes and
 * vendor segments (Canon CIFF in APP0, Olympus PictureInfo in APP12, FLIR in APP1, Ricoh, Kodak…). A
 * JPEG whose segments are all of the first kind gives exiftool nothing more to find: no fallback.
 */

/** Segment signatures exifr reads in full (or that hold no capture date / camera / lens). */
const READ_BY_EXIFR: ReadonlyArray<[marker: number, prefix: string]> = [
  [0xe0, 'JFIF\0'],
  [0xe0, 'JFXX\0'],
  [0xe1, 'Exif\0'],
  [0xe1, 'http://ns.adobe.com/xap/1.0/\0'],
  [0xe1, 'http://ns.adobe.com/xmp/extension/\0'],
  [0xe2, 'ICC_PROFILE\0'],
  [0xe2, 'MPF\0'],
  [0xed, 'Photoshop 3.0\0'],
  [0xee, 'Adobe'],
];

/**
 * For a JPEG: true when it has a segment exifr does not read, or EXIF maker notes (`hasMakerNote`).
 * Not a JPEG (or a damaged one): true, exiftool may know more.
 */
export function exiftoolMayAddToJpeg(bytes: Buffer, hasMakerNote: boolean): boolean {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) return true;
  if (hasMakerNote) return true;
  let off = 2;
  while (off + 4 <= bytes.length) {
    if (bytes[off] !== 0xff) return true; // not where a marker should be: let exiftool look
    const marker = bytes[off + 1]!;
    if (marker === 0xff) {
      off++; // fill byte
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return false; // start of scan / end: no more metadata segments
    const length = bytes.readUInt16BE(off + 2);
    if (marker >= 0xe0 && marker <= 0xef) {
      const known = READ_BY_EXIFR.some(([m, prefix]) => m === marker && bytes.toString('latin1', off + 4, off + 4 + prefix.length) === prefix);
      if (!known) return true;
    }
    off += 2 + length;
  }
  return true;
}
