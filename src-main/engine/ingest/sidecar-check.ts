import type { PhotoRecord } from '../../../src-shared/photo.js';
import { sameSidecar, statSidecar } from '../../../src-core/files/xmp-sidecar.js';
import { MetadataExtraRepo } from '../../../src-core/store/repos/metadata-extra-repo.js';
import type { SqlDb } from '../../../src-core/store/sql/sql-db.js';
import type { ScannedFile } from './scan.js';

/**
 * Known photos whose XMP sidecar appeared, disappeared or changed (its own size+mtime) since their
 * metadata was last read (issue 14): the scan treats them as changed so the new rating / keywords are
 * read. A photo never read (no extras row) counts as "had no sidecar".
 */
export async function sidecarsChanged(db: SqlDb, files: readonly ScannedFile[], known: ReadonlyMap<string, PhotoRecord>): Promise<Set<string>> {
  const candidates = files.filter((f) => known.has(f.path) && !f.problem);
  const stored = await new MetadataExtraRepo(db).sidecarsOf(candidates.map((f) => known.get(f.path)!.id));
  const changed = new Set<string>();
  for (const file of candidates) {
    const before = stored.get(known.get(file.path)!.id) ?? null;
    if (!sameSidecar(before, await statSidecar(file.path))) changed.add(file.path);
  }
  return changed;
}
