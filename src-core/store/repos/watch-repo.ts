/**
 * Watch folders (issue 18): folders whose new and changed photos are ingested on their own. The list
 * lives in the store, so a watch survives restarts and `shoebox watch` reaches a running engine (the
 * engine reconciles its watchers with this list). Written once for both databases.
 */
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';

export const WATCH_MIGRATIONS: NamedMigration[] = [
  {
    id: 'watch/001-watched-folders',
    sql: `CREATE TABLE watched_folders (
            path TEXT PRIMARY KEY,
            added_at TEXT NOT NULL,
            mode TEXT NOT NULL,
            note TEXT
          )`,
  },
];

/** `events`: the platform's file events; `polling`: the watcher failed or could not keep up, so the folder is scanned periodically. */
export type WatchMode = 'events' | 'polling';

export interface WatchedFolder {
  path: string;
  addedAt: string;
  mode: WatchMode;
  /** Why the folder is polled, in words. */
  note: string | null;
}

export class WatchRepo {
  constructor(private readonly db: SqlDb) {}

  async add(path: string, at = new Date().toISOString()): Promise<void> {
    await this.db.run(`INSERT INTO watched_folders (path, added_at, mode, note) VALUES (?, ?, 'events', NULL) ON CONFLICT (path) DO NOTHING`, [path, at]);
  }

  /** True when the folder was watched. */
  async remove(path: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM watched_folders WHERE path = ?', [path])).changes > 0;
  }

  async list(): Promise<WatchedFolder[]> {
    const rows = await this.db.all<{ path: string; added_at: string; mode: string; note: string | null }>('SELECT * FROM watched_folders ORDER BY path');
    return rows.map((r) => ({ path: r.path, addedAt: r.added_at, mode: r.mode as WatchMode, note: r.note }));
  }

  async setMode(path: string, mode: WatchMode, note: string | null): Promise<void> {
    await this.db.run('UPDATE watched_folders SET mode = ?, note = ? WHERE path = ?', [mode, note, path]);
  }
}
