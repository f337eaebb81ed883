/**
 * The folders a person added to the library: their photo counts and last scan, and "remove from the
 * library" (the rows go; the files on disk are never touched). Written once for both databases.
 */
import { likePattern, type NamedMigration, type SqlDb } from '../sql/sql-db.js';

export const FOLDERS_MIGRATIONS: NamedMigration[] = [
  {
    id: 'folders/001-library-folders',
    sql: `CREATE TABLE library_folders (
            path TEXT PRIMARY KEY,
            added_at TEXT NOT NULL,
            removed_at TEXT
          )`,
  },
  {
    id: 'folders/002-exclusions',
    sql: `CREATE TABLE library_exclusions (
            path TEXT PRIMARY KEY,
            added_at TEXT NOT NULL
          )`,
  },
];

export interface Exclusion {
  path: string;
  addedAt: string;
}

/** Whether `file` is `folder` or lies inside it (either separator). */
export function isInside(file: string, folder: string): boolean {
  const f = folder.replace(/[\\/]+$/, '');
  return file === f || file.startsWith(`${f}/`) || file.startsWith(`${f}\\`);
}

export interface LibraryFolder {
  path: string;
  addedAt: string;
  photos: number;
  done: number;
  failed: number;
  inFlight: number;
  /** When an ingest last walked it (null: never since it was added). */
  lastScanAt: string | null;
}

/** Tables that hold one photo's rows, children first (deleted explicitly: SQLite connections may run without foreign keys). */
const PHOTO_CHILD_TABLES = ['photo_stages', 'photo_metadata', 'photo_derivatives', 'photo_results', 'photo_embeddings', 'ingest_photos'] as const;

const under = (folder: string) => `${likePattern(folder.replace(/[\\/]+$/, ''), false)}/%`;

export class FoldersRepo {
  constructor(private readonly db: SqlDb) {}

  /** Records (or brings back) a folder the person added. */
  async add(path: string, at = new Date().toISOString()): Promise<void> {
    await this.db.run(
      `INSERT INTO library_folders (path, added_at, removed_at) VALUES (?, ?, NULL)
       ON CONFLICT (path) DO UPDATE SET removed_at = NULL`,
      [path, at],
    );
  }

  /**
   * Every ingest root that `isFolder` accepts joins the list (the "Add folder" field, a drop, the CLI
   * all start ingests); a removed folder comes back when an ingest of it started after its removal.
   */
  async adoptIngestRoots(isFolder: (path: string) => boolean): Promise<void> {
    const rows = await this.db.all<{ roots: string; started_at: string }>('SELECT roots, started_at FROM ingests ORDER BY started_at');
    for (const row of rows) {
      let roots: unknown;
      try {
        roots = JSON.parse(row.roots);
      } catch {
        continue;
      }
      if (!Array.isArray(roots)) continue;
      for (const root of roots) {
        if (typeof root !== 'string' || !isFolder(root)) continue;
        await this.db.run(
          `INSERT INTO library_folders (path, added_at) VALUES (?, ?)
           ON CONFLICT (path) DO UPDATE SET removed_at = NULL
           WHERE library_folders.removed_at IS NOT NULL AND library_folders.removed_at < excluded.added_at`,
          [root, row.started_at],
        );
      }
    }
  }

  /** The folders in the library, with their photos counted by state and their last scan. */
  async list(): Promise<LibraryFolder[]> {
    const folders = await this.db.all<{ path: string; added_at: string }>('SELECT path, added_at FROM library_folders WHERE removed_at IS NULL ORDER BY path');
    const out: LibraryFolder[] = [];
    for (const f of folders) {
      const counts = await this.db.all<{ state: string; n: number | string }>(
        `SELECT state, COUNT(*) AS n FROM photos WHERE path LIKE ? ESCAPE '\\' GROUP BY state`,
        [under(f.path)],
      );
      const by = Object.fromEntries(counts.map((c) => [c.state, Number(c.n)])) as Record<string, number>;
      // Ingest roots are a JSON array of strings: the folder appears in it quoted.
      const scan = await this.db.get<{ at: string | null }>(
        `SELECT MAX(started_at) AS at FROM ingests WHERE roots LIKE ? ESCAPE '\\'`,
        [`%${likePattern(JSON.stringify(f.path), false)}%`],
      );
      out.push({
        path: f.path,
        addedAt: f.added_at,
        photos: Object.values(by).reduce((a, b) => a + b, 0),
        done: by.done ?? 0,
        failed: by.failed ?? 0,
        inFlight: (by.queued ?? 0) + (by.processing ?? 0),
        lastScanAt: scan?.at ?? null,
      });
    }
    return out;
  }

  async has(path: string): Promise<boolean> {
    return (await this.db.get('SELECT path FROM library_folders WHERE path = ? AND removed_at IS NULL', [path])) !== undefined;
  }

  /** Folders inside the library that are never analysed (their photos leave the library). */
  async exclusions(): Promise<Exclusion[]> {
    return (await this.db.all<{ path: string; added_at: string }>('SELECT path, added_at FROM library_exclusions ORDER BY path')).map((r) => ({ path: r.path, addedAt: r.added_at }));
  }

  /** Excludes a folder: scans skip it from now on, and the photos already under it leave the library. */
  async exclude(path: string, at = new Date().toISOString()): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await tx.run('INSERT INTO library_exclusions (path, added_at) VALUES (?, ?) ON CONFLICT (path) DO NOTHING', [path, at]);
      return deletePhotosUnder(tx, path);
    });
  }

  /** Includes an excluded folder again (its photos come back at the next scan). True when it was excluded. */
  async include(path: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM library_exclusions WHERE path = ?', [path])).changes > 0;
  }

  /** Which of these files lie in an excluded folder (for the scan: a handful of exclusions, many files). */
  async excludedAmong(files: readonly string[]): Promise<Set<string>> {
    const folders = (await this.exclusions()).map((e) => e.path);
    if (folders.length === 0) return new Set();
    return new Set(files.filter((file) => folders.some((folder) => isInside(file, folder))));
  }

  /**
   * Removes the folder and every photo under it from the library (rows and results; never the files).
   * Returns the ids of the photos removed, so the caller can cancel their queued jobs.
   */
  async remove(path: string, at = new Date().toISOString()): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const ids = await deletePhotosUnder(tx, path);
      await tx.run('UPDATE library_folders SET removed_at = ? WHERE path = ?', [at, path]);
      return ids;
    });
  }
}

/** Deletes the photos under a folder and their rows (inside the caller's transaction); returns their ids. */
async function deletePhotosUnder(tx: SqlDb, folder: string): Promise<string[]> {
  const ids = (await tx.all<{ id: string }>(`SELECT id FROM photos WHERE path LIKE ? ESCAPE '\\'`, [under(folder)])).map((r) => r.id);
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const marks = chunk.map(() => '?').join(', ');
    for (const table of PHOTO_CHILD_TABLES) await tx.run(`DELETE FROM ${table} WHERE photo_id IN (${marks})`, chunk);
    await tx.run(`DELETE FROM photos WHERE id IN (${marks})`, chunk);
  }
  return ids;
}
