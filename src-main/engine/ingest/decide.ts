import type { PhotoRecord } from '../../../src-shared/photo.js';
import type { FileDecision } from '../../../src-core/store/store.js';
import type { ScannedFile } from './scan.js';

/**
 * What to do with a scanned file, given what the library knows of its path. Size and mtime decide
 * first (cheap); when they moved, the content hash decides, so a file that was only touched or
 * copied back in place is not analysed again.
 */
export function decideFile(
  scanned: ScannedFile,
  known: PhotoRecord | undefined,
  contentHashNow: string | null,
  newId: () => string,
): FileDecision {
  if (!known) return { kind: 'new', photoId: newId(), path: scanned.path, size: scanned.size, mtimeMs: scanned.mtimeMs };
  const statSame = known.size === scanned.size && known.mtimeMs === scanned.mtimeMs;
  if (statSame) {
    if (known.state === 'queued' || known.state === 'processing') return { kind: 'resume', photoId: known.id };
    if (known.state === 'cancelled') return { kind: 'changed', photoId: known.id, size: scanned.size, mtimeMs: scanned.mtimeMs };
    return { kind: 'unchanged', photoId: known.id };
  }
  if (contentHashNow !== null && known.contentHash === contentHashNow && known.state !== 'cancelled') {
    return { kind: 'touched', photoId: known.id, size: scanned.size, mtimeMs: scanned.mtimeMs };
  }
  return { kind: 'changed', photoId: known.id, size: scanned.size, mtimeMs: scanned.mtimeMs };
}

/** Whether deciding this file needs its content hash (only when its stat moved and we know a hash). */
export function needsContentHash(scanned: ScannedFile, known: PhotoRecord | undefined): boolean {
  return Boolean(known && known.contentHash && (known.size !== scanned.size || known.mtimeMs !== scanned.mtimeMs));
}
