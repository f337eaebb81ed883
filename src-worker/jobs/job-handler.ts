import { UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { nextJob, PhotoJobData, type JobName } from '../../src-shared/jobs.js';
import type { Lane } from '../../src-shared/lanes.js';
import type { Lanes } from '../../src-core/queues.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import type { PhotosRepo } from '../../src-core/store/repos/photos-repo.js';
import type { PresetService } from '../../src-core/presets/preset-service.js';
import type { CpuJobContext, JobResult, PhotoJobRepos } from './photo-cpu.js';

/** What a worker process holds open for its handlers: opened once at start, closed when it leaves. */
export interface WorkerServices extends PhotoJobRepos, Pick<CpuJobContext, 'metadataExtra' | 'rotations'> {
  /** Photo reads, and its neighbours in the vector index (grouping). */
  photos: Pick<PhotosRepo, 'get' | 'getDetail' | 'similar'>;
  /** To queue the follow-up job of a photo. */
  lanes: Lanes;
  /** For the locks of exclusive jobs. */
  lockRedis: Redis;
  cacheDir: string;
  /** This machine's logs folder (the maintenance cleanup prunes old log files). */
  logsDir: string;
  stageTimeoutMs: number;
  /** The store's SQL surface, for repositories whose jobs open their own transactions (people). */
  sql: SqlDb;
  /** Contexts, suggested presets and sidecar writes (issue 15). */
  presets: PresetService;
}

/** One kind of job: what a worker does with a job of that name, taken from `lane`. */
export type JobHandler = (job: Job, lane: Lane, services: WorkerServices) => Promise<unknown>;

/**
 * A handler for a photo job: the payload is checked (a bad one can never succeed, so it fails at once
 * without retries), the job runs, and when it finished the photo's part, the next job of the pipeline
 * (`nextJob`, src-shared/jobs.ts) is queued on the same lane.
 */
export function photoJobHandler(
  name: 'photo.cpu' | 'photo.ml' | 'group',
  run: (job: Job<PhotoJobData>, services: WorkerServices, lane: Lane) => Promise<JobResult>,
): JobHandler {
  return async (job, lane, services) => {
    const parsed = PhotoJobData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`internal: invalid job payload: ${parsed.error.issues[0]?.message}`);
    const result = await run(job as Job<PhotoJobData>, services, lane);
    const follow = nextJob(name);
    // A photo cancelled (or re-read at a new revision) while this job ran gets no follow-up: it would
    // only sit in the lane as a stale job.
    if (result.outcome === 'done' && follow && (await stillWanted(services, parsed.data))) {
      // If we die between the store write and this add, the engine's sweep queues it.
      await services.lanes.addPhotoJobs([{ name: follow, lane, data: parsed.data }]);
    }
    return result;
  };
}

async function stillWanted(services: WorkerServices, data: PhotoJobData): Promise<boolean> {
  const photo = await services.photos.get(data.photoId);
  return photo !== null && photo.revision === data.revision && photo.state !== 'cancelled';
}

/** The handler registered for a job name; an unknown name cannot succeed on a retry either. */
export function handlerFor(handlers: Readonly<Record<JobName, JobHandler>>, name: string): JobHandler {
  const handler = Object.hasOwn(handlers, name) ? handlers[name as JobName] : undefined;
  if (!handler) throw new UnrecoverableError(`internal: unknown job name "${name}"`);
  return handler;
}
