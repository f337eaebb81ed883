/**
 * The second reader: exiftool, through exiftool-vendored, which keeps ONE exiftool process open for the
 * whole worker process (started on first use, ended by closeExiftool() when the worker leaves).
 *
 * exiftool is a Perl program: on Windows exiftool-vendored ships it with its own Perl; on Linux and
 * macOS it runs with the system's Perl (`perl` on PATH). Where it cannot start, every read answers
 * `{ ok: false, reason }` and the photo's record says so; nothing throws, nothing crashes (a spawn
 * failure inside exiftool-vendored would be an unhandled 'error' event, so the binary is probed first).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ExifTool, exiftoolPath } from 'exiftool-vendored';
import { errorText } from './values.js';

const execFileAsync = promisify(execFile);

/** exiftool's reading of one file: `-n` (numbers, not prose) and `-G1` (keys like `ExifIFD:DateTimeOriginal`). */
export type ExiftoolTags = Record<string, unknown>;
export type ExiftoolRead = { ok: true; tags: ExiftoolTags } | { ok: false; reason: string };

export const EXIFTOOL_READ_ARGS = ['-n', '-G1', '-fast'];

export interface ExiftoolReaderOptions {
  /** The exiftool script or binary; default: the one exiftool-vendored ships. */
  exiftoolPath?: string;
}

export class ExiftoolReader {
  private tool: ExifTool | null = null;
  private ready: Promise<string | null> | null = null;

  constructor(private readonly options: ExiftoolReaderOptions = {}) {}

  /** null when exiftool runs; otherwise why it cannot. Probed once. */
  unavailable(): Promise<string | null> {
    this.ready ??= this.probe();
    return this.ready;
  }

  private async probe(): Promise<string | null> {
    let path: string;
    try {
      path = this.options.exiftoolPath ?? (await exiftoolPath());
      await execFileAsync(path, ['-ver'], { timeout: 30_000 });
    } catch (err) {
      const { code, stderr } = err as NodeJS.ErrnoException & { stderr?: string };
      const why = code === 'ENOENT' ? 'not found (exiftool, or the Perl it runs on)' : (stderr?.trim().split('\n')[0] || errorText(err).split('\n')[0]);
      return `exiftool could not start: ${why}; on Linux and macOS it needs Perl (perl on PATH)`;
    }
    this.tool = new ExifTool({ maxProcs: 1, exiftoolPath: path, taskTimeoutMillis: 30_000 });
    return null;
  }

  async read(file: string): Promise<ExiftoolRead> {
    const reason = await this.unavailable();
    if (reason !== null || !this.tool) return { ok: false, reason: reason ?? 'exiftool is closed' };
    try {
      const tags = (await this.tool.readRaw(file, { readArgs: EXIFTOOL_READ_ARGS })) as unknown as ExiftoolTags;
      return { ok: true, tags };
    } catch (err) {
      return { ok: false, reason: `exiftool could not read the file: ${errorText(err).split('\n')[0]}` };
    }
  }

  async close(): Promise<void> {
    const tool = this.tool;
    this.tool = null;
    this.ready = Promise.resolve('exiftool is closed');
    await tool?.end().catch(() => undefined);
  }
}

let shared: ExiftoolReader | null = null;

/** The worker process's one exiftool (started lazily: most photos never need it). */
export function sharedExiftool(): ExiftoolReader {
  shared ??= new ExiftoolReader();
  return shared;
}

/** Ends the worker process's exiftool, if it was started. */
export async function closeExiftool(): Promise<void> {
  const s = shared;
  shared = null;
  await s?.close();
}
