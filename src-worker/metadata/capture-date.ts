/**
 * Which of a photo's recorded dates is its capture date, in the order photo managers apply (issue 14):
 * what the camera wrote when the shutter fired, then what an editor or a DAM recorded as the creation
 * date, then the digitised date, then maker notes; the modification date and the file time only last,
 * and then flagged as uncertain.
 */

export type DateSourceKind =
  | 'exif-original'
  | 'xmp-original'
  | 'iptc-created'
  | 'exif-digitized'
  | 'xmp-created'
  | 'maker-notes'
  | 'exif-modified'
  | 'xmp-modified'
  | 'file-time';

/** Highest first. */
export const CAPTURE_DATE_PRECEDENCE: readonly DateSourceKind[] = [
  'exif-original', // EXIF DateTimeOriginal (+ SubSecTimeOriginal, OffsetTimeOriginal)
  'xmp-original', // XMP exif:DateTimeOriginal, photoshop:DateCreated
  'iptc-created', // IPTC DateCreated + TimeCreated
  'exif-digitized', // EXIF CreateDate (DateTimeDigitized)
  'xmp-created', // XMP xmp:CreateDate
  'maker-notes', // Reconyx, CIFF, Olympus PictureInfo, Kodak… (read by exiftool)
  'exif-modified', // IFD0 ModifyDate: when the file was last saved
  'xmp-modified', // XMP xmp:ModifyDate
  'file-time', // the file's modification time
];

const UNCERTAIN: ReadonlySet<DateSourceKind> = new Set(['exif-modified', 'xmp-modified', 'file-time']);

export interface DateCandidate {
  kind: DateSourceKind;
  /** The tag, as a person reads it: "EXIF DateTimeOriginal", "XMP photoshop:DateCreated"… */
  source: string;
  /** Normalised by formatDate / formatIptcDate; null when the tag is absent or unusable. */
  value: string | null;
}

export interface CaptureDate {
  takenAt: string | null;
  takenAtSource: string | null;
  takenAtUncertain: boolean;
}

/** The first usable candidate by precedence; within one kind, the order the candidates were given. */
export function chooseCaptureDate(candidates: readonly DateCandidate[]): CaptureDate {
  for (const kind of CAPTURE_DATE_PRECEDENCE) {
    const hit = candidates.find((c) => c.kind === kind && c.value !== null);
    if (hit) return { takenAt: hit.value, takenAtSource: hit.source, takenAtUncertain: UNCERTAIN.has(kind) };
  }
  return { takenAt: null, takenAtSource: null, takenAtUncertain: false };
}

/** Whether the date is a real capture date (not absent, not only a modification or file time). */
export function hasCaptureDate(date: CaptureDate): boolean {
  return date.takenAt !== null && !date.takenAtUncertain;
}
