/** The maintenance and metrics calls of the API (issue 18, src-shared/api/maintenance-contract.ts). */
import { ApiError } from '../../../src-shared/api/contract.js';
import type { MAINTENANCE_API, MaintenanceTaskView } from '../../../src-shared/api/maintenance-contract.js';
import { MaintenanceJobData } from '../../../src-shared/jobs.js';
import { RANGE_PLAN, regroup } from '../../../src-shared/metrics.js';
import type { Lanes } from '../../../src-core/queues.js';
import { maintenanceStatus } from '../../../src-core/store/repos/maintenance-repo.js';
import { MetricsRepo } from '../../../src-core/store/repos/metrics-repo.js';
import type { ResourceGovernor } from '../governor.js';
import { MAINTENANCE_SCHEDULE, queueMaintenanceNow, type MaintenanceTask } from '../maintenance/maintenance-jobs.js';
import type { Handlers } from './dispatch.js';
import type { HandlerEngine } from './handlers.js';

type MaintenanceHandlers = Pick<Handlers, keyof typeof MAINTENANCE_API>;

const TASKS = MaintenanceJobData.shape.task.options;

/** The engine's maintenance queue, where one runs (a test's fake engine may have none). */
function maintenanceQueue(engine: HandlerEngine): ReturnType<Lanes['queue']> | null {
  const lanes = engine.lanes as Partial<Pick<Lanes, 'queue'>>;
  return typeof lanes.queue === 'function' ? lanes.queue('cpu', 'maintenance') : null;
}

export function maintenanceHandlers(engine: HandlerEngine): MaintenanceHandlers {
  const metrics = new MetricsRepo(engine.store.sql);
  return {
    'maintenance.list': async () => {
      const { runs, missingPhotos } = await maintenanceStatus(engine.store.sql);
      const last = new Map(runs.map((r) => [r.task, r]));
      const queue = maintenanceQueue(engine);
      const next = new Map<string, string>();
      const pending = new Map<string, 'queued' | 'running'>();
      if (queue) {
        for (const s of await queue.getJobSchedulers()) if (s.next) next.set(s.key.replace(/^maintenance-/, ''), new Date(s.next).toISOString());
        for (const job of await queue.getJobs(['active', 'waiting', 'prioritized'])) {
          const task = (job?.data as { task?: string } | undefined)?.task;
          if (!task) continue;
          const state = await job.getState();
          if (state === 'active' || !pending.has(task)) pending.set(task, state === 'active' ? 'running' : 'queued');
        }
      }
      const tasks: MaintenanceTaskView[] = TASKS.map((task) => {
        const run = last.get(task);
        const every = MAINTENANCE_SCHEDULE[task];
        return {
          task,
          everyHours: every ? every / 3600_000 : null,
          lastRun: run ? { startedAt: run.startedAt, finishedAt: run.finishedAt, ms: run.ms, ok: run.ok, result: run.result } : null,
          nextRunAt: next.get(task) ?? null,
          pending: pending.get(task) ?? null,
        };
      });
      return { tasks, missingPhotos };
    },
    'maintenance.run': async ({ task }) => {
      const queue = maintenanceQueue(engine);
      if (!queue) throw new ApiError('no-engine', 'the engine is not running: no maintenance lane to queue the task on');
      return { jobId: await queueMaintenanceNow(queue, task as MaintenanceTask) };
    },
    'metrics.get': async ({ range }) => {
      const plan = RANGE_PLAN[range];
      const to = Date.now();
      const from = to - plan.ms;
      const stored = await metrics.series(plan.stored, from - plan.stored * 1000, to);
      const buckets = plan.drawn === plan.stored ? stored : regroup(stored, plan.drawn);
      const governor = (engine as { governor?: ResourceGovernor | null }).governor;
      const reading = governor?.state.lastReading ?? null;
      return {
        range,
        span: plan.drawn,
        from,
        to,
        buckets,
        governor: governor
          ? {
              pausedFor: governor.state.pausedFor,
              fewerWorkersFor: governor.state.fewerWorkersFor,
              cpuPercent: reading?.cpuPercent ?? null,
              cpuTempC: reading?.cpuTempC ?? null,
              gpuTempC: reading?.gpuTempC ?? null,
            }
          : null,
      };
    },
  };
}
