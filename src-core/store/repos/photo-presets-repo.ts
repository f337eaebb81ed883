/**
 * Per photo (issue 15): its recognised context with the reason for each label and the suggested preset
 * with the rule that chose it (for the photo's revision); the person's marks that go into the sidecar
 * (rating −1…5, colour label); and the last sidecar Shoebox wrote for it.
 */
import path from 'node:path';
import type { ContextFinding } from '../../../src-shared/presets.js';
import { likePattern, type NamedMigration, type SqlDb } from '../sql/sql-db.js';

export const PHOTO_PRESETS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'photo-presets/001-tables',
    sql: `CREATE TABLE IF NOT EXISTS photo_context (
            photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            revision INTEGER NOT NULL,
            findings_json TEXT NOT NULL,
            preset_id TEXT,
            rule_id TEXT,
            computed_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS photo_marks (
            photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            rating INTEGER,
            label TEXT,
            updated_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS photo_sidecar_writes (
            photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
            sidecar_path TEXT NOT NULL,
            sha256 TEXT NOT NULL,
            preset_id TEXT,
            written_at TEXT NOT NULL
          )`,
  },
];

export interface PhotoContext {
  revision: number;
  findings: ContextFinding[];
  presetId: string | null;
  ruleId: string | null;
  computedAt: string;
}

export interface PhotoMarks {
  rating: number | null;
  label: string | null;
}

export interface SidecarWrite {
  sidecarPath: string;
  sha256: string;
  presetId: string | null;
  writtenAt: string;
}

interface ContextRow {
  revision: number | string;
  findings_json: string;
  preset_id: string | null;
  rule_id: string | null;
  computed_at: string;
}

export class PhotoPresetsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Saves a photo's context for its revision; a stale revision writes nothing (returns false). */
  async saveContext(photoId: string, revision: number, findings: ContextFinding[], suggestion: { presetId: string | null; ruleId: string | null }): Promise<boolean> {
    const { changes } = await this.db.run(
      `INSERT INTO photo_context (photo_id, revision, findings_json, preset_id, rule_id, computed_at)
       SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM photos WHERE id = ? AND revision = ?)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, findings_json = excluded.findings_json,
         preset_id = excluded.preset_id, rule_id = excluded.rule_id, computed_at = excluded.computed_at`,
      [photoId, revision, JSON.stringify(findings), suggestion.presetId, suggestion.ruleId, new Date().toISOString(), photoId, revision],
    );
    return changes > 0;
  }

  async context(photoId: string): Promise<PhotoContext | null> {
    const row = await this.db.get<ContextRow>('SELECT revision, findings_json, preset_id, rule_id, computed_at FROM photo_context WHERE photo_id = ?', [photoId]);
    if (!row) return null;
    return { revision: Number(row.revision), findings: JSON.parse(row.findings_json), presetId: row.preset_id, ruleId: row.rule_id, computedAt: row.computed_at };
  }

  /** Sets the rating and/or colour label of photos (undefined: unchanged, null: cleared); returns the ids found. */
  async setMarks(photoIds: readonly string[], marks: { rating?: number | null; label?: string | null }): Promise<string[]> {
    if (marks.rating !== undefined && marks.rating !== null && !(Number.isInteger(marks.rating) && marks.rating >= -1 && marks.rating <= 5)) {
      throw new Error(`rating ${marks.rating} is not an integer from -1 (reject) to 5`);
    }
    const now = new Date().toISOString();
    return this.db.transaction(async (tx) => {
      const done: string[] = [];
      for (const id of photoIds) {
        const { changes } = await tx.run(
          `INSERT INTO photo_marks (photo_id, rating, label, updated_at)
           SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM photos WHERE id = ?)
           ON CONFLICT (photo_id) DO UPDATE SET
             rating = CASE WHEN ? = 1 THEN excluded.rating ELSE photo_marks.rating END,
             label = CASE WHEN ? = 1 THEN excluded.label ELSE photo_marks.label END,
             updated_at = excluded.updated_at`,
          [id, marks.rating ?? null, marks.label ?? null, now, id, marks.rating !== undefined ? 1 : 0, marks.label !== undefined ? 1 : 0],
        );
        if (changes > 0) done.push(id);
      }
      return done;
    });
  }

  async marks(photoId: string): Promise<PhotoMarks | null> {
    const row = await this.db.get<{ rating: number | string | null; label: string | null }>('SELECT rating, label FROM photo_marks WHERE photo_id = ?', [photoId]);
    return row ? { rating: row.rating === null ? null : Number(row.rating), label: row.label } : null;
  }

  async recordSidecarWrite(photoId: string, write: Omit<SidecarWrite, 'writtenAt'>): Promise<void> {
    await this.db.run(
      `INSERT INTO photo_sidecar_writes (photo_id, sidecar_path, sha256, preset_id, written_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET sidecar_path = excluded.sidecar_path, sha256 = excluded.sha256, preset_id = excluded.preset_id, written_at = excluded.written_at`,
      [photoId, write.sidecarPath, write.sha256, write.presetId, new Date().toISOString()],
    );
  }

  async lastSidecarWrite(photoId: string): Promise<SidecarWrite | null> {
    const row = await this.db.get<{ sidecar_path: string; sha256: string; preset_id: string | null; written_at: string }>(
      'SELECT sidecar_path, sha256, preset_id, written_at FROM photo_sidecar_writes WHERE photo_id = ?',
      [photoId],
    );
    return row ? { sidecarPath: row.sidecar_path, sha256: row.sha256, presetId: row.preset_id, writtenAt: row.written_at } : null;
  }

  /** The library's photos under a folder (not cancelled), with their quality score (null before the quality stage). */
  async photosUnder(folder: string): Promise<{ photoId: string; quality: number | null }[]> {
    const prefix = folder.endsWith(path.sep) ? folder : folder + path.sep;
    const rows = await this.db.all<{ id: string; quality: number | string | null }>(
      `SELECT p.id, ${this.db.dialect.jsonNumber('q.json', 'score')} AS quality
         FROM photos p LEFT JOIN photo_results q ON q.photo_id = p.id AND q.stage = 'quality'
        WHERE p.path LIKE ? ESCAPE '\\' AND p.state <> 'cancelled' ORDER BY p.path`,
      [`${likePattern(prefix, false)}%`],
    );
    return rows.map((r) => ({ photoId: r.id, quality: r.quality === null ? null : Number(r.quality) }));
  }
}
