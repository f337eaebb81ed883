/**
 * Cache cleanup (issue 18): thumbnails and previews that no photo's derivatives point at any more
 * (the photo was re-analysed with new bytes, removed from the library, or excluded) are deleted, and
 * the space freed is reported. Files younger than the grace period are left alone: a worker writes
 * the file a moment before it stores the row that points at it.
 */
import fs from 'node:fs/promises';
import path from 'node:path';

/** The cache folders that hold per-photo derivatives (see src-worker/stages/preprocess.ts). */
export const DERIVATIVE_DIRS = ['thumbs', 'previews'] as const;
export const CLEANUP_GRACE_MS = 60 * 60 * 1000;

export interface CacheCleanupResult {
  scanned: number;
  removed: number;
  bytesFreed: number;
  kept: number;
}

export async function cleanupCache(
  cacheDir: string,
  referenced: ReadonlySet<string>,
  options: { graceMs?: number; now?: number } = {},
): Promise<CacheCleanupResult> {
  const graceMs = options.graceMs ?? CLEANUP_GRACE_MS;
  const now = options.now ?? Date.now();
  const result: CacheCleanupResult = { scanned: 0, removed: 0, bytesFreed: 0, kept: 0 };
  const walk = async (rel: string): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(cacheDir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const childRel = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) {
        await walk(childRel);
        continue;
      }
      if (!entry.isFile()) continue;
      result.scanned++;
      const full = path.join(cacheDir, childRel);
      const stat = await fs.stat(full).catch(() => null);
      if (!stat || referenced.has(childRel) || now - stat.mtimeMs < graceMs) {
        result.kept++;
        continue;
      }
      await fs.rm(full, { force: true });
      result.removed++;
      result.bytesFreed += stat.size;
    }
  };
  for (const dir of DERIVATIVE_DIRS) await walk(dir);
  return result;
}
