import fs from 'node:fs/promises';
import path from 'node:path';
import { fileTypeFromBuffer } from 'file-type';
import type { ErrorInfo } from '../../../src-shared/errors.js';

export interface ScannedFile {
  path: string;
  size: number;
  mtimeMs: number;
  /** Set when the file was found but cannot be analysed at all (its name is not valid UTF-8). */
  problem?: ErrorInfo;
}

/** Extensions that are photos whatever their content says (a bad one fails later with its reason). */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set([
  'jpg', 'jpeg', 'jpe', 'jfif', 'png', 'gif', 'webp', 'avif', 'heic', 'heif', 'hif', 'tif', 'tiff', 'bmp', 'jxl',
  // RAW: the embedded preview is used.
  'dng', 'nef', 'nrw', 'cr2', 'cr3', 'crw', 'arw', 'srf', 'sr2', 'raf', 'orf', 'rw2', 'pef', 'srw', 'x3f', '3fr', 'erf', 'kdc', 'mrw', 'raw', 'rwl', 'iiq',
]);

/** Known companions of photos that are never photos themselves: not even sniffed. */
const NEVER_IMAGES: ReadonlySet<string> = new Set([
  'xmp', 'txt', 'md', 'rst', 'json', 'xml', 'html', 'htm', 'csv', 'pdf', 'thm', 'aae', 'pp3', 'dop', 'db', 'ini', 'log',
  'mov', 'mp4', 'm4v', 'avi', 'mts', 'm2ts', 'mkv', 'wav', 'mp3', 'zip', 'gz', 'js', 'ts', 'css',
]);

/** Folders no photographer means when they drop a parent folder: system, trash and thumbnail caches. */
const SKIPPED_FOLDERS: ReadonlySet<string> = new Set([
  '@eaDir', '#recycle', '$RECYCLE.BIN', 'System Volume Information', 'lost+found', 'node_modules', '__MACOSX', 'Thumbs.db',
]);

export function isHiddenOrSystem(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

export function extensionOf(file: string): string {
  return path.extname(file).slice(1).toLowerCase();
}

/** Sniffs the first bytes: is this an image whatever its name says? */
async function looksLikeImage(file: string): Promise<boolean> {
  let handle: fs.FileHandle | null = null;
  try {
    handle = await fs.open(file, 'r');
    const buffer = Buffer.alloc(4100);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead === 0) return false;
    const type = await fileTypeFromBuffer(buffer.subarray(0, bytesRead));
    return Boolean(type?.mime.startsWith('image/'));
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

export interface ScanStats {
  folders: number;
  ignored: number;
  unreadableFolders: string[];
}

/**
 * Walks the roots recursively and yields every photo file: by extension, or by content for files
 * with an unknown extension. Hidden and system folders are skipped; symlinked folders are followed
 * once (their real path is remembered, so a link loop ends the walk of that branch).
 */
export async function* scanFolders(roots: string[], stats: ScanStats = { folders: 0, ignored: 0, unreadableFolders: [] }): AsyncGenerator<ScannedFile> {
  const visitedDirs = new Set<string>();
  const seenFiles = new Set<string>();

  async function* visitFile(file: string, stat: import('node:fs').Stats): AsyncGenerator<ScannedFile> {
    const real = await fs.realpath(file).catch(() => file);
    if (seenFiles.has(real)) return;
    seenFiles.add(real);
    const ext = extensionOf(file);
    const isPhoto = IMAGE_EXTENSIONS.has(ext) || (!NEVER_IMAGES.has(ext) && stat.size > 0 && (await looksLikeImage(file)));
    if (!isPhoto) {
      stats.ignored++;
      return;
    }
    yield { path: file, size: stat.size, mtimeMs: stat.mtimeMs };
  }

  /** Its bytes can be read, but the library keys photos by text paths: fail it with a reason. */
  async function* visitBadlyNamed(rawPath: Buffer, shownAs: string): AsyncGenerator<ScannedFile> {
    let stat: import('node:fs').Stats;
    try {
      stat = await fs.stat(rawPath);
    } catch {
      stats.ignored++;
      return;
    }
    if (stat.isDirectory()) {
      stats.unreadableFolders.push(`${shownAs}: folder name is not valid UTF-8; rename it to analyse what it holds`);
      return;
    }
    if (!stat.isFile()) return;
    yield {
      path: shownAs,
      size: stat.size,
      mtimeMs: stat.mtimeMs,
      problem: { code: 'unsupported-format', message: 'the file name is not valid UTF-8 (shown with replacement characters); rename the file to analyse it' },
    };
  }

  async function* visitDir(dir: string): AsyncGenerator<ScannedFile> {
    const real = await fs.realpath(dir).catch(() => dir);
    if (visitedDirs.has(real)) return;
    visitedDirs.add(real);
    stats.folders++;
    let names: Buffer[];
    try {
      // Names as bytes: a name that is not valid UTF-8 must still be found and reported, not lost.
      names = await fs.readdir(dir, { encoding: 'buffer' });
    } catch (error) {
      stats.unreadableFolders.push(`${dir}: ${(error as Error).message}`);
      return;
    }
    names.sort(Buffer.compare);
    for (const rawName of names) {
      const name = rawName.toString('utf8');
      if (isHiddenOrSystem(name)) continue;
      const full = path.join(dir, name);
      if (!Buffer.from(name, 'utf8').equals(rawName)) {
        yield* visitBadlyNamed(Buffer.concat([Buffer.from(`${dir}${path.sep}`), rawName]), full);
        continue;
      }
      let stat: import('node:fs').Stats;
      try {
        stat = await fs.stat(full); // follows symlinks; a dangling link throws and is skipped
      } catch {
        stats.ignored++;
        continue;
      }
      if (stat.isDirectory()) yield* visitDir(full);
      else if (stat.isFile()) yield* visitFile(full, stat);
    }
  }

  for (const root of roots) {
    const absolute = path.resolve(root);
    const stat = await fs.stat(absolute);
    if (stat.isDirectory()) yield* visitDir(absolute);
    else if (stat.isFile()) yield* visitFile(absolute, stat);
  }
}
