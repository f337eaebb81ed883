import { parseFailedReason } from '../../src-shared/errors.js';
import type { PhotoJobData } from '../../src-shared/jobs.js';
import { STAGES, type Stage } from '../../src-shared/stages.js';
import type { Logger } from '../../src-core/logger.js';
import type { PhotoJobSpec, Lanes } from '../../src-core/queues.js';
import type { Store, UnfinishedPhoto } from '../../src-core/store/store.js';
import { GroupsRepo } from '../../src-core/store/repos/groups-repo.js';

export interface SweepResult {
  checked: number;
  /** Jobs that were missing from Redis and have been queued. */
  requeued: number;
  /** Analysed photos whose group job was lost (a crash between analysis and grouping): queued again. */
  regrouped: number;
  /** Photos whose job had failed in Redis while the store still showed them in progress. */
  markedFailed: number;
}

/** The job a photo needs next, read from its stage states: the store is the source of truth. */
export function nextJobFor(photo: UnfinishedPhoto): 'photo.cpu' | 'photo.ml' {
  const metadata = photo.stages.metadata;
  return metadata === 'done' || metadata === 'skipped' ? 'photo.ml' : 'photo.cpu';
}

function runningStage(photo: UnfinishedPhoto): Stage | null {
  return STAGES.find((stage) => photo.stages[stage] === 'running') ?? null;
}

/**
 * Finds photos whose next job is not in Redis (a purged lane, a crash between two stages, a Redis
 * that lost its data) and queues it; finds photos whose job failed without the store hearing of it
 * (a worker crashed on it too often) and records the failure. Safe to run at any time: job ids are
 * deterministic, so queueing a job that exists does nothing.
 */
export async function sweep(store: Store, lanes: Lanes, log: Logger): Promise<SweepResult> {
  const result: SweepResult = { checked: 0, requeued: 0, regrouped: 0, markedFailed: 0 };
  let after: string | null = null;
  for (;;) {
    const page = await store.photos.listUnfinished(after, 500);
    if (page.length === 0) break;
    after = page[page.length - 1]!.id;
    const missing: PhotoJobSpec[] = [];
    for (const photo of page) {
      result.checked++;
      const name = nextJobFor(photo);
      const data: PhotoJobData = { photoId: photo.id, revision: photo.revision, ingestId: photo.ingestId };
      const job = await lanes.findPhotoJob(name, data);
      if (!job) {
        missing.push({ name, lane: 'default', data });
        continue;
      }
      if ((await job.getState()) === 'failed') {
        await store.progress.failStage(photo.id, photo.revision, runningStage(photo), parseFailedReason(job.failedReason), null);
        result.markedFailed++;
      }
    }
    await lanes.addPhotoJobs(missing);
    result.requeued += missing.length;
  }
  result.regrouped = await queueLostGroupJobs(new GroupsRepo(store.sql), lanes);
  if (result.requeued || result.markedFailed || result.regrouped) {
    log.info(`sweep: checked ${result.checked}, queued ${result.requeued} missing jobs and ${result.regrouped} lost group jobs, recorded ${result.markedFailed} failures`);
  }
  return result;
}

/** The pipeline's last job, for analysed photos that no group job placed and none is waiting for. */
async function queueLostGroupJobs(groups: GroupsRepo, lanes: Lanes): Promise<number> {
  let queued = 0;
  for (let after: string | null = null; ; ) {
    const page = await groups.ungroupedPhotos(after, 500);
    if (page.length === 0) return queued;
    after = page[page.length - 1]!.id;
    const missing: PhotoJobSpec[] = [];
    for (const photo of page) {
      const data: PhotoJobData = { photoId: photo.id, revision: photo.revision, ingestId: null };
      if (!(await lanes.findPhotoJob('group', data))) missing.push({ name: 'group', lane: 'default', data });
    }
    await lanes.addPhotoJobs(missing);
    queued += missing.length;
  }
}
