import crypto from 'node:crypto';
import { FoldersRepo } from '../../../src-core/store/repos/folders-repo.js';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ErrorInfo } from '../../../src-shared/errors.js';
import type { IngestTotals } from '../../../src-shared/ingest.js';
import type { Lane } from '../../../src-shared/lanes.js';
import type { Logger } from '../../../src-core/logger.js';
import type { Lanes, PhotoJobSpec } from '../../../src-core/queues.js';
import type { FileDecision, Store } from '../../../src-core/store/store.js';
import { sweep } from '../sweep.js';
import { hashFile } from './content-hash.js';
import { decideFile, needsContentHash } from './decide.js';
import { scanFolders, type ScanStats, type ScannedFile } from './scan.js';
import { sidecarsChanged } from './sidecar-check.js';

const BATCH = 500;
/** With nothing left in the queues but photos still unfinished for this long, the sweep runs. */
const STALL_MS = 3_000;
/**
 * How often an ingest reads its totals while it waits: a few photos (someone asked for one) every
 * 25 ms, so the answer is not held back by the poll; a large ingest up to every 250 ms, since its
 * totals query grows with it.
 */
export function pollIntervalMs(photos: number): number {
  return Math.min(250, 25 + photos);
}

export interface IngestProgress {
  phase: 'scanning' | 'analysing';
  scanned: number;
  totals: IngestTotals;
}

export interface IngestSummary {
  ingestId: string;
  photos: number;
  completed: number;
  failed: number;
  skipped: number;
  cancelled: number;
  ignored: number;
  /** Photos that needed work in this ingest (new, changed or resumed); 0 on an unchanged re-run. */
  analysed: number;
  seconds: number;
  interrupted: boolean;
}

export interface IngestOptions {
  lane?: Lane;
  /** Analyse again even files that are unchanged since their last analysis (a person asked). */
  force?: boolean;
  onProgress?: (progress: IngestProgress) => void;
  signal?: AbortSignal;
}

/**
 * One ingest: scan the roots, register every file in the store (new, changed, unchanged, resumed),
 * queue the work, then follow the store until every photo of the ingest is done, failed or cancelled.
 */
export class IngestRunner {
  private workQueued = 0;
  /** Photos of an interrupted ingest found again: their next job comes from the sweep. */
  private resumed = 0;

  constructor(
    private readonly store: Store,
    private readonly lanes: Lanes,
    private readonly log: Logger,
  ) {}

  async run(roots: string[], options: IngestOptions = {}): Promise<IngestSummary> {
    const started = performance.now();
    const lane = options.lane ?? 'default';
    const ingestId = crypto.randomUUID();
    await this.store.ingests.create(ingestId, roots);
    this.log.info(`ingest ${ingestId} started on ${roots.join(', ')} (lane ${lane})`);
    const stats: ScanStats = { folders: 0, ignored: 0, unreadableFolders: [] };
    let scanned = 0;
    this.workQueued = 0;
    let batch: ScannedFile[] = [];
    const emptyTotals = (): IngestTotals => ({ photos: scanned, queued: 0, processing: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 });

    const flush = async (): Promise<void> => {
      if (batch.length === 0) return;
      await this.registerBatch(ingestId, batch, lane, options.force ?? false);
      batch = [];
    };
    for await (const file of scanFolders(roots, stats)) {
      if (options.signal?.aborted) break;
      batch.push(file);
      scanned++;
      if (batch.length >= BATCH) {
        await flush();
        options.onProgress?.({ phase: 'scanning', scanned, totals: emptyTotals() });
      }
    }
    if (!options.signal?.aborted) await flush();
    for (const problem of stats.unreadableFolders) this.log.warn(`could not read folder ${problem}`);

    let interrupted = Boolean(options.signal?.aborted);
    if (!interrupted) {
      await this.store.ingests.setState(ingestId, 'running');
      // Photos resumed from an interrupted ingest get their next job from the sweep. Only then: the
      // sweep reads every unfinished photo of the library, which a photo asked for during a large
      // ingest must not wait for (the engine sweeps at start, and again below when work stalls).
      if (this.resumed > 0) await sweep(this.store, this.lanes, this.log);
      interrupted = !(await this.waitUntilFinished(ingestId, scanned, options));
    }
    await this.store.ingests.setState(ingestId, interrupted ? 'interrupted' : 'done');
    const totals = await this.store.ingests.totals(ingestId);
    const summary: IngestSummary = {
      ingestId,
      photos: totals.photos,
      completed: totals.completed,
      failed: totals.failed,
      skipped: totals.skipped,
      cancelled: totals.cancelled,
      ignored: stats.ignored,
      analysed: this.workQueued,
      seconds: Math.round((performance.now() - started) / 10) / 100,
      interrupted,
    };
    this.log.info(`ingest ${ingestId} ${interrupted ? 'interrupted' : 'finished'}: ${JSON.stringify(summary)}`);
    return summary;
  }

