/**
 * The library check (issue 18): is every photo's file still where the library thinks it is?
 *
 * - same path, same size and mtime: nothing to do (no file is read);
 * - same path, stat moved, same bytes (content hash): only the stat is remembered;
 * - same path, different bytes (replaced in place): a new revision, analysed again;
 * - gone from its path: looked for among the files of the library's folders that no photo owns, by
 *   size first and then by content hash; found → re-linked to the new path, its analysis kept;
 *   not found → marked missing (never deleted: the results stay until the person purges them).
 *
 * Photos are read a page at a time, and only files no photo owns with the size of a vanished photo
 * are hashed, so a large unchanged library costs one stat per photo and one directory walk.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { hashFile } from '../files/content-hash.js';
import type { CheckedPhoto, MaintenanceRepo } from '../store/repos/maintenance-repo.js';

const PAGE = 500;

export interface LibraryCheckResult {
  checked: number;
  unchanged: number;
  touched: number;
  /** Photos re-linked to the file they moved to, analysis kept. */
  relinked: number;
  /** Photos replaced in place, queued for a fresh analysis. */
  reanalysed: number;
  /** Photos newly marked missing in this run. */
  missing: number;
  /** Photos marked missing before that are back at their path. */
  found: number;
  /** Photos still missing after this run (newly and before). */
  missingTotal: number;
}

export interface LibraryCheckDeps {
  repo: MaintenanceRepo;
  /** Queues a photo's analysis at its new revision (the caller knows the lanes). */
  reanalyse: (photoId: string, revision: number) => Promise<void>;
  /** Photos still in flight are the ingest's business, not the check's. */
  signal?: AbortSignal;
}

interface FileStat {
  size: number;
  mtimeMs: number;
}

async function statFile(file: string): Promise<FileStat | null> {
  try {
    const stat = await fs.stat(file);
    return stat.isFile() ? { size: stat.size, mtimeMs: stat.mtimeMs } : null;
  } catch {
    return null;
  }
}

/** Every file under the roots (hidden entries skipped), one at a time. */
async function* walkFiles(roots: readonly string[]): AsyncGenerator<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    if (seen.has(dir)) continue;
    seen.add(dir);
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(dir, { withFileTypes: true });
    } catch {
      continue; // an unreadable or vanished folder holds nothing we can link to
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile()) yield full;
    }
  }
}

export async function checkLibrary(deps: LibraryCheckDeps): Promise<LibraryCheckResult> {
  const { repo } = deps;
  const result: LibraryCheckResult = { checked: 0, unchanged: 0, touched: 0, relinked: 0, reanalysed: 0, missing: 0, found: 0, missingTotal: 0 };
  const alreadyMissing = new Set((await repo.listMissing()).map((m) => m.photoId));
  /** Vanished photos that have a content hash to be found by, keyed by size. */
  const vanishedBySize = new Map<number, CheckedPhoto[]>();
  const vanishedNoHash: CheckedPhoto[] = [];

  let after: string | null = null;
  for (;;) {
    const page = await repo.pagePhotos(after, PAGE);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    for (const photo of page) {
      if (deps.signal?.aborted) throw new Error('library check interrupted');
      result.checked++;
      const stat = await statFile(photo.path);
      if (!stat) {
        if (photo.contentHash) vanishedBySize.set(photo.size, [...(vanishedBySize.get(photo.size) ?? []), photo]);
        else vanishedNoHash.push(photo);
        continue;
      }
      if (alreadyMissing.has(photo.id) && (await repo.clearMissing(photo.id))) result.found++;
      if (stat.size === photo.size && stat.mtimeMs === photo.mtimeMs) {
        result.unchanged++;
        continue;
      }
      // A photo still being analysed has no settled hash yet; the ingest that queued it decides.
      if (photo.contentHash === null) continue;
      const hash = await hashFile(photo.path);
      if (hash === photo.contentHash) {
        await repo.touch(photo.id, stat);
        result.touched++;
      } else {
        const revision = await repo.replace(photo.id, stat);
        if (revision !== null) {
          await deps.reanalyse(photo.id, revision);
          result.reanalysed++;
        }
      }
    }
  }

  if (vanishedBySize.size > 0) await relinkMoved(deps, vanishedBySize, result);

  for (const photo of [...[...vanishedBySize.values()].flat(), ...vanishedNoHash]) {
    if (!alreadyMissing.has(photo.id)) result.missing++;
    await repo.markMissing(photo);
  }
  result.missingTotal = (await repo.listMissing()).length;
  return result;
}

/** Walks the library's folders for files no photo owns; a same-size, same-hash one is where a photo went. */
async function relinkMoved(deps: LibraryCheckDeps, vanishedBySize: Map<number, CheckedPhoto[]>, result: LibraryCheckResult): Promise<void> {
  const roots = (await deps.repo.searchRoots()).map((root) => path.resolve(root));
  // Nested roots would be walked twice; keep the outermost.
  const outermost = roots.filter((root) => !roots.some((other) => other !== root && root.startsWith(`${other}${path.sep}`)));
  let batch: Array<{ file: string; stat: FileStat }> = [];
  const flush = async (): Promise<void> => {
    const owned = await deps.repo.knownPaths(batch.map((b) => b.file));
    for (const { file, stat } of batch) {
      if (owned.has(file)) continue;
      const candidates = vanishedBySize.get(stat.size);
      if (!candidates || candidates.length === 0) continue;
      const hash = await hashFile(file);
      const match = candidates.findIndex((photo) => photo.contentHash === hash);
      if (match < 0) continue;
      const [photo] = candidates.splice(match, 1);
      if (candidates.length === 0) vanishedBySize.delete(stat.size);
      await deps.repo.relink(photo!.id, { path: file, size: stat.size, mtimeMs: stat.mtimeMs });
      result.relinked++;
    }
    batch = [];
  };
  for await (const file of walkFiles(outermost)) {
    if (vanishedBySize.size === 0) break;
    if (deps.signal?.aborted) throw new Error('library check interrupted');
    const stat = await statFile(file);
    if (!stat || !vanishedBySize.has(stat.size)) continue;
    batch.push({ file, stat });
    if (batch.length >= PAGE) await flush();
  }
  if (batch.length > 0) await flush();
}

/**
 * For files that just appeared (a watch folder's events): a file no photo owns whose bytes are those
 * of a photo whose file is gone from its path is that photo, moved — it is re-linked, its analysis
 * kept. Returns the files that are really new (to be ingested).
 */
export async function relinkMovedFiles(repo: MaintenanceRepo, files: readonly string[]): Promise<{ relinked: number; remaining: string[] }> {
  const owned = await repo.knownPaths(files);
  const remaining: string[] = [];
  let relinked = 0;
  for (const file of files) {
    if (owned.has(file)) {
      remaining.push(file);
      continue;
    }
    const stat = await statFile(file);
    const hash = stat ? await hashFile(file) : null;
    const candidates = stat && hash ? await repo.photosWithContent(hash, stat.size) : [];
    let moved: CheckedPhoto | undefined;
    for (const photo of candidates) {
      if ((await statFile(photo.path)) === null) {
        moved = photo;
        break;
      }
    }
    if (moved && stat) {
      await repo.relink(moved.id, { path: file, size: stat.size, mtimeMs: stat.mtimeMs });
      relinked++;
    } else {
      remaining.push(file);
    }
  }
  return { relinked, remaining };
}
