/** Lanes are what a person sees and pauses; each lane is one BullMQ queue per worker class. */
export const LANES = ['high_priority', 'default', 'learning', 'maintenance'] as const;
export type Lane = (typeof LANES)[number];

/** Resource classes: each runs in its own worker processes with its own concurrency. */
export const WORKER_CLASSES = ['cpu', 'ml'] as const;
export type WorkerClass = (typeof WORKER_CLASSES)[number];

/**
 * What a worker process of the pool is for: the bulk processes of each class, and one
 * `interactive` process that serves both classes' high_priority lanes at normal OS priority while
 * the bulk processes run niced, so a photo a person asks for gets the cores.
 */
export const WORKER_ROLES = ['cpu', 'ml', 'interactive'] as const;
export type WorkerRole = (typeof WORKER_ROLES)[number];

/** BullMQ refuses ':' in queue names, so class and lane are joined with '-'. */
export function queueName(workerClass: WorkerClass, lane: Lane): string {
  return `${workerClass}-${lane}`;
}

export function isLane(value: string): value is Lane {
  return (LANES as readonly string[]).includes(value);
}
