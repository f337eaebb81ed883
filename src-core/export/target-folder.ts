/**
 * The export's target folder is the only place it writes (issue 16). The folder is resolved once, to its
 * real path, when the export is created; every write checks that a file name is one plain name (no
 * separators, no `..`), that the folder still resolves to the same real path (it was not swapped for a
 * symlink elsewhere) and that the final name is not a symlink.
 */
import { lstat, mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';

export class TargetFolderError extends Error {}

/** Creates the folder if needed and answers its real path. */
export async function prepareTargetFolder(dir: string): Promise<string> {
  if (dir.trim() === '') throw new TargetFolderError('the target folder is empty');
  if (!path.isAbsolute(dir)) throw new TargetFolderError(`the target folder must be an absolute path: ${dir}`);
  if (dir.split(/[\\/]/).includes('..')) throw new TargetFolderError(`the target folder may not contain "..": ${dir}`);
  try {
    await mkdir(dir, { recursive: true });
    const real = await realpath(dir);
    if (!(await lstat(real)).isDirectory()) throw new TargetFolderError(`the target is not a folder: ${dir}`);
    return real;
  } catch (err) {
    if (err instanceof TargetFolderError) throw err;
    throw new TargetFolderError(`the target folder cannot be used: ${(err as Error).message}`);
  }
}

/** The absolute path of `fileName` inside `realTarget`, refusing anything that would leave it. */
export function fileInside(realTarget: string, fileName: string): string {
  if (fileName === '' || fileName === '.' || fileName === '..' || /[\\/\u0000]/.test(fileName)) {
    throw new TargetFolderError(`refused file name ${JSON.stringify(fileName)}: an export writes plain names inside its target folder only`);
  }
  const full = path.join(realTarget, fileName);
  if (path.dirname(full) !== realTarget) throw new TargetFolderError(`refused file name ${JSON.stringify(fileName)}: it leaves the target folder`);
  return full;
}

/** Checks, just before a write, that the folder is still itself and the name is not a symlink. */
export async function checkWritable(realTarget: string, fileName: string): Promise<string> {
  const full = fileInside(realTarget, fileName);
  let now: string;
  try {
    now = await realpath(realTarget);
  } catch (err) {
    throw new TargetFolderError(`the target folder is gone: ${realTarget} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (now !== realTarget) throw new TargetFolderError(`the target folder ${realTarget} now leads to ${now}: refused (symlink escape)`);
  try {
    if ((await lstat(full)).isSymbolicLink()) throw new TargetFolderError(`refused ${full}: it is a symlink`);
  } catch (err) {
    if (err instanceof TargetFolderError) throw err;
  }
  return full;
}

/** Before an export's folder is opened for the person: it still exists and is still itself (no symlink swapped in). */
export async function checkFolderToOpen(realTarget: string): Promise<string> {
  let now: string;
  try {
    now = await realpath(realTarget);
  } catch (err) {
    throw new TargetFolderError(`the export's folder is gone: ${realTarget} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  if (now !== realTarget) throw new TargetFolderError(`the export's folder ${realTarget} now leads to ${now}: not opened`);
  if (!(await lstat(now)).isDirectory()) throw new TargetFolderError(`the export's target is no longer a folder: ${realTarget}`);
  return now;
}
