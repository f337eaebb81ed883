import { z } from 'zod';

/**
 * Learning-lane jobs (issue 17), run by src-worker/jobs/learning.ts on the CPU class:
 * `learning.prototypes` recomputes a label's prototypes (no label: every label — e.g. after a descriptor
 * model cut-over) and scores every photo; `learning.evaluate` runs a seeded k-fold evaluation of one label.
 */
export const LEARNING_JOB_NAMES = ['learning.prototypes', 'learning.evaluate'] as const;
export type LearningJobName = (typeof LEARNING_JOB_NAMES)[number];

export const PrototypesJobData = z.object({ label: z.string().min(1).max(100).optional() }).strict();
export type PrototypesJobData = z.infer<typeof PrototypesJobData>;

export const EvaluateJobData = z.object({ label: z.string().min(1).max(100), seed: z.number().int().nonnegative().optional() }).strict();
export type EvaluateJobData = z.infer<typeof EvaluateJobData>;

/** A person's clicks within this window make one recalculation (the job waits this long before it runs). */
export const PROTOTYPES_DEBOUNCE_MS = 1500;

/**
 * Deterministic: while a recalculation waits, adding another is a no-op (ten quick clicks, one job).
 * `again` is the follow-up queued while one already runs, so a click during a run is not lost.
 */
export function prototypesJobId(data: PrototypesJobData, again = false): string {
  const key = data.label ? data.label.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 60) || 'label' : 'all';
  return `learning_prototypes-${key}${again ? '-again' : ''}`;
}
