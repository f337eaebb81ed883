import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { ShoeboxError } from '../../src-shared/errors.js';

/** Files larger than this are refused before reading (1 GiB). */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024 * 1024;

export interface PhotoFile {
  bytes: Buffer;
  /** sha1 of the bytes, lowercase hex. */
  contentHash: string;
  size: number;
  mtimeMs: number;
}

function describeSize(bytes: number): string {
  if (bytes >= 1024 * 1024 * 1024) return `${(bytes / (1024 * 1024 * 1024)).toFixed(2)} GiB`;
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  return `${bytes} bytes`;
}

function mapFsError(err: unknown, path: string): ShoeboxError {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new ShoeboxError('missing-file', `file no longer exists: ${path}`, { cause: err });
    case 'EACCES':
    case 'EPERM':
      return new ShoeboxError('permission-denied', `no permission to read the file: ${path} (${code})`, { cause: err });
    case 'EISDIR':
      return new ShoeboxError('unsupported-format', `path is a folder, not a photo file: ${path}`, { cause: err });
    case 'ELOOP':
      return new ShoeboxError('unsupported-format', `path is a symbolic link loop, not a photo file: ${path}`, { cause: err });
    default:
      return new ShoeboxError('internal', `could not read ${path}: ${detail}`, { cause: err });
  }
}

/**
 * Reads a photo file once: its bytes, their sha1, its size and modification time. Failures become
 * ShoeboxErrors with a specific code and a message that says what happened.
 */
export async function readPhotoFile(
  path: string,
  options: { maxBytes?: number } = {},
): Promise<PhotoFile> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FILE_BYTES;
  let handle;
  try {
    // O_NONBLOCK: opening a named pipe must not hang the worker waiting for a writer.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw mapFsError(err, path);
  }
  try {
    let stats;
    try {
      stats = await handle.stat();
    } catch (err) {
      throw mapFsError(err, path);
    }
    if (stats.isDirectory()) {
      throw new ShoeboxError('unsupported-format', `path is a folder, not a photo file: ${path}`);
    }
    if (!stats.isFile()) {
      throw new ShoeboxError('unsupported-format', `not a regular file (device, pipe or socket): ${path}`);
    }
    if (stats.size === 0) {
      throw new ShoeboxError('empty-file', `file is empty (0 bytes): ${path}`);
    }
    if (stats.size > maxBytes) {
      throw new ShoeboxError(
        'too-large',
        `file is ${describeSize(stats.size)}, larger than the ${describeSize(maxBytes)} limit: ${path}`,
      );
    }
    let bytes: Buffer;
    try {
      bytes = await handle.readFile();
    } catch (err) {
      throw mapFsError(err, path);
    }
    if (bytes.length === 0) {
      throw new ShoeboxError('empty-file', `file is empty (0 bytes): ${path}`);
    }
    if (bytes.length > maxBytes) {
      throw new ShoeboxError(
        'too-large',
        `file is ${describeSize(bytes.length)}, larger than the ${describeSize(maxBytes)} limit: ${path}`,
      );
    }
    const contentHash = createHash('sha1').update(bytes).digest('hex');
    return { bytes, contentHash, size: bytes.length, mtimeMs: stats.mtimeMs };
  } finally {
    await handle.close().catch(() => undefined);
  }
}
