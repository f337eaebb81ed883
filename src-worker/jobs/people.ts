/**
 * The people jobs: `people.cluster-faces` (one photo's faces into persons, in one transaction) and
 * `people.recluster` (maintenance, under the exclusive Redis lock). Registered from the worker's
 * dispatch with one line; enqueued after a photo's analysis with one line in photo-ml.ts.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Lane } from '../../src-shared/lanes.js';
import type { Lanes } from '../../src-core/queues.js';
import { ClusterFacesJobData, clusterFacesJobId, ReclusterJobData, type PeopleJobName } from '../../src-shared/people-jobs.js';
import { PeopleRepo } from '../../src-core/store/repos/people-repo.js';
import { VectorModelsRepo } from '../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { withRedisLock } from '../redis-lock.js';
import { clusterFaceIds, DEFAULT_CLUSTER_OPTIONS, reclusterAll } from '../people/clusterer.js';
import { gatedFaces, readPhotoFaces } from '../people/photo-faces.js';

export interface PeopleJobContext {
  sql: SqlDb;
  cacheDir: string;
  /** For the maintenance lock. */
  lockRedis: Redis;
}

/** Pending faces of other photos a cluster-faces job looks at too. */
const CATCH_UP_FACES = 20;

/** Stores one photo's gated faces and clusters the new ones, all in one transaction. */
export async function clusterPhotoFaces(db: SqlDb, cacheDir: string, photoId: string) {
  const input = await readPhotoFaces(db, photoId, cacheDir);
  if (!input) return { skipped: 'the photo or its detect result is gone' };
  const faces = await gatedFaces(input); // outside the transaction: it reads the preview
  return db.transaction(async (tx) => {
    const repo = new PeopleRepo(tx);
    await repo.lockClustering();
    // A face-model cut-over between the read and here rewrote the detect result: read it again (a retry).
    const { active } = await new VectorModelsRepo(tx).models('face', tx);
    if (faces.length > 0 && input.faceModel !== active) throw new Error(`the faces were embedded with ${input.faceModel}, the library uses ${active} now; retrying`);
    const { pending } = await repo.replacePhotoFaces(photoId, input.revision, faces);
    // Also a few faces still waiting from elsewhere ("not this person" sends a face back; a job may have
    // been lost): they get their turn without a recluster.
    const waiting = (await repo.pendingFaceIds(CATCH_UP_FACES + pending.length)).filter((id) => !pending.includes(id)).slice(0, CATCH_UP_FACES);
    const outcome = await clusterFaceIds(repo, [...pending, ...waiting], DEFAULT_CLUSTER_OPTIONS);
    return { faces: faces.length, gated: pending.length, ...outcome };
  });
}

export async function runPeopleJob(job: Job, ctx: PeopleJobContext): Promise<unknown> {
  const name = job.name as PeopleJobName;
  switch (name) {
    case 'people.cluster-faces': {
      const data = ClusterFacesJobData.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`internal: invalid cluster-faces payload: ${data.error.issues[0]?.message}`);
      return clusterPhotoFaces(ctx.sql, ctx.cacheDir, data.data.photoId);
    }
    case 'people.recluster': {
      const data = ReclusterJobData.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`internal: invalid recluster payload: ${data.error.issues[0]?.message}`);
      // The same lock name as the other maintenance jobs: one of them at a time, on any machine.
      const result = await withRedisLock(ctx.lockRedis, 'maintenance-recluster-faces', 60_000, () => reclusterAll(ctx.sql));
      return result.ran ? result.value : { skipped: 'another worker holds the lock' };
    }
  }
}

/**
 * Queues `people.cluster-faces` for a photo whose analysis just finished: on the CPU class's learning
 * lane (a slot of its own in every bulk worker, so it is not stuck behind a bulk ingest's default lane),
 * or high_priority when the photo came through high_priority.
 */
export async function enqueueClusterFaces(lanes: Pick<Lanes, 'queue'>, from: Lane, data: ClusterFacesJobData): Promise<void> {
  const queue = lanes.queue('cpu', from === 'high_priority' ? 'high_priority' : 'learning');
  await queue.add('people.cluster-faces' satisfies PeopleJobName, ClusterFacesJobData.parse(data), {
    jobId: clusterFacesJobId(data),
    attempts: 3,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: true,
    removeOnFail: false,
  });
}