  private async registerBatch(ingestId: string, all: ScannedFile[], lane: Lane, force: boolean): Promise<void> {
    // "Skip this file from now on": a path on the skip list is neither registered nor queued.
    // Folders excluded in the Folders view count as skipped too.
    const skipped = new Set([...(await this.store.skips.among(all.map((f) => f.path))), ...(await new FoldersRepo(this.store.sql).excludedAmong(all.map((f) => f.path)))]);
    const files = skipped.size === 0 ? all : all.filter((f) => !skipped.has(f.path));
    const known = await this.store.photos.getByPaths(files.map((f) => f.path));
    const decisions: FileDecision[] = [];
    const jobs: PhotoJobSpec[] = [];
    const problems: Array<{ photoId: string; revision: number; problem: ErrorInfo }> = [];
    const sidecarMoved = await sidecarsChanged(this.store.sql, files, known);
    for (const file of files) {
      const record = known.get(file.path);
      const hash = needsContentHash(file, record) ? await hashFile(file.path) : null;
      let decision = decideFile(file, record, hash, () => crypto.randomUUID().replaceAll('-', ''));
      if ((force || sidecarMoved.has(file.path)) && (decision.kind === 'unchanged' || decision.kind === 'touched')) {
        decision = { kind: 'changed', photoId: decision.photoId, size: file.size, mtimeMs: file.mtimeMs };
      }
      decisions.push(decision);
      if (file.problem) {
        if (decision.kind === 'new' || decision.kind === 'changed') problems.push({ photoId: decision.photoId, revision: decision.kind === 'new' ? 0 : record!.revision + 1, problem: file.problem });
        continue;
      }
      if (decision.kind === 'new') jobs.push({ name: 'photo.cpu', lane, data: { photoId: decision.photoId, revision: 0, ingestId } });
      if (decision.kind === 'changed') jobs.push({ name: 'photo.cpu', lane, data: { photoId: decision.photoId, revision: record!.revision + 1, ingestId } });
    }
    this.workQueued += decisions.filter((d) => d.kind === 'new' || d.kind === 'changed' || d.kind === 'resume').length;
    this.resumed += decisions.filter((d) => d.kind === 'resume').length;
    // Store first, queue second: a crash in between leaves photos the sweep will queue.
    await this.store.ingests.registerFiles(ingestId, decisions);
    // Found but impossible to analyse: failed at the scan, with the reason, instead of queued.
    for (const { photoId, revision, problem } of problems) await this.store.progress.failStage(photoId, revision, 'scan', problem, null);
    await this.lanes.addPhotoJobs(jobs);
  }

  /** Returns false when interrupted by the signal. */
  private async waitUntilFinished(ingestId: string, scanned: number, options: IngestOptions): Promise<boolean> {
    let idleSince: number | null = null;
    for (;;) {
      const totals = await this.store.ingests.totals(ingestId);
      options.onProgress?.({ phase: 'analysing', scanned, totals });
      if (totals.queued + totals.processing === 0) return true;
      if (options.signal?.aborted) return false;
      const pending = await this.lanes.pendingJobCount();
      if (pending === 0) {
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= STALL_MS) {
          await sweep(this.store, this.lanes, this.log);
          idleSince = null;
        }
      } else {
        idleSince = null;
      }
      await sleep(pollIntervalMs(scanned), undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
}
