import type { ErrorCode } from './errors.js';
import type { PhotoState, Stage, StageState } from './stages.js';

export interface GpsPosition {
  lat: number;
  lon: number;
  alt: number | null;
}

/** Normalised metadata; every field is null when the file does not record it. */
export interface PhotoMetadata {
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
