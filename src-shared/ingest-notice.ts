import type { IngestInfo } from './api/contract.js';

/**
 * What to say when an ingest finishes that a person might otherwise miss: a folder added again
 * with nothing new or changed in it does no work, and says so.
 */
export function ingestNotice(before: IngestInfo | null, after: IngestInfo | null): string | null {
  if (!after || after.state !== 'done') return null;
  if (before && before.id === after.id && before.state === 'done') return null; // already reported
  const t = after.totals;
  const where = after.roots.length === 1 ? after.roots[0] : `${after.roots.length} folders`;
  if (t.photos === 0) return `No photos found in ${where}`;
  // `skipped` counts the photos this ingest found unchanged (done before); `completed` the ones it
  // analysed. (A file that failed before and did not change stays failed, counted in `failed`.)
  if (t.skipped > 0 && t.completed === 0 && t.queued + t.processing === 0) {
    const failing = t.failed > 0 ? `; ${t.failed.toLocaleString()} still failing` : '';
    return `Nothing changed in ${where}: ${t.skipped.toLocaleString()} photo${t.skipped === 1 ? '' : 's'} analysed before${failing}`;
  }
  return null;
}
