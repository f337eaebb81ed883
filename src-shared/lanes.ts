/** Lanes are what a person sees and pauses; each lane is one BullMQ queue per worker class. */
export const LANES = ['high_priority', 'default', 'learning', 'maintenance'] as const;
export type Lane = (typeof LANES)[number];

/** Resource classes: each runs in its own worker processes with its own concurrency. */
export const WORKER_CLASSES = ['cpu', 'ml'] as const;
export type WorkerClass = (typeof WORKER_CLASSES)[number];

/** BullMQ refuses ':' in queue names, so class and lane are joined with '-'. */
export function queueName(workerClass: WorkerClass, lane: Lane): string {
  return `${workerClass}-${lane}`;
}

export function isLane(value: string): value is Lane {
  return (LANES as readonly string[]).includes(value);
}
