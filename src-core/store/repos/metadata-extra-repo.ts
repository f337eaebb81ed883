/**
 * Metadata beyond photo_metadata's columns (issue 14): capture-date source, colour label, pick/reject,
 * title, description, hierarchical keywords, regions, the sidecar read and its stat, the reader used.
 * One JSON row per photo, written by the metadata stage next to saveMetadata, for the photo's revision.
 */
import type { MetadataExtra, PhotoMetadata, SidecarStat } from '../../../src-shared/photo.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

export const METADATA_EXTRA_MIGRATIONS: NamedMigration[] = [
  {
    id: 'metadata-extra/001-table',
    sql: `CREATE TABLE IF NOT EXISTS photo_metadata_extra (
            photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            json TEXT NOT NULL
          )`,
  },
];

/** The keys of MetadataExtra, so a row never smuggles other fields into a photo's metadata. */
const EXTRA_KEYS: ReadonlyArray<keyof MetadataExtra> = [
  'takenAtSource', 'takenAtUncertain', 'label', 'pick', 'title', 'description', 'hierarchicalKeywords', 'regions', 'sidecar', 'reader', 'readerNote',
];

export function extraOf(metadata: PhotoMetadata & MetadataExtra): MetadataExtra {
  return Object.fromEntries(EXTRA_KEYS.map((k) => [k, metadata[k]])) as unknown as MetadataExtra;
}

interface ExtraRow {
  photo_id: string;
  revision: number | string;
  json: string;
}

export class MetadataExtraRepo {
  constructor(private readonly db: SqlDb) {}

  /** Saves the extras of a photo's revision; a stale revision (or a cancelled photo) writes nothing. */
  async save(photoId: string, revision: number, extra: MetadataExtra): Promise<boolean> {
    const { changes } = await this.db.run(
      `INSERT INTO photo_metadata_extra (photo_id, revision, json)
       SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM photos WHERE id = ? AND revision = ? AND state <> 'cancelled')
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, json = excluded.json`,
      [photoId, revision, JSON.stringify(extra), photoId, revision],
    );
    return changes > 0;
  }

  /** The extras as last read, with the revision they were read for; null when never read. */
  async get(photoId: string): Promise<{ revision: number; extra: MetadataExtra } | null> {
    const row = await this.db.get<ExtraRow>('SELECT photo_id, revision, json FROM photo_metadata_extra WHERE photo_id = ?', [photoId]);
    return row ? { revision: Number(row.revision), extra: JSON.parse(row.json) as MetadataExtra } : null;
  }

  /** The sidecar each photo had when its metadata was last read (photos never read are absent). */
  async sidecarsOf(photoIds: readonly string[]): Promise<Map<string, SidecarStat | null>> {
    const out = new Map<string, SidecarStat | null>();
    for (let i = 0; i < photoIds.length; i += 500) {
      const ids = photoIds.slice(i, i + 500);
      if (ids.length === 0) continue;
      const rows = await this.db.all<ExtraRow>(
        `SELECT photo_id, revision, json FROM photo_metadata_extra WHERE photo_id IN (${ids.map(() => '?').join(', ')})`,
        ids,
      );
      for (const row of rows) out.set(row.photo_id, (JSON.parse(row.json) as MetadataExtra).sidecar ?? null);
    }
    return out;
  }
}

/** A photo's metadata with its extras merged in, when they were read for the photo's current revision. */
export async function withMetadataExtra<T extends { id: string; revision: number; metadata: PhotoMetadata | null }>(db: SqlDb, detail: T): Promise<T> {
  if (!detail.metadata) return detail;
  const found = await new MetadataExtraRepo(db).get(detail.id);
  if (!found || found.revision !== detail.revision) return detail;
  return { ...detail, metadata: { ...detail.metadata, ...found.extra } };
}
