/**
 * Exports (issue 16): one record per export (its target folder, options, state) and one item per photo
 * (its file name, chosen once when the export is created, its state, and the sha-256 of the file it
 * wrote, recorded before the file is put in place, so a resumed export recognises a file it already
 * wrote and verified). Reads the photos' facts (path, capture date, camera, quality, tags, rating) from
 * the tables other parts own, with plain SQL.
 */
import { randomUUID } from 'node:crypto';
import {
  exportOptionsSchema, type ExportItemState, type ExportOptions, type ExportState, type ExportSummary,
} from '../../../src-shared/exports.js';
import { ETA_WINDOW, exportEta } from '../../../src-shared/export-eta.js';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

export const EXPORTS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'exports/001-tables',
    sql: `CREATE TABLE IF NOT EXISTS exports (
            id TEXT PRIMARY KEY,
            target_dir TEXT NOT NULL,
            options_json TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            total INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS export_items (
            export_id TEXT NOT NULL REFERENCES exports(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            photo_id TEXT NOT NULL,
            original_path TEXT NOT NULL,
            file_name TEXT NOT NULL,
            priority INTEGER NOT NULL,
            keywords_json TEXT NOT NULL,
            rating INTEGER,
            state TEXT NOT NULL,
            expected_sha256 TEXT,
            bytes INTEGER,
            error TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (export_id, seq),
            UNIQUE (export_id, file_name)
          );
          CREATE INDEX IF NOT EXISTS export_items_state_idx ON export_items(export_id, state)`,
  },
];

/** What an export needs to know about a photo when it is created. */
export interface PhotoExportFacts {
  photoId: string;
  path: string;
  takenAt: string | null;
  make: string | null;
  model: string | null;
  /** The quality stage's score, or null. */
  quality: number | null;
  tags: string[];
  /** The person's rating (photo_marks), or null. */
  rating: number | null;
}

export interface NewExportItem {
  photoId: string;
  originalPath: string;
  fileName: string;
  /** BullMQ priority (1 first). */
  priority: number;
  keywords: string[];
  rating: number | null;
}

export interface ExportItem extends NewExportItem {
  exportId: string;
  seq: number;
  state: ExportItemState;
  expectedSha256: string | null;
  bytes: number | null;
  error: string | null;
}

interface ExportRow {
  id: string;
  target_dir: string;
  options_json: string;
  state: string;
  reason: string | null;
  total: number | string;
  created_at: string;
  updated_at: string;
  done: number | string | null;
  failed: number | string | null;
}

interface ItemRow {
  export_id: string;
  seq: number | string;
  photo_id: string;
  original_path: string;
  file_name: string;
  priority: number | string;
  keywords_json: string;
  rating: number | string | null;
  state: string;
  expected_sha256: string | null;
  bytes: number | string | null;
  error: string | null;
}

