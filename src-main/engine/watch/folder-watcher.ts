/**
 * Watch folders (issue 18): each folder of the store's watch list gets a chokidar watcher; new and
 * changed files are collected and, once the folder has been quiet for `debounceMs`, ingested (the
 * ingest skips what is unchanged). Deleted and moved files are the library check's business.
 *
 * A watcher that fails (a network drive, a folder that went away, too many watches) or that gets more
 * events at once than `overflowLimit` (it cannot keep up) falls back to scanning the whole folder every `pollMs`, and the
 * store says so (mode `polling` with the reason). The engine reconciles the watchers with the store's
 * list every `reconcileMs`, so `shoebox watch` reaches a running engine and a watch survives restarts.
 */
import path from 'node:path';
import { watch, type ChokidarOptions, type FSWatcher } from 'chokidar';
import type { Logger } from '../../../src-core/logger.js';
import type { WatchRepo } from '../../../src-core/store/repos/watch-repo.js';

export interface FolderWatcherOptions {
  debounceMs: number;
  /** More pending files than this in one quiet period: scan the folder instead of the files. */
  burstLimit: number;
  /**
   * More pending files than this in one quiet period: the watcher cannot keep up (a network drive
   * replaying its changes, a sync tool rewriting a tree), so the folder is scanned periodically instead.
   */
  overflowLimit: number;
  pollMs: number;
  reconcileMs: number;
  /** Starts the watcher of one folder: chokidar here; a test injects one that fails. */
  watch: (folder: string, options: ChokidarOptions) => FSWatcher;
}

export const DEFAULT_WATCH_OPTIONS: FolderWatcherOptions = {
  debounceMs: 2000,
  burstLimit: 1000,
  overflowLimit: 20_000,
  pollMs: 15 * 60_000,
  reconcileMs: 5000,
  watch,
};

/** "15 min", "30 s", "300 ms". */
function period(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`;
}

interface Watch {
  folder: string;
  watcher: FSWatcher | null;
  pending: Set<string>;
  timer: NodeJS.Timeout | null;
  poll: NodeJS.Timeout | null;
}

export class FolderWatcher {
  private readonly watches = new Map<string, Watch>();
  private reconcileTimer: NodeJS.Timeout | null = null;
  /** Ingests run one after another (one ingest at a time is what the engine expects). */
  private chain: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** Aborts the ingest in progress when the engine stops. */
  private readonly abort = new AbortController();
  private readonly options: FolderWatcherOptions;

  constructor(
    private readonly repo: WatchRepo,
    private readonly ingest: (paths: string[], signal: AbortSignal) => Promise<unknown>,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    /** Re-links files that are photos moved inside the library (no re-analysis); returns the files left to ingest. */
    private readonly relinkMoved: (files: string[]) => Promise<string[]>,
    options: Partial<FolderWatcherOptions> = {},
  ) {
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...options };
  }

  async start(): Promise<void> {
    await this.reconcile();
    this.reconcileTimer = setInterval(() => void this.reconcile().catch((e) => this.log.warn(`watch folders: ${e}`)), this.options.reconcileMs);
    this.reconcileTimer.unref();
  }

  /** The folders watched now. */
  watching(): string[] {
    return [...this.watches.keys()].sort();
  }

  /** Starts watchers for folders added to the store's list and stops those removed from it. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const wanted = new Set((await this.repo.list()).map((w) => w.path));
    for (const folder of wanted) if (!this.watches.has(folder)) await this.watchFolder(folder);
    for (const folder of [...this.watches.keys()]) if (!wanted.has(folder)) await this.unwatchFolder(folder);
  }

  private async watchFolder(folder: string): Promise<void> {
    const entry: Watch = { folder, watcher: null, pending: new Set(), timer: null, poll: null };
    this.watches.set(folder, entry);
    const watcher = this.options.watch(folder, {
      ignoreInitial: true,
      // A file being copied in is taken once its size stops changing.
      awaitWriteFinish: { stabilityThreshold: 500, pollInterval: 100 },
      ignored: (file: string) => path.basename(file).startsWith('.') && file !== folder,
    });
    entry.watcher = watcher;
    const changed = (file: string) => this.fileChanged(entry, file);
    watcher.on('add', changed).on('change', changed);
    watcher.on('error', (error) => void this.fallBackToPolling(entry, `the watcher failed (${error instanceof Error ? error.message : String(error)})`));
    // A watcher that fails before it is ready has fallen back to polling already (the 'error' handler).
    await new Promise<void>((resolve) => watcher.once('ready', () => resolve()).once('error', () => resolve()));
    if (entry.poll) return;
    await this.repo.setMode(folder, 'events', null);
    this.log.info(`watching ${folder}`);
  }

  private fileChanged(entry: Watch, file: string): void {
    if (entry.poll) return; // polled now: the next scan finds it
    entry.pending.add(file);
    if (entry.pending.size > this.options.overflowLimit) {
      entry.pending.clear();
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      void this.fallBackToPolling(entry, `the watcher cannot keep up (more than ${this.options.overflowLimit.toLocaleString('en')} file events at once)`);
      return;
    }
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = setTimeout(() => this.flush(entry), this.options.debounceMs);
  }

  private flush(entry: Watch): void {
    entry.timer = null;
    const files = [...entry.pending];
    entry.pending.clear();
    if (files.length === 0 || this.stopped) return;
    // Moved photos are re-linked first (their analysis kept). Thousands of files at once (a card dumped
    // in, a folder restored): one scan of the folder is cheaper than a list of files.
    const burst = files.length > this.options.burstLimit;
    this.enqueue(async () => {
      const remaining = await this.relinkMoved(files);
      if (remaining.length > 0 && !this.stopped) await this.ingest(burst ? [entry.folder] : remaining, this.abort.signal);
    });
  }

  private enqueueIngest(targets: string[]): void {
    this.enqueue(() => this.ingest(targets, this.abort.signal));
  }

  /** Runs after the ingest in progress (one at a time), never once stopped. */
  private enqueue(work: () => Promise<unknown>): void {
    this.chain = this.chain
      .then(() => (this.stopped ? undefined : work()))
      .catch((error) => this.log.warn(`watch folders: ${error}`));
  }

  private async fallBackToPolling(entry: Watch, why: string): Promise<void> {
    if (entry.poll || this.stopped) return;
    // Set before any await: an error and an overflow at once fall back once.
    entry.poll = setInterval(() => this.enqueueIngest([entry.folder]), this.options.pollMs);
    entry.poll.unref();
    const every = period(this.options.pollMs);
    this.log.warn(`watching ${entry.folder}: ${why}; scanning it every ${every} instead`);
    const watcher = entry.watcher;
    entry.watcher = null;
    await watcher?.close().catch(() => undefined);
    await this.repo.setMode(entry.folder, 'polling', `${why}: scanned every ${every}`).catch(() => undefined);
    this.enqueueIngest([entry.folder]);
  }

  private async unwatchFolder(folder: string): Promise<void> {
    const entry = this.watches.get(folder);
    if (!entry) return;
    this.watches.delete(folder);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.poll) clearInterval(entry.poll);
    await entry.watcher?.close();
    this.log.info(`stopped watching ${folder}`);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.reconcileTimer) clearInterval(this.reconcileTimer);
    for (const folder of [...this.watches.keys()]) await this.unwatchFolder(folder);
    await this.chain;
  }
}
