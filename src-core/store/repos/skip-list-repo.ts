import { now } from '../rows.js';
import { insertRows, type SqlDb } from '../sql/sql-db.js';
import type { SkippedPath } from '../store.js';

/** Files the person asked never to analyse again ("skip this file from now on"); registration ignores them. */
export class SkipListRepo {
  constructor(private readonly db: SqlDb) {}

  /** Adds paths (a path listed twice keeps its last reason). */
  async add(entries: { path: string; reason: string }[]): Promise<void> {
    if (entries.length === 0) return;
    const byPath = new Map(entries.map((e) => [e.path, e.reason]));
    const at = now();
    await this.db.transaction((tx) =>
      insertRows(tx, 'skipped_paths', ['path', 'reason', 'at'], [...byPath].map(([path, reason]) => [path, reason, at]),
        'ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at'),
    );
  }

  /** True when the path was on the list. */
  async remove(path: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM skipped_paths WHERE path = ?', [path])).changes > 0;
  }

  async list(limit: number, offset: number): Promise<SkippedPath[]> {
    return this.db.all<SkippedPath>('SELECT path, reason, at FROM skipped_paths ORDER BY at DESC, path LIMIT ? OFFSET ?', [limit, offset]);
  }

  /** Which of these paths are on the list. */
  async among(paths: string[]): Promise<Set<string>> {
    if (paths.length === 0) return new Set();
    const rows = await this.db.all<{ path: string }>(`SELECT path FROM skipped_paths WHERE ${this.db.dialect.inList('path')}`, [
      this.db.dialect.listParam(paths),
    ]);
    return new Set(rows.map((r) => r.path));
  }
}
