/**
 * One `export.photo` job (issue 16): renders one item of an export into a temp file inside the target
 * folder, records the file's sha-256, then puts it in place without ever replacing another file (a hard
 * link, which fails if the name exists; a rename where the file system has no links), and marks the
 * item done. Run again after a crash, it recognises a file it already put in place by that hash and only
 * marks it done. A full disk pauses the whole export ("disk full: …") instead of failing every photo.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { link, lstat, rename, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { ShoeboxError } from '../../src-shared/errors.js';
import type { CrsSettings } from '../../src-shared/presets.js';
import type { Rotation } from '../../src-shared/orientation.js';
import type { ExportPhotoJobData } from '../../src-shared/exports.js';
import { checkWritable, TargetFolderError } from '../../src-core/export/target-folder.js';
import type { ExportsRepo } from '../../src-core/store/repos/exports-repo.js';
import { exiftoolTempOf } from './export-metadata.js';
import { renderExport } from './render.js';

export type ExportPhotoOutcome =
  | { outcome: 'done'; file: string; bytes: number; reused: boolean }
  | { outcome: 'skipped'; why: string }
  | { outcome: 'paused'; why: string }
  | { outcome: 'failed'; error: string };

export interface ExportPhotoDeps {
  exports: ExportsRepo;
  presetSettings: (presetId: string) => Promise<CrsSettings | null>;
  /** A person's rotation correction of a photo (issue 17), null when none. */
  rotationOf?: (photoId: string) => Promise<Rotation | null>;
  /** Awaited before each heavy step (the pixels, the metadata): a bulk worker waits there while a person's request runs. */
  yieldToPerson?: () => Promise<void>;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** An item's temp files, named the same on every attempt: a killed attempt's are the next one's to remove. */
async function removeTempFiles(tmp: string): Promise<void> {
  for (const file of [tmp, exiftoolTempOf(tmp)]) await unlink(file).catch(() => undefined);
}

async function existsNoFollow(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch {
    return false;
  }
}

export function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const text = err instanceof Error ? err.message : String(err);
  return code === 'ENOSPC' || code === 'EDQUOT' || /no space left|ENOSPC|disk full|quota exceeded/i.test(text);
}

/** Less than this free in the target folder after a failed write: the failure was the full disk. */
const NEARLY_FULL_BYTES = 4 * 1024 * 1024;

/**
 * A failed write is "disk full" when the error says so, or (exiftool words its write errors its own way)
 * when the target folder's file system has next to nothing left.
 */
async function failedForSpace(err: unknown, dir: string): Promise<boolean> {
  if (isDiskFull(err)) return true;
  // A photo's own problem (missing, corrupt original…) stays that photo's failure.
  if (err instanceof ShoeboxError && err.code !== 'internal') return false;
  try {
    const fsStats = await statfs(dir);
    return fsStats.bavail * fsStats.bsize < NEARLY_FULL_BYTES;
  } catch {
    return false;
  }
}

/** Puts `tmp` at `final` without replacing anything there. */
async function placeNoClobber(tmp: string, final: string): Promise<void> {
  try {
    await link(tmp, final);
    await unlink(tmp);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw err;
    if (await existsNoFollow(final)) throw Object.assign(new Error(`${final} exists`), { code: 'EEXIST' });
    await rename(tmp, final);
  }
}

export async function runExportPhoto(data: ExportPhotoJobData, deps: ExportPhotoDeps): Promise<ExportPhotoOutcome> {
  const { exports } = deps;
  const record = await exports.get(data.exportId);
  if (!record) return { outcome: 'skipped', why: `export ${data.exportId} is gone` };
  if (record.state === 'cancelled') return { outcome: 'skipped', why: 'the export was cancelled' };
  if (record.state === 'paused') return { outcome: 'paused', why: record.reason ?? 'the export is paused' };
  const item = await exports.item(data.exportId, data.seq);
  if (!item) return { outcome: 'skipped', why: `export ${data.exportId} has no item ${data.seq}` };
  if (item.state !== 'pending') return { outcome: 'skipped', why: `item already ${item.state}` };

  const fail = async (error: string): Promise<ExportPhotoOutcome> => {
    await exports.finishItem(data.exportId, data.seq, { state: 'failed', error });
    return { outcome: 'failed', error };
  };

  let final: string;
  try {
    final = await checkWritable(record.targetDir, item.fileName);
  } catch (err) {
    if (err instanceof TargetFolderError) return fail(err.message);
    throw err;
  }
  // Hidden, deterministic per item: what a killed attempt left (its temp file, or exiftool's half-written
  // one) is removed by the next attempt, and nothing else in the folder is touched.
  const tmp = path.join(record.targetDir, `.${item.fileName}.shoebox-export.tmp`);
  // A file at the final name: ours from before a crash (same hash as recorded) or someone else's.
  if (await existsNoFollow(final)) {
    if (item.expectedSha256 && (await sha256Of(final)) === item.expectedSha256) {
      // Killed between the link and the temp file's removal: the temp file is still there.
      await removeTempFiles(tmp);
      const bytes = (await stat(final)).size;
      await exports.finishItem(data.exportId, data.seq, { state: 'done', bytes });
      return { outcome: 'done', file: final, bytes, reused: true };
    }
    return fail(`${item.fileName} already exists in the target folder and is not this export's file: left untouched`);
  }

  let settings: CrsSettings = {};
  if (record.options.presetId) {
    const found = await deps.presetSettings(record.options.presetId);
    if (!found) return fail(`preset ${record.options.presetId} no longer exists`);
    settings = found;
  }
  try {
    await removeTempFiles(tmp);
    await deps.yieldToPerson?.();
    await renderExport(
      {
        originalPath: item.originalPath,
        settings,
        options: record.options,
        keywords: item.keywords,
        rating: item.rating,
        rotation: (await deps.rotationOf?.(item.photoId)) ?? 0,
      },
      tmp,
      deps.yieldToPerson,
    );
    const sha = await sha256Of(tmp);
    await exports.expect(data.exportId, data.seq, sha);
    await placeNoClobber(tmp, final);
    const bytes = (await stat(final)).size;
    await exports.finishItem(data.exportId, data.seq, { state: 'done', bytes });
    return { outcome: 'done', file: final, bytes, reused: false };
  } catch (err) {
    await removeTempFiles(tmp);
    if (await failedForSpace(err, record.targetDir)) {
      const why = `disk full: no space left in ${record.targetDir} (export paused; free space, then resume it)`;
      await exports.setState(data.exportId, 'paused', why);
      return { outcome: 'paused', why };
    }
    if (err instanceof ShoeboxError) return fail(`${err.code}: ${err.message}`);
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fail(`${item.fileName} appeared in the target folder while exporting: left untouched`);
    throw err;
  }
}
