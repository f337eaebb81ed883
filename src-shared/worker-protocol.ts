import { z } from 'zod';
import { LANES, WORKER_CLASSES, WORKER_ROLES } from './lanes.js';
import { RedisEndpoint } from './redis-endpoint.js';
import { StoreLocation } from './store-location.js';

/** Everything a worker process needs, passed by the pool in SHOEBOX_WORKER_CONFIG and validated once. */
export const WorkerLaunchConfig = z.object({
  slotId: z.string().min(1),
  role: z.enum(WORKER_ROLES),
  /** The BullMQ queues this process consumes (a class's lanes), each with its own concurrency. */
  queues: z
    .array(z.object({ workerClass: z.enum(WORKER_CLASSES), lane: z.enum(LANES), concurrency: z.number().int().min(1) }))
    .min(1),
  /** OS scheduling niceness the process gives itself at start (0 normal … 19 lowest). */
  niceness: z.number().int().min(0).max(19),
  redis: RedisEndpoint,
  store: StoreLocation,
  cacheDir: z.string(),
  logsDir: z.string(),
  recycleAfterJobs: z.number().int().min(1),
  memoryCeilingMb: z.number().int().min(64),
  stageTimeoutMs: z.number().int().min(1),
  attempts: z.number().int().min(1),
  backoffBaseMs: z.number().int().min(1),
  backoffCapMs: z.number().int().min(1),
});
export type WorkerLaunchConfig = z.infer<typeof WorkerLaunchConfig>;

/**
 * Pool → worker. `hold-bulk` / `release-bulk`: while the interactive worker has a photo in hand,
 * bulk workers take no new jobs (those in hand finish), so the photo a person waits for gets the
 * cores; see WorkerPool.
 */
export type ToWorker = { type: 'shutdown' } | { type: 'hold-bulk' } | { type: 'release-bulk' };

/** Worker → pool: one discriminated union. */
export type FromWorker =
  | { type: 'state'; state: 'loading-models' | 'ready' | 'busy' | 'stopping'; rssMb: number }
  | { type: 'job-started'; jobId: string; photoId: string | null; queue: string }
  | { type: 'job-finished'; jobId: string; ok: boolean; jobsDone: number }
  /** The worker is leaving on purpose (job count or memory ceiling reached); start a fresh one. */
  | { type: 'recycle'; reason: string };

/** Exit code a worker uses when it leaves to be recycled. */
export const RECYCLE_EXIT_CODE = 75;
