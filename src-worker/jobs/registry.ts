import type { JobName } from '../../src-shared/jobs.js';
import { photoJobHandler, type JobHandler } from './job-handler.js';
import { runMaintenanceJob } from './maintenance.js';
import { runCpuJob } from './photo-cpu.js';
import { runGroupJob } from './group.js';
import { runMlJob } from './photo-ml.js';
import { runPeopleJob } from './people.js';
import { runPresetApplyJob } from './preset-apply.js';
import { runPresetPreviewJob } from './preset-preview.js';
import { runExportPhotoJob } from './export-photo.js';
import { runLearningJob } from './learning.js';

/**
 * Job name → handler, for every job the queues carry (as Immich's job service does). A new kind of
 * job is its own file under src-worker/jobs plus one line here; the record type makes a job name
 * without a handler a compile error.
 */
export const JOB_HANDLERS: Readonly<Record<JobName, JobHandler>> = {
  'photo.cpu': photoJobHandler('photo.cpu', runCpuJob),
  'photo.ml': photoJobHandler('photo.ml', runMlJob),
  'presets.apply': (job, _lane, services) => runPresetApplyJob(job, services.presets),
  'presets.preview': (job, _lane, services) => runPresetPreviewJob(job, services),
  group: photoJobHandler('group', runGroupJob),
  maintenance: (job, _lane, services) => runMaintenanceJob(job, { ...services, redis: services.lockRedis }),
  'people.cluster-faces': (job, _lane, services) => runPeopleJob(job, services),
  'people.recluster': (job, _lane, services) => runPeopleJob(job, services),
  'export.photo': (job, _lane, services) => runExportPhotoJob(job, services),
  'learning.prototypes': (job, _lane, services) => runLearningJob(job, services),
  'learning.evaluate': (job, _lane, services) => runLearningJob(job, services),
};
