/**
 * What the maintenance lane keeps (issue 18): photos whose file is gone (marked, never deleted: their
 * results stay until the person purges them), the library check's writes to photo paths, and the last
 * run of each maintenance task. Written once for both databases.
 */
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';
import { PHOTO_OUTPUT_TABLES } from './ingests-repo.js';

export const MAINTENANCE_MIGRATIONS: NamedMigration[] = [
  {
    id: 'maintenance/001-missing-and-runs',
    sql: `CREATE TABLE photo_missing (
            photo_id TEXT PRIMARY KEY,
            path TEXT NOT NULL,
            since TEXT NOT NULL
          );
          CREATE TABLE maintenance_runs (
            task TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            ms {{float}} NOT NULL,
            ok INTEGER NOT NULL,
            result TEXT NOT NULL
          )`,
  },
];

/** A photo as the library check sees it: where its file should be and what it was. */
export interface CheckedPhoto {
  id: string;
  path: string;
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  revision: number;
  state: string;
}

export interface MissingPhoto {
  photoId: string;
  path: string;
  since: string;
}

export interface MaintenanceRun {
  task: string;
  startedAt: string;
  finishedAt: string;
  ms: number;
  ok: boolean;
  /** The task's own summary (counts, bytes freed…), or the error message when it failed. */
  result: unknown;
}

const now = () => new Date().toISOString();

export class MaintenanceRepo {
  constructor(private readonly db: SqlDb) {}

