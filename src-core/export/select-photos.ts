/**
 * What an export can be asked for (issue 16), as photo ids: photo files and folders (every photo of the
 * library under the folder), the picks of the culling groups (the person's pick, else the machine's,
 * never a rejected photo), a person's photos (by name), photos with a label (a tag, or a colour label).
 */
import fs from 'node:fs';
import path from 'node:path';
import type { SqlDb } from '../store/sql/sql-db.js';

export interface ExportSelection {
  paths?: string[];
  groupPicks?: boolean;
  person?: string;
  labels?: string[];
}

export interface SelectedPhotos {
  photoIds: string[];
  /** One line per argument that matched nothing, saying why. */
  unmatched: string[];
}

export async function selectPhotos(db: SqlDb, selection: ExportSelection): Promise<SelectedPhotos> {
  const ids = new Set<string>();
  const unmatched: string[] = [];
  const add = (found: string[], none: string): void => {
    if (found.length === 0) unmatched.push(none);
    for (const id of found) ids.add(id);
  };
  if (selection.paths?.length) {
    const rows = await db.all<{ id: string; path: string }>(`SELECT id, path FROM photos WHERE state <> 'cancelled' ORDER BY path`);
    for (const arg of selection.paths) {
      const abs = path.resolve(arg);
      const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
      const found = rows.filter((r) => (isDir ? r.path.startsWith(abs + path.sep) : r.path === abs)).map((r) => r.id);
      add(found, isDir ? `${arg}: no photo of the library is in this folder` : `${arg}: not a photo of this library (analyse it first)`);
    }
  }
  if (selection.groupPicks) {
    const rows = await db.all<{ photo_id: string }>(
      `SELECT m.photo_id FROM cull_members m
         JOIN photos p ON p.id = m.photo_id AND p.state <> 'cancelled'
         LEFT JOIN cull_decisions d ON d.photo_id = m.photo_id
         LEFT JOIN photo_marks k ON k.photo_id = m.photo_id
        WHERE COALESCE(k.rating, 0) <> -1
          AND (COALESCE(d.picked, 0) = 1
               OR (m.machine_pick = 1 AND NOT EXISTS (
                    SELECT 1 FROM cull_members o JOIN cull_decisions od ON od.photo_id = o.photo_id
                     WHERE o.group_id = m.group_id AND od.picked = 1)))
        ORDER BY p.path`,
    );
    add([...new Set(rows.map((r) => r.photo_id))], '--group-picks: no group has a pick yet');
  }
  if (selection.person !== undefined) {
    const rows = await db.all<{ photo_id: string }>(
      `SELECT DISTINCT f.photo_id, p.path FROM persons pe
         JOIN face_assignments a ON a.person_id = pe.id
         JOIN faces f ON f.id = a.face_id
         JOIN photos p ON p.id = f.photo_id AND p.state <> 'cancelled'
        WHERE LOWER(pe.name) = LOWER(?)
        ORDER BY p.path`,
      [selection.person],
    );
    add(rows.map((r) => r.photo_id), `--person ${selection.person}: no photo of a person with this name`);
  }
  if (selection.labels?.length) {
    const rows = await db.all<{ id: string; tags: string | null; colour: string | null }>(
      `SELECT p.id, t.json AS tags, k.label AS colour FROM photos p
         LEFT JOIN photo_results t ON t.photo_id = p.id AND t.stage = 'tag'
         LEFT JOIN photo_marks k ON k.photo_id = p.id
        WHERE p.state <> 'cancelled' ORDER BY p.path`,
    );
    for (const label of selection.labels) {
      const want = label.toLowerCase();
      const found = rows.filter((r) => {
        if (r.colour?.toLowerCase() === want) return true;
        try {
          const tags = (JSON.parse(r.tags ?? 'null') as { tags?: unknown } | null)?.tags;
          return Array.isArray(tags) && tags.some((t) => typeof t === 'string' && t.toLowerCase() === want);
        } catch {
          return false;
        }
      });
      add(found.map((r) => r.id), `--label ${label}: no photo has this label`);
    }
  }
  return { photoIds: [...ids], unmatched };
}
