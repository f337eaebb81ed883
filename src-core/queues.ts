import { Queue, QueueEvents, type Job, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { LANES, WORKER_CLASSES, queueName, type Lane, type WorkerClass } from '../src-shared/lanes.js';
import { JOB_CLASS, PhotoJobData, PresetApplyJobData, photoJobId, type JobName, type MaintenanceJobData } from '../src-shared/jobs.js';
import { redisOptions, type RedisEndpoint } from './redis-endpoint.js';
import { EvaluateJobData, PROTOTYPES_DEBOUNCE_MS, PrototypesJobData, prototypesJobId } from '../src-shared/learning-jobs.js';

/** BullMQ's key prefix; queue names are `<class>-<lane>`. */
export const QUEUE_PREFIX = 'shoebox';

export const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'paused'] as const;
export type JobState = (typeof JOB_STATES)[number];
export type LaneCounts = Record<JobState, number> & { isPaused: boolean };

export interface RetryPolicy {
  attempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** The name of the custom backoff strategy that workers implement (see src-worker/backoff.ts). */
export const BACKOFF_TYPE = 'capped-jitter';

export interface PhotoJobSpec {
  name: 'photo.cpu' | 'photo.ml' | 'group';
  lane: Lane;
  data: PhotoJobData;
}

/**
 * The lanes as BullMQ queues: one queue per worker class per lane, so a CPU worker never picks up
 * an ML job. Lane-level operations (counts, pause, purge) act on both queues of the lane.
 */
export class Lanes {
  private readonly connection: Redis;
  private readonly queues = new Map<string, Queue>();
  /** One QueueEvents per queue that `addAndWait` used (a blocking connection each), opened on first use. */
  private readonly waiters = new Map<string, Promise<QueueEvents>>();

  constructor(
    private readonly endpoint: RedisEndpoint,
    private readonly policy: RetryPolicy,
  ) {
    this.connection = new Redis(redisOptions(endpoint));
    this.connection.on('error', () => undefined); // reconnects on its own; callers see failed commands
    for (const workerClass of WORKER_CLASSES) {
      for (const lane of LANES) {
        const name = queueName(workerClass, lane);
        this.queues.set(name, new Queue(name, { connection: this.connection, prefix: QUEUE_PREFIX }));
      }
    }
  }

  get redis(): Redis {
    return this.connection;
  }

  queue(workerClass: WorkerClass, lane: Lane): Queue {
    return this.queues.get(queueName(workerClass, lane))!;
  }

  allQueues(): Queue[] {
    return [...this.queues.values()];
  }

  jobOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.policy.attempts,
      backoff: { type: BACKOFF_TYPE, delay: this.policy.backoffBaseMs },
      // Finished jobs live in the store; Redis keeps only what is in flight and what failed.
      removeOnComplete: true,
      removeOnFail: false,
    };
  }

  /** Adds photo jobs with deterministic ids: a job that already exists is left as it is. */
  async addPhotoJobs(specs: PhotoJobSpec[]): Promise<void> {
    const byQueue = new Map<string, PhotoJobSpec[]>();
    for (const spec of specs) {
      PhotoJobData.parse(spec.data);
      const name = queueName(JOB_CLASS[spec.name], spec.lane);
      const list = byQueue.get(name) ?? [];
      list.push(spec);
      byQueue.set(name, list);
    }
    for (const [name, list] of byQueue) {
      const queue = this.queues.get(name)!;
      for (let i = 0; i < list.length; i += 500) {
        await queue.addBulk(
          list.slice(i, i + 500).map((spec) => ({
            name: spec.name,
            data: spec.data,
            opts: this.jobOptions(photoJobId(spec.name, spec.data)),
          })),
        );
      }
    }
  }

  /**
   * Queues sidecar writes (issue 15); each request is its own job, so asking again writes again.
   * `priority` is BullMQ's (1 first), from the quality score on the bulk lane; none on a person's request.
   */
  async addPresetApply(jobs: readonly { lane: Lane; data: PresetApplyJobData; priority?: number }[]): Promise<void> {
    for (const { lane, data, priority } of jobs) {
      PresetApplyJobData.parse(data);
      const id = `presets_apply-${data.photoId}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      await this.queue(JOB_CLASS['presets.apply'], lane).add('presets.apply' satisfies JobName, data, { ...this.jobOptions(id), ...(priority ? { priority } : {}) });
    }
  }

  /**
   * Queues a label recalculation on the learning lane, debounced: it waits PROTOTYPES_DEBOUNCE_MS, and
   * while it waits another add is a no-op (same id). One added while a recalculation runs becomes its
   * follow-up (`-again`), so the last click is always learned from. Returns the job id.
   */
  async addPrototypes(data: PrototypesJobData): Promise<string> {
    PrototypesJobData.parse(data);
    const queue = this.queue(JOB_CLASS['learning.prototypes'], 'learning');
    let jobId = prototypesJobId(data);
    const existing = await queue.getJob(jobId);
    if (existing && (await existing.isActive())) jobId = prototypesJobId(data, true);
    await queue.add('learning.prototypes' satisfies JobName, data, { ...this.jobOptions(jobId), delay: PROTOTYPES_DEBOUNCE_MS });
    return jobId;
  }

  /** Queues an evaluation run of one label on the learning lane. */
  async addEvaluate(data: EvaluateJobData): Promise<string> {
    EvaluateJobData.parse(data);
    const jobId = `learning_evaluate-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    await this.queue(JOB_CLASS['learning.evaluate'], 'learning').add('learning.evaluate' satisfies JobName, data, this.jobOptions(jobId));
    return jobId;
  }

  /**
   * Adds one job and waits for its result, for work a person watches happen (the preset editor's preview).
   * One attempt: by the time a retry ran the person has moved on. Finished jobs stay a minute so that the
   * wait's own "already finished?" check still finds one that completed before it looked.
   */
  async addAndWait(name: JobName, lane: Lane, data: unknown, jobId: string, timeoutMs: number): Promise<unknown> {
    const queue = this.queue(JOB_CLASS[name], lane);
    let waiter = this.waiters.get(queue.name);
    if (!waiter) {
      const events = new QueueEvents(queue.name, { connection: redisOptions(this.endpoint), prefix: QUEUE_PREFIX });
      events.on('error', () => undefined); // reconnects on its own; the wait times out meanwhile
      waiter = events.waitUntilReady().then(() => events);
      this.waiters.set(queue.name, waiter);
    }
    const events = await waiter;
    const job = await queue.add(name, data, { jobId, attempts: 1, removeOnComplete: { age: 60 }, removeOnFail: { age: 60 } });
    return job.waitUntilFinished(events, timeoutMs);
  }

  async addMaintenance(data: MaintenanceJobData, jobId: string): Promise<void> {
    await this.queue('cpu', 'maintenance').add('maintenance' satisfies JobName, data, { ...this.jobOptions(jobId), attempts: 1 });
  }

  async counts(): Promise<Record<Lane, LaneCounts>> {
    const result = {} as Record<Lane, LaneCounts>;
    for (const lane of LANES) {
      const total = Object.fromEntries(JOB_STATES.map((state) => [state, 0])) as Record<JobState, number>;
      let isPaused = true;
      for (const workerClass of WORKER_CLASSES) {
        const queue = this.queue(workerClass, lane);
        const counts = await queue.getJobCounts(...JOB_STATES);
        for (const state of JOB_STATES) total[state] += counts[state] ?? 0;
        isPaused &&= await queue.isPaused();
      }
      result[lane] = { ...total, isPaused };
    }
    return result;
  }

  /** A worker class's bulk work (its default and learning lanes): jobs waiting (or prioritized) and running. */
  async bulkBacklog(workerClass: WorkerClass): Promise<{ waiting: number; active: number }> {
    const total = { waiting: 0, active: 0 };
    for (const lane of ['default', 'learning'] as const) {
      const counts = await this.queue(workerClass, lane).getJobCounts('waiting', 'prioritized', 'active');
      total.waiting += (counts.waiting ?? 0) + (counts.prioritized ?? 0);
      total.active += counts.active ?? 0;
    }
    return total;
  }

  /** Jobs that are waiting, running or scheduled in any lane (used to tell a stalled ingest). */
  async pendingJobCount(): Promise<number> {
    let sum = 0;
    for (const [name, queue] of this.queues) {
      // The maintenance lane always holds its scheduled jobs (delayed until their time): not pending work.
      const scheduledOnly = WORKER_CLASSES.some((workerClass) => name === queueName(workerClass, 'maintenance'));
      const counts = await queue.getJobCounts('waiting', 'active', ...(scheduledOnly ? [] : ['delayed' as const]), 'prioritized', 'paused');
      sum += Object.values(counts).reduce((a, b) => a + b, 0);
    }
    return sum;
  }

  async pause(lanes: readonly Lane[]): Promise<void> {
    for (const lane of lanes) for (const workerClass of WORKER_CLASSES) await this.queue(workerClass, lane).pause();
  }

  async resume(lanes: readonly Lane[]): Promise<void> {
    for (const lane of lanes) for (const workerClass of WORKER_CLASSES) await this.queue(workerClass, lane).resume();
  }

  /** Removes everything waiting or delayed in a lane; running jobs finish. Returns how many went. */
  async purge(lane: Lane): Promise<number> {
    let removed = 0;
    for (const workerClass of WORKER_CLASSES) {
      const queue = this.queue(workerClass, lane);
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized', 'paused');
      removed += Object.values(counts).reduce((a, b) => a + b, 0);
      await queue.drain(true);
    }
    return removed;
  }

  /** Finds a job by id in whichever queue holds it. */
  async findJob(jobId: string): Promise<Job | null> {
    for (const queue of this.queues.values()) {
      const job = await queue.getJob(jobId);
      if (job) return job;
    }
    return null;
  }

  /** Finds the job of a photo (either class, any lane), by its deterministic id. */
  async findPhotoJob(name: PhotoJobSpec['name'], data: PhotoJobData): Promise<Job | null> {
    const jobId = photoJobId(name, data);
    for (const lane of LANES) {
      const job = await this.queue(JOB_CLASS[name], lane).getJob(jobId);
      if (job) return job;
    }
    return null;
  }

  async close(): Promise<void> {
    await Promise.all([...this.waiters.values()].map(async (w) => (await w.catch(() => null))?.close()));
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.connection.disconnect();
  }
}
