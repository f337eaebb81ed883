import { UnrecoverableError, type Job } from 'bullmq';
import { ShoeboxError, formatFailedReason, type ErrorInfo } from '../src-shared/errors.js';
import type { PhotoJobData } from '../src-shared/jobs.js';
import type { Stage } from '../src-shared/stages.js';
import type { StageProgressRepo } from '../src-core/store/repos/stage-progress-repo.js';

/** Sent as BullMQ job progress after each stage. */
export interface StageProgress {
  photoId: string;
  stage: Stage;
  state: 'done' | 'skipped';
}

/** What a stage function returns: done, or skipped with the reason a person will read. */
export type StageOutcome = { state: 'done'; note?: string } | { state: 'skipped'; note: string };

/** Maps anything thrown by a stage to a ShoeboxError with a specific code. */
export function toShoeboxError(error: unknown): ShoeboxError {
  if (error instanceof ShoeboxError) return error;
  const err = error as NodeJS.ErrnoException;
  const message = err?.message ?? String(error);
  if (err?.code === 'ENOENT') return new ShoeboxError('missing-file', `file no longer exists: ${message}`);
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new ShoeboxError('permission-denied', `cannot read the file: ${message}`);
  if (err?.code === 'ENOMEM' || /out of memory|allocation failed/i.test(message)) return new ShoeboxError('out-of-memory', message);
  if (err?.name === 'AbortError' || err?.name === 'TimeoutError') return new ShoeboxError('stage-timeout', message);
  return new ShoeboxError('internal', message, { cause: error });
}

/**
 * Runs the stages of one job in order, recording each stage's state and time in the store.
 * A permanent error (corrupt file…) fails the photo at once through BullMQ's UnrecoverableError;
 * a transient one is rethrown for BullMQ to retry, and recorded as the photo's failure only on the
 * last attempt, so the store never shows a failure that a retry is about to fix.
 */
export class StageRunner {
  constructor(
    private readonly progress: StageProgressRepo,
    private readonly job: Job<PhotoJobData>,
    private readonly stageTimeoutMs: number,
  ) {}

  private get isLastAttempt(): boolean {
    return this.job.attemptsMade + 1 >= (this.job.opts.attempts ?? 1);
  }

  async run(stage: Stage, fn: (signal: AbortSignal) => Promise<StageOutcome>): Promise<void> {
    const { photoId, revision } = this.job.data;
    await this.progress.startStage(photoId, revision, stage);
    const started = performance.now();
    const signal = AbortSignal.timeout(this.stageTimeoutMs);
    let outcome: StageOutcome;
    try {
      outcome = await raceAbort(fn(signal), signal, stage, this.stageTimeoutMs);
    } catch (error) {
      const failure = toShoeboxError(error);
      const ms = Math.round(performance.now() - started);
      if (failure.permanent || this.isLastAttempt) {
        await this.progress.failStage(photoId, revision, stage, failure.toInfo(), ms);
      }
      throw failure.permanent ? new UnrecoverableError(formatFailedReason(failure.toInfo())) : new Error(formatFailedReason(failure.toInfo()));
    }
    await this.progress.finishStage(photoId, revision, stage, {
      state: outcome.state,
      ms: Math.round(performance.now() - started),
      note: outcome.note,
    });
    // Live per-photo progress for the UI (QueueEvents 'progress'); the store stays the truth.
    await this.job.updateProgress({ photoId, stage, state: outcome.state } satisfies StageProgress).catch(() => undefined);
  }
}

/** A stage that ignores its signal still cannot hold the job past its time limit. */
async function raceAbort<T>(work: Promise<T>, signal: AbortSignal, stage: Stage, limitMs: number): Promise<T> {
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ShoeboxError('stage-timeout', `stage ${stage} took longer than ${limitMs} ms`));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

export function errorInfoOf(error: unknown): ErrorInfo {
  return toShoeboxError(error).toInfo();
}
