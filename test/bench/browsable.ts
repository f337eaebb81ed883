/**
 * Issue 19, "browsable early": watches a library's SQLite file (read-only, from outside, as the UI
 * would see it) while `shoebox analyze` runs, and notes when every photo had its thumbnail (the
 * derivatives row the CPU class writes) and when every photo was finished (done or failed).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';

export interface BrowsableTimes {
  /** Seconds from the watch's start until `expected` photos had a thumbnail; null: never in this run. */
  thumbnailsSeconds: number | null;
  /** Seconds until `expected` photos were done or failed. */
  analysedSeconds: number | null;
}

export function watchBrowsable(
  sqlitePath: string,
  expected: number,
  intervalMs = 200,
  /** Called on every poll with the number of photos done or failed so far. */
  onAnalysed?: (count: number) => void,
): { stop: () => BrowsableTimes } {
  const start = performance.now();
  const times: BrowsableTimes = { thumbnailsSeconds: null, analysedSeconds: null };
  let db: Database.Database | null = null;
  const poll = () => {
    try {
      if (!db) {
        if (!fs.existsSync(sqlitePath)) return;
        db = new Database(sqlitePath, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 100');
      }
      const at = (performance.now() - start) / 1000;
      if (times.thumbnailsSeconds === null) {
        const { n } = db.prepare('SELECT COUNT(*) AS n FROM photo_derivatives').get() as { n: number };
        if (n >= expected) times.thumbnailsSeconds = at;
      }
      if (times.analysedSeconds === null || onAnalysed) {
        const { n } = db.prepare(`SELECT COUNT(*) AS n FROM photos WHERE state IN ('done', 'failed')`).get() as { n: number };
        if (n >= expected && times.analysedSeconds === null) times.analysedSeconds = at;
        onAnalysed?.(n);
      }
    } catch {
      // the schema is not there yet, or the file is busy: next time
    }
  };
  const timer = setInterval(poll, intervalMs);
  return {
    stop: () => {
      poll();
      clearInterval(timer);
      db?.close();
      return times;
    },
  };
}
