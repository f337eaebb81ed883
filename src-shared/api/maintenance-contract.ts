/**
 * The maintenance calls of the API contract (issue 18), spread into `api` (contract.ts) as one block:
 * the scheduled tasks (last run, duration, result, next run, "Run now") and the engine's metrics over
 * time with the resource governor's state.
 */
import { z } from 'zod';
import { MaintenanceJobData } from '../jobs.js';
import { METRIC_RANGES, MetricBucket } from '../metrics.js';

export const MaintenanceTaskName = MaintenanceJobData.shape.task;

export const MaintenanceTaskView = z.object({
  task: MaintenanceTaskName,
  /** How often it runs on its own; null: on demand only. */
  everyHours: z.number().nullable(),
  lastRun: z
    .object({ startedAt: z.string(), finishedAt: z.string(), ms: z.number(), ok: z.boolean(), result: z.unknown() })
    .nullable(),
  /** When the scheduler runs it next (null: not scheduled). */
  nextRunAt: z.string().nullable(),
  /** A run of it waiting in the maintenance lane, or running now. */
  pending: z.enum(['queued', 'running']).nullable(),
});
export type MaintenanceTaskView = z.infer<typeof MaintenanceTaskView>;

export const GovernorView = z.object({
  pausedFor: z.string().nullable(),
  fewerWorkersFor: z.string().nullable(),
  cpuPercent: z.number().nullable(),
  cpuTempC: z.number().nullable(),
  gpuTempC: z.number().nullable(),
});
export type GovernorView = z.infer<typeof GovernorView>;

export const MAINTENANCE_API = {
  /** The maintenance tasks with their last and next runs, and how many photos are missing from disk. */
  'maintenance.list': { req: z.object({}).strict(), res: z.object({ tasks: z.array(MaintenanceTaskView), missingPhotos: z.number() }) },
  /** Queues a task now on the maintenance lane (its result shows in maintenance.list once it ran). */
  'maintenance.run': { req: z.object({ task: MaintenanceTaskName }).strict(), res: z.object({ jobId: z.string() }) },
  /** Metrics over the last hour, day or week, and what the resource governor is doing now. */
  'metrics.get': {
    req: z.object({ range: z.enum(METRIC_RANGES) }).strict(),
    res: z.object({
      range: z.enum(METRIC_RANGES),
      /** Seconds each bucket covers, as drawn. */
      span: z.number(),
      from: z.number(),
      to: z.number(),
      buckets: z.array(MetricBucket),
      governor: GovernorView.nullable(),
    }),
  },
} as const;
