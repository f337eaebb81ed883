/**
 * Takes the engine's metrics sample every minute (issue 18) and merges it into the store's buckets:
 * stage runs finished and failed since the last sample (per stage, from the store: every machine's
 * workers count), queue depth per lane, the governor's last CPU-use and temperature readings, and the
 * RSS of each process class (workers by class, the engine, redis-server).
 */
import { LANES } from '../../../src-shared/lanes.js';
import type { MetricSample } from '../../../src-shared/metrics.js';
import type { Logger } from '../../../src-core/logger.js';
import type { Lanes } from '../../../src-core/queues.js';
import type { MetricsRepo } from '../../../src-core/store/repos/metrics-repo.js';
import type { GovernorState } from '../governor.js';
import { PeriodicTask } from '../periodic-task.js';
import type { WorkerPool } from '../worker-pool.js';

export const METRICS_INTERVAL_MS = 60_000;

export interface SamplerParts {
  repo: Pick<MetricsRepo, 'record' | 'stageCounts'>;
  lanes: Pick<Lanes, 'counts' | 'redis'>;
  pool: Pick<WorkerPool, 'statuses'>;
  governor: () => GovernorState | null;
  log: Pick<Logger, 'warn'>;
}

const MB = 1024 * 1024;

export class MetricsSampler {
  private readonly task: PeriodicTask;
  private last: Date;

  constructor(
    private readonly parts: SamplerParts,
    intervalMs = METRICS_INTERVAL_MS,
    now = new Date(),
  ) {
    this.last = now;
    this.task = new PeriodicTask(() => this.takeLogged(new Date()), intervalMs);
  }

  start(): void {
    this.task.start();
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One sample now (one at a time); a failure is logged, the next sample tries again. */
  sample(now = new Date()): Promise<void> {
    return this.task.tick(() => this.takeLogged(now));
  }

  private takeLogged(now: Date): Promise<void> {
    return this.take(now).catch((error) => this.parts.log.warn(`metrics sample: ${error}`));
  }

  private async take(now: Date): Promise<void> {
    const counts = await this.parts.repo.stageCounts(this.last, now);
    const gauges: MetricSample['gauges'] = {};
    const lanes = await this.parts.lanes.counts();
    for (const lane of LANES) {
      const c = lanes[lane];
      // Delayed jobs are left out: they are the schedulers' next runs and retries waiting out a backoff.
      gauges[`depth.${lane}`] = c.waiting + c.prioritized + c.active + c.paused;
    }
    const reading = this.parts.governor()?.lastReading ?? null;
    gauges.cpu = reading?.cpuPercent ?? null;
    gauges.cpuTemp = reading?.cpuTempC ?? null;
    gauges.gpuTemp = reading?.gpuTempC ?? null;
    const rss: Record<string, number> = {};
    for (const w of this.parts.pool.statuses()) if (w.rssMb !== null && w.pid !== null) rss[w.workerClass] = (rss[w.workerClass] ?? 0) + w.rssMb;
    for (const [cls, mb] of Object.entries(rss)) gauges[`rss.${cls}`] = Math.round(mb);
    gauges['rss.engine'] = Math.round(process.memoryUsage().rss / MB);
    gauges['rss.redis'] = await this.redisRssMb();
    await this.parts.repo.record(now.getTime(), { counts, gauges });
    this.last = now;
  }

  private async redisRssMb(): Promise<number | null> {
    try {
      const info = await this.parts.lanes.redis.info('memory');
      const rss = Number(/used_memory_rss:(\d+)/.exec(info)?.[1]);
      return Number.isFinite(rss) ? Math.round(rss / MB) : null;
    } catch {
      return null;
    }
  }
}
