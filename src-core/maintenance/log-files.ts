/**
 * Log files (issue 18): size-based rotation keeping a few files per log (`engine.log` →
 * `engine.1.log` → `engine.2.log` …, the oldest dropped), and the cleanup's pruning of log files no
 * process has written for a while (per-process logs of `shoebox worker` runs long gone, archives).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';

/** Files kept per log: the live one and this many archives. */
export const LOG_ARCHIVES_KEPT = 3;
/** The cleanup removes log files untouched for this long. */
export const LOG_MAX_AGE_MS = 14 * 24 * 3600_000;

/**
 * Moves `name.log` to `name.1.log`, shifting older archives up by one and dropping the one past
 * `keep`. Synchronous: electron-log calls it between two writes of the same process.
 */
export function rotateLogFile(file: string, keep = LOG_ARCHIVES_KEPT): void {
  const { dir, name, ext } = path.parse(file);
  const archive = (n: number) => path.join(dir, `${name}.${n}${ext}`);
  fs.rmSync(archive(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) if (fs.existsSync(archive(n))) fs.renameSync(archive(n), archive(n + 1));
  if (keep >= 1) fs.renameSync(file, archive(1));
  else fs.rmSync(file, { force: true });
}

export interface LogPruneResult {
  removed: number;
  bytesFreed: number;
}

/** Removes `*.log` files in `logsDir` not written for `maxAgeMs` (a live log is written to, so it stays). */
export async function pruneOldLogs(logsDir: string, options: { maxAgeMs?: number; now?: number } = {}): Promise<LogPruneResult> {
  const maxAgeMs = options.maxAgeMs ?? LOG_MAX_AGE_MS;
  const now = options.now ?? Date.now();
  const result: LogPruneResult = { removed: 0, bytesFreed: 0 };
  let names: string[];
  try {
    names = await fsp.readdir(logsDir);
  } catch {
    return result; // no logs folder yet
  }
  for (const name of names) {
    if (!name.endsWith('.log')) continue;
    const full = path.join(logsDir, name);
    const stat = await fsp.stat(full).catch(() => null);
    if (!stat?.isFile() || now - stat.mtimeMs < maxAgeMs) continue;
    await fsp.rm(full, { force: true });
    result.removed++;
    result.bytesFreed += stat.size;
  }
  return result;
}
