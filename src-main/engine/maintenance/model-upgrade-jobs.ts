/**
 * Starting and resuming a model upgrade (issue 17) from the engine, the API and the CLI. The upgrade
 * itself is the maintenance task `model-upgrade` (src-worker/jobs/model-upgrade.ts); its state and
 * progress live in the store (VectorModelsRepo), so any process can start it, watch it, or queue it
 * again after a crash.
 */
import type { Queue } from 'bullmq';
import type { JobName, MaintenanceJobData } from '../../../src-shared/jobs.js';
import { VECTOR_KINDS, type VectorKind, type VectorModelStatus } from '../../../src-shared/vector-models.js';
import type { Logger } from '../../../src-core/logger.js';
import type { Lanes } from '../../../src-core/queues.js';
import { VectorModelsRepo } from '../../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../../src-core/store/sql/sql-db.js';

/**
 * Retries of a run that found the lock taken: the lock of a killed holder expires within 15 s
 * (maintenance.ts), so a few attempts a few seconds apart always get it.
 */
const UPGRADE_JOB_OPTIONS = { attempts: 40, backoff: { type: 'fixed', delay: 3000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } };

async function upgradeJobQueued(queue: Queue): Promise<boolean> {
  const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'paused']);
  return jobs.some((j) => j?.name === 'maintenance' && (j.data as Partial<MaintenanceJobData>)?.task === 'model-upgrade');
}

/** Queues the upgrade job unless one is already waiting or running; returns its id or null. */
export async function queueModelUpgradeJob(lanes: Pick<Lanes, 'queue'>): Promise<string | null> {
  const queue = lanes.queue('cpu', 'maintenance');
  if (await upgradeJobQueued(queue)) return null;
  const jobId = `maintenance-model-upgrade-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  await queue.add('maintenance' satisfies JobName, { task: 'model-upgrade' } satisfies MaintenanceJobData, { jobId, ...UPGRADE_JOB_OPTIONS });
  return jobId;
}

/** Switches the library to `model`: records the upgrade in the store and queues its job. */
export async function useModel(
  sql: SqlDb,
  lanes: Pick<Lanes, 'queue'>,
  kind: VectorKind,
  model: string,
): Promise<{ started: boolean; why: string; status: VectorModelStatus }> {
  const repo = new VectorModelsRepo(sql);
  const begun = await repo.begin(kind, model);
  const status = await repo.status(kind);
  if (status.state === 'running') await queueModelUpgradeJob(lanes);
  return { ...begun, status };
}

/**
 * At engine start: an upgrade the store says is running gets its job again (Redis lost it, or it failed
 * after its worker died too often), and SHOEBOX_DESCRIPTOR_MODEL / SHOEBOX_FACE_MODEL, when set and
 * different from the library's, start one.
 */
export async function resumeModelUpgrade(
  sql: SqlDb,
  lanes: Pick<Lanes, 'queue'>,
  wanted: Partial<Record<VectorKind, string | null>>,
  log: Logger,
): Promise<void> {
  const repo = new VectorModelsRepo(sql);
  let resume: string[] = [];
  for (const kind of VECTOR_KINDS) {
    const want = wanted[kind] ?? null;
    const { active, target } = await repo.models(kind);
    if (want && want !== active && want !== target) {
      const { why } = await useModel(sql, lanes, kind, want);
      log.info(`model upgrade (${kind} model ${want} asked by the environment): ${why}`);
    } else if (target) resume = [...resume, target];
  }
  // One job runs every kind's upgrade (src-worker/jobs/model-upgrade.ts); queueing it twice is a no-op.
  if (resume.length > 0 && (await queueModelUpgradeJob(lanes))) log.info(`model upgrade to ${resume.join(', ')}: resumed`);
}