  /** Keyset-paged photos for the library check (memory stays flat on a large library). */
  async pagePhotos(afterId: string | null, limit: number): Promise<CheckedPhoto[]> {
    const rows = await this.db.all<{ id: string; path: string; size: number | string; mtime_ms: number | string; content_hash: string | null; revision: number | string; state: string }>(
      `SELECT id, path, size, mtime_ms, content_hash, revision, state FROM photos
       WHERE (CAST(? AS TEXT) IS NULL OR id > ?) ORDER BY id LIMIT ?`,
      [afterId, afterId, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      path: r.path,
      size: Number(r.size),
      mtimeMs: Number(r.mtime_ms),
      contentHash: r.content_hash,
      revision: Number(r.revision),
      state: r.state,
    }));
  }

  /** Photos with these bytes (same content hash and size), wherever the library thinks they are. */
  async photosWithContent(contentHash: string, size: number): Promise<CheckedPhoto[]> {
    const rows = await this.db.all<{ id: string; path: string; size: number | string; mtime_ms: number | string; content_hash: string | null; revision: number | string; state: string }>(
      'SELECT id, path, size, mtime_ms, content_hash, revision, state FROM photos WHERE content_hash = ? AND size = ? ORDER BY id',
      [contentHash, size],
    );
    return rows.map((r) => ({ id: r.id, path: r.path, size: Number(r.size), mtimeMs: Number(r.mtime_ms), contentHash: r.content_hash, revision: Number(r.revision), state: r.state }));
  }

  /** Which of these paths belong to a photo already. */
  async knownPaths(paths: readonly string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const d = this.db.dialect;
    const rows = await this.db.all<{ path: string }>(`SELECT path FROM photos WHERE ${d.inList('path')}`, [d.listParam([...paths])]);
    return new Set(rows.map((r) => r.path));
  }

  /** The folders a moved file may have gone to: the library's folders and every ingest root. */
  async searchRoots(): Promise<string[]> {
    const roots = new Set((await this.db.all<{ path: string }>('SELECT path FROM library_folders WHERE removed_at IS NULL')).map((r) => r.path));
    for (const row of await this.db.all<{ roots: string }>('SELECT roots FROM ingests')) {
      try {
        const parsed: unknown = JSON.parse(row.roots);
        if (Array.isArray(parsed)) for (const root of parsed) if (typeof root === 'string') roots.add(root);
      } catch {
        // a malformed row names no folder
      }
    }
    return [...roots].sort();
  }

  async markMissing(photo: { id: string; path: string }, at = now()): Promise<void> {
    await this.db.run(`INSERT INTO photo_missing (photo_id, path, since) VALUES (?, ?, ?) ON CONFLICT (photo_id) DO NOTHING`, [photo.id, photo.path, at]);
  }

  /** True when the photo was marked missing. */
  async clearMissing(photoId: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM photo_missing WHERE photo_id = ?', [photoId])).changes > 0;
  }

  async listMissing(): Promise<MissingPhoto[]> {
    const rows = await this.db.all<{ photo_id: string; path: string; since: string }>('SELECT photo_id, path, since FROM photo_missing ORDER BY path');
    return rows.map((r) => ({ photoId: r.photo_id, path: r.path, since: r.since }));
  }

  /** The file moved: the photo follows it, its analysis stays (same content, same results). */
  async relink(photoId: string, file: { path: string; size: number; mtimeMs: number }): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.run('UPDATE photos SET path = ?, size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?', [file.path, file.size, file.mtimeMs, now(), photoId]);
      await tx.run('DELETE FROM photo_missing WHERE photo_id = ?', [photoId]);
    });
  }

  /** Same bytes, new stat (touched, copied back): remember the stat so the next check is cheap. */
  async touch(photoId: string, file: { size: number; mtimeMs: number }): Promise<void> {
    await this.db.run('UPDATE photos SET size = ?, mtime_ms = ?, updated_at = ? WHERE id = ?', [file.size, file.mtimeMs, now(), photoId]);
  }

  /**
   * The file was replaced in place: a new revision, queued, its old results cleared (as an ingest does
   * for a changed file). Returns the new revision, or null when the photo is gone.
   */
  async replace(photoId: string, file: { size: number; mtimeMs: number }): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      const row = await tx.get<{ revision: number | string }>(
        `UPDATE photos SET size = ?, mtime_ms = ?, content_hash = NULL, state = 'queued', revision = revision + 1,
           failed_stage = NULL, error_code = NULL, error = NULL, note = NULL, updated_at = ?
         WHERE id = ? RETURNING revision`,
        [file.size, file.mtimeMs, now(), photoId],
      );
      if (!row) return null;
      for (const table of PHOTO_OUTPUT_TABLES) await tx.run(`DELETE FROM ${table} WHERE photo_id = ?`, [photoId]);
      await tx.run('DELETE FROM photo_missing WHERE photo_id = ?', [photoId]);
      return Number(row.revision);
    });
  }

  /** Every cache file (relative to the cache folder) a photo's derivatives point at. */
  async referencedDerivatives(): Promise<Set<string>> {
    const rows = await this.db.all<{ thumbnail_path: string; preview_path: string }>('SELECT thumbnail_path, preview_path FROM photo_derivatives');
    const out = new Set<string>();
    for (const r of rows) out.add(r.thumbnail_path).add(r.preview_path);
    return out;
  }

  async recordRun(run: MaintenanceRun): Promise<void> {
    await this.db.run(
      `INSERT INTO maintenance_runs (task, started_at, finished_at, ms, ok, result) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (task) DO UPDATE SET started_at = excluded.started_at, finished_at = excluded.finished_at,
         ms = excluded.ms, ok = excluded.ok, result = excluded.result`,
      [run.task, run.startedAt, run.finishedAt, run.ms, run.ok ? 1 : 0, JSON.stringify(run.result ?? null)],
    );
  }

  async lastRuns(): Promise<MaintenanceRun[]> {
    const rows = await this.db.all<{ task: string; started_at: string; finished_at: string; ms: number | string; ok: number | string; result: string }>(
      'SELECT * FROM maintenance_runs ORDER BY task',
    );
    return rows.map((r) => ({ task: r.task, startedAt: r.started_at, finishedAt: r.finished_at, ms: Number(r.ms), ok: Number(r.ok) === 1, result: JSON.parse(r.result) as unknown }));
  }
}

/** What `shoebox status` shows of the maintenance lane. */
export async function maintenanceStatus(db: SqlDb): Promise<{ runs: MaintenanceRun[]; missingPhotos: number }> {
  const repo = new MaintenanceRepo(db);
  const missing = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM photo_missing');
  return { runs: await repo.lastRuns(), missingPhotos: Number(missing?.n ?? 0) };
}
