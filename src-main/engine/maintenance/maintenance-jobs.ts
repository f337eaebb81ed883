/**
 * The maintenance lane's scheduled jobs (issue 18), as BullMQ job schedulers on the `maintenance`
 * lane, and "run this task now" for the CLI and the API. Each run records its time, duration and
 * result in the store (MaintenanceRepo), which `shoebox status` and `shoebox maintenance` read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Queue } from 'bullmq';
import type { JobName, MaintenanceJobData } from '../../../src-shared/jobs.js';
import type { Lanes } from '../../../src-core/queues.js';
import type { MaintenanceRepo } from '../../../src-core/store/repos/maintenance-repo.js';

export type MaintenanceTask = MaintenanceJobData['task'];

const HOUR = 3600_000;
/** The tasks that run on their own, and how often. */
export const MAINTENANCE_SCHEDULE: Readonly<Partial<Record<MaintenanceTask, number>>> = {
  'library-check': 6 * HOUR,
  cleanup: 24 * HOUR,
  'index-maintenance': 24 * HOUR,
};
/** A task that never ran waits this long after the engine starts, so a start stays quick. */
export const FIRST_RUN_DELAY_MS = 10 * 60_000;

/** Finished maintenance jobs are kept this long in Redis so a caller waiting on one can read its result. */
const KEEP_FINISHED = { age: 3600 };

export interface ScheduledTask {
  task: MaintenanceTask;
  everyMs: number;
  nextRunAt: string;
}

/**
 * Registers (or updates) one job scheduler per task. The next run follows the task's last recorded
 * run, so restarting the app does not push a daily job back by a day each time.
 */
export async function scheduleMaintenance(
  queue: Queue,
  repo: Pick<MaintenanceRepo, 'lastRuns'>,
  options: { schedule?: Partial<Record<MaintenanceTask, number>>; firstRunDelayMs?: number; now?: number } = {},
): Promise<ScheduledTask[]> {
  const now = options.now ?? Date.now();
  const firstRunDelayMs = options.firstRunDelayMs ?? FIRST_RUN_DELAY_MS;
  const last = new Map((await repo.lastRuns()).map((run) => [run.task, Date.parse(run.finishedAt)]));
  const scheduled: ScheduledTask[] = [];
  for (const [task, everyMs] of Object.entries(options.schedule ?? MAINTENANCE_SCHEDULE) as Array<[MaintenanceTask, number]>) {
    const previous = last.get(task);
    const startDate = Math.max(now + firstRunDelayMs, previous === undefined ? 0 : previous + everyMs);
    await queue.upsertJobScheduler(
      `maintenance-${task}`,
      { every: everyMs, startDate },
      { name: 'maintenance' satisfies JobName, data: { task } satisfies MaintenanceJobData, opts: { attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED } },
    );
    scheduled.push({ task, everyMs, nextRunAt: new Date(startDate).toISOString() });
  }
  return scheduled;
}

/** Queues a task on the maintenance lane now (the UI's "Run now"); returns the job's id. */
export async function queueMaintenanceNow(queue: Pick<Queue, 'add'>, task: MaintenanceTask): Promise<string> {
  const jobId = `maintenance-${task}-now-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  await queue.add('maintenance' satisfies JobName, { task } satisfies MaintenanceJobData, { jobId, attempts: 1, removeOnComplete: KEEP_FINISHED, removeOnFail: KEEP_FINISHED });
  return jobId;
}

export class MaintenanceJobFailed extends Error {
  override name = 'MaintenanceJobFailed';
}

/**
 * Queues a task on the maintenance lane now and waits until a worker has run it; returns its result
 * (or `{ skipped }` when another run held the lock). Waits on the job's state, however long it takes,
 * unless `signal` aborts the wait (the job itself still runs).
 */
export async function runMaintenanceNow(lanes: Pick<Lanes, 'queue'>, task: MaintenanceTask, options: { signal?: AbortSignal } = {}): Promise<unknown> {
  const queue = lanes.queue('cpu', 'maintenance');
  const jobId = await queueMaintenanceNow(queue, task);
  for (;;) {
    options.signal?.throwIfAborted();
    const job = await queue.getJob(jobId);
    if (!job) throw new MaintenanceJobFailed(`the ${task} job ${jobId} left the queue before it finished (purged?)`);
    const state = await job.getState();
    // Read the job again: the copy above may predate its completion (no return value yet).
    const done = state === 'completed' || state === 'failed' ? ((await queue.getJob(jobId)) ?? job) : job;
    if (state === 'completed') return done.returnvalue as unknown;
    if (state === 'failed') throw new MaintenanceJobFailed(`${task} failed: ${done.failedReason}`);
    await sleep(200, undefined, { signal: options.signal });
  }
}
