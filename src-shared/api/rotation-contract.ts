/** The rotation correction call of the API contract (issue 17), spread into `api` (contract.ts). */
import { z } from 'zod';
import { ROTATE_DIRECTIONS, ROTATIONS } from '../orientation.js';

const PhotoId = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.-]+$/, 'must be an id (letters, digits, _ . -)');

export const RotationOutcomeDto = z.object({
  photoId: z.string(),
  /** The correction now: clockwise degrees on top of the file's own orientation. */
  rotation: z.union(ROTATIONS.map((r) => z.literal(r)) as [z.ZodLiteral<0>, z.ZodLiteral<90>, z.ZodLiteral<180>, z.ZodLiteral<270>]),
  /** The effective EXIF orientation, 1–8 (what the sidecar's tiff:Orientation says). */
  orientation: z.number().int().min(1).max(8),
  /** The sidecar written, or why it could not be (the correction is kept either way). */
  sidecarPath: z.string().nullable(),
  sidecarError: z.string().nullable(),
});
export type RotationOutcomeDto = z.infer<typeof RotationOutcomeDto>;

export const ROTATION_API = {
  /**
   * Turn a photo left, right or 180° from how it is shown now. Its thumbnail, preview and pixel stages
   * (faces, objects, text, descriptor, quality; then people and groups) run again on high_priority.
   */
  'photos.rotate': {
    req: z.object({ photoId: PhotoId, direction: z.enum(ROTATE_DIRECTIONS) }).strict(),
    res: RotationOutcomeDto,
  },
} as const;