function summaryFromRow(row: ExportRow): ExportSummary {
  const total = Number(row.total);
  const done = Number(row.done ?? 0);
  const failed = Number(row.failed ?? 0);
  return {
    id: row.id,
    targetDir: row.target_dir,
    options: exportOptionsSchema.parse(JSON.parse(row.options_json)),
    state: row.state as ExportState,
    reason: row.reason,
    total,
    done,
    failed,
    pending: total - done - failed,
    perMinute: null,
    etaSeconds: null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function itemFromRow(row: ItemRow): ExportItem {
  return {
    exportId: row.export_id,
    seq: Number(row.seq),
    photoId: row.photo_id,
    originalPath: row.original_path,
    fileName: row.file_name,
    priority: Number(row.priority),
    keywords: JSON.parse(row.keywords_json) as string[],
    rating: row.rating === null ? null : Number(row.rating),
    state: row.state as ExportItemState,
    expectedSha256: row.expected_sha256,
    bytes: row.bytes === null ? null : Number(row.bytes),
    error: row.error,
  };
}

const SUMMARY_SQL = `SELECT e.*,
    (SELECT COUNT(*) FROM export_items i WHERE i.export_id = e.id AND i.state = 'done') AS done,
    (SELECT COUNT(*) FROM export_items i WHERE i.export_id = e.id AND i.state = 'failed') AS failed
  FROM exports e`;

export class ExportsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Facts of the given photos, in the order asked (unknown ids are left out). */
  async photoFacts(photoIds: readonly string[]): Promise<PhotoExportFacts[]> {
    const found = new Map<string, PhotoExportFacts>();
    const d = this.db.dialect;
    for (let i = 0; i < photoIds.length; i += 500) {
      const chunk = photoIds.slice(i, i + 500);
      const rows = await this.db.all<{
        id: string; path: string; taken_at: string | null; make: string | null; model: string | null;
        quality: number | string | null; tags_json: string | null; rating: number | string | null;
      }>(
        `SELECT p.id, p.path, m.taken_at, m.make, m.model, ${d.jsonNumber('q.json', 'score')} AS quality,
                t.json AS tags_json, k.rating
           FROM photos p
           LEFT JOIN photo_metadata m ON m.photo_id = p.id
           LEFT JOIN photo_results q ON q.photo_id = p.id AND q.stage = 'quality'
           LEFT JOIN photo_results t ON t.photo_id = p.id AND t.stage = 'tag'
           LEFT JOIN photo_marks k ON k.photo_id = p.id
          WHERE p.id IN (${chunk.map(() => '?').join(', ')})`,
        chunk,
      );
      for (const r of rows) {
        let tags: string[] = [];
        try {
          const parsed = r.tags_json ? (JSON.parse(r.tags_json) as { tags?: unknown }) : null;
          if (Array.isArray(parsed?.tags)) tags = parsed.tags.filter((t): t is string => typeof t === 'string');
        } catch {
          tags = [];
        }
        found.set(r.id, {
          photoId: r.id,
          path: r.path,
          takenAt: r.taken_at,
          make: r.make,
          model: r.model,
          quality: r.quality === null ? null : Number(r.quality),
          tags,
          rating: r.rating === null ? null : Number(r.rating),
        });
      }
    }
    return photoIds.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
  }

  async create(targetDir: string, options: ExportOptions, items: readonly NewExportItem[]): Promise<ExportSummary> {
    const id = randomUUID();
    const now = new Date().toISOString();
    const parsed = exportOptionsSchema.parse(options);
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO exports (id, target_dir, options_json, state, reason, total, created_at, updated_at) VALUES (?, ?, ?, 'running', NULL, ?, ?, ?)`,
        [id, targetDir, JSON.stringify(parsed), items.length, now, now],
      );
      let seq = 0;
      for (const item of items) {
        await tx.run(
          `INSERT INTO export_items (export_id, seq, photo_id, original_path, file_name, priority, keywords_json, rating, state, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?)`,
          [id, seq++, item.photoId, item.originalPath, item.fileName, item.priority, JSON.stringify(item.keywords), item.rating, now],
        );
      }
    });
    return (await this.get(id))!;
  }

  async get(exportId: string): Promise<ExportSummary | null> {
    const row = await this.db.get<ExportRow>(`${SUMMARY_SQL} WHERE e.id = ?`, [exportId]);
    return row ? this.withEta(summaryFromRow(row)) : null;
  }

  async list(): Promise<ExportSummary[]> {
    const rows = await this.db.all<ExportRow>(`${SUMMARY_SQL} ORDER BY e.created_at DESC, e.id`);
    return Promise.all(rows.map((row) => this.withEta(summaryFromRow(row))));
  }

  /** A running export's rate and time left, from when its latest items finished. */
  private async withEta(summary: ExportSummary): Promise<ExportSummary> {
    if (summary.state !== 'running' || summary.pending === 0) return summary;
    const rows = await this.db.all<{ updated_at: string }>(
      `SELECT updated_at FROM export_items WHERE export_id = ? AND state <> 'pending' ORDER BY updated_at DESC LIMIT ${ETA_WINDOW + 1}`,
      [summary.id],
    );
    // The export's updated_at is when it was created or last resumed (items finishing leave it alone).
    const eta = exportEta({ completedAt: rows.map((r) => Date.parse(r.updated_at)), pending: summary.pending, runningSince: Date.parse(summary.updatedAt), now: Date.now() });
    return eta ? { ...summary, perMinute: eta.perMinute, etaSeconds: eta.etaSeconds } : summary;
  }

  async item(exportId: string, seq: number): Promise<ExportItem | null> {
    const row = await this.db.get<ItemRow>(`SELECT * FROM export_items WHERE export_id = ? AND seq = ?`, [exportId, seq]);
    return row ? itemFromRow(row) : null;
  }

  async items(exportId: string, state?: ExportItemState): Promise<ExportItem[]> {
    const rows = state
      ? await this.db.all<ItemRow>(`SELECT * FROM export_items WHERE export_id = ? AND state = ? ORDER BY seq`, [exportId, state])
      : await this.db.all<ItemRow>(`SELECT * FROM export_items WHERE export_id = ? ORDER BY seq`, [exportId]);
    return rows.map(itemFromRow);
  }

  /** Records the hash of the file about to be put in place (before the rename). */
  async expect(exportId: string, seq: number, sha256: string): Promise<void> {
    await this.db.run(`UPDATE export_items SET expected_sha256 = ?, updated_at = ? WHERE export_id = ? AND seq = ?`, [
      sha256, new Date().toISOString(), exportId, seq,
    ]);
  }

  async finishItem(exportId: string, seq: number, outcome: { state: 'done'; bytes: number } | { state: 'failed'; error: string }): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction(async (tx) => {
      await tx.run(`UPDATE export_items SET state = ?, bytes = ?, error = ?, updated_at = ? WHERE export_id = ? AND seq = ?`, [
        outcome.state, outcome.state === 'done' ? outcome.bytes : null, outcome.state === 'failed' ? outcome.error : null, now, exportId, seq,
      ]);
      // The last item finishes a running export.
      await tx.run(
        `UPDATE exports SET state = 'done', updated_at = ?
          WHERE id = ? AND state = 'running' AND NOT EXISTS (SELECT 1 FROM export_items WHERE export_id = ? AND state = 'pending')`,
        [now, exportId, exportId],
      );
    });
  }

  /** Pause (with a reason), resume or cancel; answers the export after the change, null if unknown. */
  async setState(exportId: string, state: ExportState, reason: string | null = null): Promise<ExportSummary | null> {
    const now = new Date().toISOString();
    await this.db.run(`UPDATE exports SET state = ?, reason = ?, updated_at = ? WHERE id = ? AND state <> 'done'`, [state, reason, now, exportId]);
    if (state === 'running') {
      await this.db.run(
        `UPDATE exports SET state = 'done', updated_at = ?
          WHERE id = ? AND state = 'running' AND NOT EXISTS (SELECT 1 FROM export_items WHERE export_id = ? AND state = 'pending')`,
        [now, exportId, exportId],
      );
    }
    return this.get(exportId);
  }
}
