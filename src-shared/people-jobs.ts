import { z } from 'zod';

/**
 * People jobs (src-worker/jobs/people.ts): `people.cluster-faces` after a photo's analysis (its gated
 * faces join persons) and `people.recluster` (maintenance: everything again, under the exclusive lock).
 * Both run on the CPU class: they read the store and a preview, no model.
 */
export const PEOPLE_JOB_NAMES = ['people.cluster-faces', 'people.recluster'] as const;
export type PeopleJobName = (typeof PEOPLE_JOB_NAMES)[number];

export const ClusterFacesJobData = z.object({
  photoId: z.string().min(1).max(64),
  revision: z.number().int().nonnegative(),
});
export type ClusterFacesJobData = z.infer<typeof ClusterFacesJobData>;

export const ReclusterJobData = z.object({ reason: z.string().max(200) });
export type ReclusterJobData = z.infer<typeof ReclusterJobData>;

export function isPeopleJob(name: string): name is PeopleJobName {
  return (PEOPLE_JOB_NAMES as readonly string[]).includes(name);
}

/** Deterministic: a photo's revision is clustered once however often the job is added. */
export function clusterFacesJobId(data: ClusterFacesJobData): string {
  return `people_cluster-${data.photoId}-r${data.revision}`;
}
