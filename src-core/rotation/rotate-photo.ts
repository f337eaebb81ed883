/**
 * A person corrects a photo's rotation (issue 17): the turn is stored, then written at once into the
 * photo's XMP sidecar as tiff:Orientation (before the re-analysis clears the photo's metadata, whose
 * EXIF orientation it composes with). Re-running the photo's pixel stages is the caller's: the engine
 * queues it on high_priority, the CLI runs it like `analyze --now`.
 */
import { composeOrientation, type RotateDirection, type Rotation } from '../../src-shared/orientation.js';
import { PresetService } from '../presets/preset-service.js';
import { PhotoRotationsRepo } from '../store/repos/photo-rotations-repo.js';
import type { Store } from '../store/store.js';
import type { PhotoRecord } from '../../src-shared/photo.js';

export interface RotationOutcome {
  photoId: string;
  path: string;
  /** The correction now, clockwise degrees on top of the file's own orientation. */
  rotation: Rotation;
  /** The effective EXIF orientation (1–8): the file's, then the correction. */
  orientation: number;
  /** The sidecar written, or why it could not be (the correction is kept either way). */
  sidecar: { path: string; error: null } | { path: null; error: string };
}

export async function rotatePhoto(store: Store, cacheDir: string, photo: PhotoRecord, direction: RotateDirection): Promise<RotationOutcome> {
  const rotation = await new PhotoRotationsRepo(store.sql).turn(photo.id, direction);
  const detail = await store.photos.getDetail(photo.id);
  const orientation = composeOrientation(detail?.metadata?.orientation, rotation);
  let sidecar: RotationOutcome['sidecar'];
  try {
    // Marks-only write with no marks: the sidecar gets the orientation and nothing else changes.
    const written = await new PresetService(store, cacheDir).apply(photo.id, { marks: {} });
    sidecar = { path: written.sidecarPath, error: null };
  } catch (err) {
    sidecar = { path: null, error: err instanceof Error ? err.message : String(err) };
  }
  return { photoId: photo.id, path: photo.path, rotation, orientation, sidecar };
}
