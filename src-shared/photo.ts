import type { ErrorCode } from './errors.js';
import type { PhotoState, Stage, StageState } from './stages.js';

export interface GpsPosition {
  lat: number;
  lon: number;
  alt: number | null;
}

/** Normalised metadata; every field is null when the file does not record it. */
export interface PhotoMetadata extends Partial<MetadataExtra> {
  /** As recorded, ISO 8601 `YYYY-MM-DDTHH:MM:SS`, with `±HH:MM` when the file records an offset. */
  takenAt: string | null;
  make: string | null;
  model: string | null;
  lens: string | null;
  /** EXIF orientation 1–8. */
  orientation: number | null;
  /** Pixel size as stored (before orientation is applied). */
  width: number | null;
  height: number | null;
  iso: number | null;
  /** Seconds. */
  exposureTime: number | null;
  fNumber: number | null;
  /** Millimetres. */
  focalLength: number | null;
  gps: GpsPosition | null;
  rating: number | null;
  keywords: string[];
}

/** A face (or other) region another app drew and named, MWG regions as recorded (centre x/y, normalised by default). */
export interface MetadataRegion {
  name: string | null;
  /** MWG type: Face, Pet, Focus, BarCode… */
  type: string | null;
  x: number;
  y: number;
  w: number;
  h: number;
  /** `normalized` (0–1) or `pixel`, as the region says. */
  unit: string;
}

/** The XMP sidecar a photo's metadata was read from, with the stat that tells a later scan it changed. */
export interface SidecarStat {
  path: string;
  size: number;
  mtimeMs: number;
}

/**
 * Metadata beyond the core columns (issue 14): where the capture date came from, what other apps wrote
 * (sidecars, embedded XMP), and which reader read it. Stored in its own table (photo_metadata_extra).
 */
export interface MetadataExtra {
  /**
   * The tag the capture date came from, e.g. `EXIF DateTimeOriginal`, `XMP photoshop:DateCreated`,
   * `IPTC DateCreated`, `MakerNotes Reconyx:DateTimeOriginal`, `EXIF ModifyDate`, `File modification time`.
   */
  takenAtSource: string | null;
  /** True when the date is only when the file was last changed (ModifyDate, file time): "date uncertain". */
  takenAtUncertain: boolean;
  /** Colour label as recorded (xmp:Label "Red", darktable/digiKam numbers mapped to colour names). */
  label: string | null;
  /** Pick / reject flag (Rating -1, digiKam PickLabel, xmpDM:good). */
  pick: 'pick' | 'reject' | null;
  title: string | null;
  description: string | null;
  /** lr:hierarchicalSubject, each as recorded with `|` between levels ("Places|Italy|Arezzo"). */
  hierarchicalKeywords: string[];
  regions: MetadataRegion[];
  /** The sidecar that was read, or null when the photo has none. */
  sidecar: SidecarStat | null;
  /** `exifr` alone, or `exifr+exiftool` when exiftool read what exifr could not. */
  reader: 'exifr' | 'exifr+exiftool';
  /** Why exiftool was needed, or why it could not run (no Perl…); null when it was not needed. */
  readerNote: string | null;
}

/** Everything the metadata stage reads: the core columns plus the extras. */
export type FullMetadata = PhotoMetadata & MetadataExtra;

/** What the preprocess stage produced, from one decode of the file. */
export interface PhotoDerivatives {
  /** Paths relative to the library's cache folder. */
  thumbnailPath: string;
  previewPath: string;
  /** Oriented (display) size of the original. */
  width: number;
  height: number;
  /** 64-bit difference hash as 16 hex digits. */
  dhash: string;
  /** Detected format of the file's content (jpeg, png, heif, tiff…). */
  format: string;
}

export interface StageRecord {
  stage: Stage;
  state: StageState;
  ms: number | null;
  errorCode: ErrorCode | null;
  error: string | null;
  /** Why the stage was skipped, or a warning it recorded (for example: EXIF unreadable). */
  note: string | null;
  attempts: number;
  updatedAt: string;
}

export interface PhotoRecord {
  id: string;
  path: string;
  size: number;
  mtimeMs: number;
  /** sha1 of the file's bytes, hex; null until a worker has read the file. */
  contentHash: string | null;
  state: PhotoState;
  revision: number;
  ingestId: string | null;
  failedStage: Stage | null;
  errorCode: ErrorCode | null;
  error: string | null;
  /** Why a stage or the photo was skipped (for example: unchanged since the last analysis). */
  note: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface PhotoDetail extends PhotoRecord {
  stages: StageRecord[];
  metadata: PhotoMetadata | null;
  derivatives: PhotoDerivatives | null;
  /** Raw results of later stages, by stage name (filled by the analysis stages). */
  results: Record<string, unknown>;
}
