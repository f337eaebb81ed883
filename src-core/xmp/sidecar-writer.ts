/**
 * Writes Shoebox's properties into a photo's XMP sidecar, never clobbering it:
 * - the sidecar is read right before the write and merged (sidecar-merge.ts), so a sidecar another app
 *   changed since Shoebox last wrote it is merged, never overwritten blindly;
 * - the new text goes to a temp file in the same folder, is flushed to disk, and replaces the sidecar by
 *   rename (atomic on one file system): a crash leaves the old sidecar or the new one, never a torn one;
 * - just before the rename the sidecar is read again: if another app wrote it meanwhile, the merge is
 *   redone on its new text;
 * - the photo itself is never opened for writing;
 * - a sidecar that is not XMP, a read-only folder or a full disk fail with a reason and change nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { mergeSidecar, type SidecarUpdate } from './sidecar-merge.js';
import { XmpSyntaxError } from './xmp-dom.js';

/** `photo.xmp` (Lightroom, Capture One) or `photo.jpg.xmp` (darktable, digiKam). */
export type SidecarNaming = 'stem' | 'full';
export const SIDECAR_NAMINGS: readonly SidecarNaming[] = ['stem', 'full'];

export class SidecarWriteError extends Error {
  constructor(
    readonly sidecarPath: string,
    message: string,
  ) {
    super(message);
  }
}

/** The sidecar path for a photo under a naming; an existing `.XMP` spelling of that name is reused. */
export async function sidecarPathFor(photoPath: string, naming: SidecarNaming): Promise<string> {
  const dir = path.dirname(photoPath);
  const base = path.basename(photoPath);
  const ext = path.extname(base);
  if (ext.toLowerCase() === '.xmp') throw new SidecarWriteError(photoPath, `${photoPath} is itself an XMP file, not a photo`);
  const name = naming === 'full' || ext === '' ? base : base.slice(0, base.length - ext.length);
  for (const candidate of [`${name}.xmp`, `${name}.XMP`]) {
    if (await fs.stat(path.join(dir, candidate)).then((s) => s.isFile(), () => false)) return path.join(dir, candidate);
  }
  return path.join(dir, `${name}.xmp`);
}

async function readIfThere(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

const digest = (text: string | null): string => (text === null ? 'absent' : createHash('sha256').update(text).digest('hex'));

/** Why a write failed, in a person's words. */
function reasonFor(err: unknown, sidecar: string): string {
  const code = (err as NodeJS.ErrnoException).code;
  const dir = path.dirname(sidecar);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `cannot write the sidecar ${sidecar}: no permission to write in ${dir}`;
    case 'EROFS':
      return `cannot write the sidecar ${sidecar}: ${dir} is on a read-only file system`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `cannot write the sidecar ${sidecar}: the disk is full`;
    case 'ENOENT':
      return `cannot write the sidecar ${sidecar}: the folder ${dir} does not exist`;
    default:
      return `cannot write the sidecar ${sidecar}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

export interface WriteSidecarOptions {
  naming: SidecarNaming;
  /** Test hook: runs after the temp file is written and flushed, before the rename. */
  beforeRename?: (tempPath: string) => Promise<void>;
}

export interface WriteSidecarResult {
  sidecarPath: string;
  /** True when a sidecar was there before (and was merged into). */
  merged: boolean;
  /** sha256 of the text written. */
  sha256: string;
  /** sha256 of the sidecar as it was just before (merged into), or 'absent'. */
  previousSha256: string;
}

const MAX_ATTEMPTS = 5;

export async function writeSidecar(photoPath: string, update: SidecarUpdate, options: WriteSidecarOptions): Promise<WriteSidecarResult> {
  const sidecar = await sidecarPathFor(photoPath, options.naming);
  if (path.resolve(sidecar) === path.resolve(photoPath)) throw new SidecarWriteError(sidecar, `refusing to write ${photoPath}: it is the photo itself`);
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    let before: string | null;
    try {
      before = await readIfThere(sidecar);
    } catch (err) {
      throw new SidecarWriteError(sidecar, `cannot read the existing sidecar ${sidecar}: ${(err as Error).message}`);
    }
    let text: string;
    try {
      text = mergeSidecar(before, update);
    } catch (err) {
      if (err instanceof XmpSyntaxError) throw new SidecarWriteError(sidecar, `the existing sidecar ${sidecar} is not readable XMP (${err.message}); left untouched`);
      throw new SidecarWriteError(sidecar, `cannot write the sidecar ${sidecar}: ${(err as Error).message}`);
    }
    const temp = path.join(path.dirname(sidecar), `.${path.basename(sidecar)}.shoebox-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await options.beforeRename?.(temp);
      // Another app wrote the sidecar while we merged: merge again on its new text.
      if (digest(await readIfThere(sidecar)) !== digest(before)) {
        await fs.rm(temp, { force: true });
        continue;
      }
      await fs.rename(temp, sidecar);
    } catch (err) {
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw new SidecarWriteError(sidecar, reasonFor(err, sidecar));
    }
    return { sidecarPath: sidecar, merged: before !== null, sha256: digest(text), previousSha256: digest(before) };
  }
  throw new SidecarWriteError(sidecar, `the sidecar ${sidecar} kept changing while Shoebox merged into it (${MAX_ATTEMPTS} tries); left as it is`);
}
