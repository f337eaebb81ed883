/**
 * Lens names that some cameras keep only in their maker notes, read with exifr's own TIFF reader by
 * presenting the maker note as a small TIFF (no hand-written IFD parsing):
 * - Nikon type 3 ("Nikon\0\x02…"): a complete TIFF starts at byte 10; tag 0x0084 Lens is the lens
 *   specification [minF, maxF, minA, maxA].
 * - Olympus / OM System ("OLYMPUS\0II…", "OM SYSTEM\0\0\0II…"): IFD offsets count from the maker note's
 *   first byte; the Equipment IFD (tag 0x2010) holds 0x0203 LensModel.
 * Other makers' lens ids need exiftool's lens tables: those come from the exiftool fallback.
 */
import exifr from 'exifr';
import { cleanString, num } from './values.js';

export interface MakerNoteLens {
  name: string | null;
  spec: unknown;
}

const IFD_ONLY = { tiff: true, ifd0: {}, exif: false, gps: false, interop: false, ifd1: false, xmp: false, iptc: false, icc: false, translateKeys: false, translateValues: false, reviveValues: false, mergeOutput: false, silentErrors: true } as const;

async function ifd0Of(tiff: Buffer): Promise<Record<string, unknown>> {
  const parsed = (await exifr.parse(tiff, IFD_ONLY).catch(() => null)) as Record<string, unknown> | null;
  const ifd0 = parsed?.ifd0;
  return ifd0 && typeof ifd0 === 'object' ? (ifd0 as Record<string, unknown>) : {};
}

/** A copy of the maker note with a TIFF header at byte 0 pointing at `ifdOffset` (offsets already count from byte 0). */
function asTiff(note: Buffer, littleEndian: boolean, ifdOffset: number): Buffer {
  const tiff = Buffer.from(note);
  tiff.write(littleEndian ? 'II*\0' : 'MM\0*', 0, 'latin1');
  if (littleEndian) tiff.writeUInt32LE(ifdOffset, 4);
  else tiff.writeUInt32BE(ifdOffset, 4);
  return tiff;
}

async function olympusLens(note: Buffer, headerLength: number): Promise<MakerNoteLens | null> {
  const order = note.toString('latin1', headerLength - 4, headerLength - 2);
  if (order !== 'II' && order !== 'MM') return null;
  const little = order === 'II';
  const main = await ifd0Of(asTiff(note, little, headerLength));
  const equipment = num(main[String(0x2010)]);
  if (equipment === null || equipment <= 8 || equipment >= note.length) return null;
  const eq = await ifd0Of(asTiff(note, little, equipment));
  return { name: cleanString(eq[String(0x0203)]), spec: null };
}

export async function lensFromMakerNote(makerNote: unknown): Promise<MakerNoteLens | null> {
  if (!(makerNote instanceof Uint8Array) || makerNote.length < 24) return null;
  const note = Buffer.from(makerNote.buffer, makerNote.byteOffset, makerNote.byteLength);
  if (note.toString('latin1', 0, 6) === 'Nikon\0' && note[6] === 2) {
    const ifd0 = await ifd0Of(note.subarray(10));
    return { name: null, spec: ifd0[String(0x0084)] ?? null };
  }
  if (note.toString('latin1', 0, 8) === 'OLYMPUS\0') return olympusLens(note, 12);
  if (note.toString('latin1', 0, 12) === 'OM SYSTEM\0\0\0') return olympusLens(note, 16);
  return null;
}
