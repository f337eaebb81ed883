/**
 * A person's rotation correction per photo (issue 17): a clockwise turn on top of the file's EXIF
 * orientation, kept apart from the photo row so a re-analysis (new revision, new bytes) never loses it.
 * No row: never corrected. A row at 0: corrected back to how the file shows itself (the sidecar still
 * says so, to undo an earlier tiff:Orientation). Written once for both databases.
 */
import { isRotation, turn, type RotateDirection, type Rotation } from '../../../src-shared/orientation.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

export const PHOTO_ROTATIONS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'photo-rotations/001-table',
    sql: `CREATE TABLE IF NOT EXISTS photo_rotations (
            photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            rotation INTEGER NOT NULL CHECK (rotation IN (0, 90, 180, 270)),
            updated_at TEXT NOT NULL
          )`,
  },
];

export class PhotoRotationError extends Error {}

export class PhotoRotationsRepo {
  constructor(private readonly db: SqlDb) {}

  /** The photo's correction, or null when nobody corrected it. */
  async get(photoId: string): Promise<Rotation | null> {
    const row = await this.db.get<{ rotation: number | string }>('SELECT rotation FROM photo_rotations WHERE photo_id = ?', [photoId]);
    if (!row) return null;
    const rotation = Number(row.rotation);
    return isRotation(rotation) ? rotation : null;
  }

  /**
   * Turns the photo's correction `direction` from where it is now, in one statement (two quick clicks on
   * "rotate right" make 180° on both stores, never 90° twice over the same read).
   */
  async turn(photoId: string, direction: RotateDirection): Promise<Rotation> {
    const by = turn(0, direction);
    const row = await this.db.get<{ rotation: number | string }>(
      `INSERT INTO photo_rotations (photo_id, rotation, updated_at) SELECT id, ?, ? FROM photos WHERE id = ?
       ON CONFLICT (photo_id) DO UPDATE SET rotation = (photo_rotations.rotation + ?) % 360, updated_at = excluded.updated_at
       RETURNING rotation`,
      [by, new Date().toISOString(), photoId, by],
    );
    if (!row) throw new PhotoRotationError(`no photo "${photoId}" in the library`);
    const rotation = Number(row.rotation);
    if (!isRotation(rotation)) throw new PhotoRotationError(`photo "${photoId}" has an invalid stored rotation ${row.rotation}`);
    return rotation;
  }
}
