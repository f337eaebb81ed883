/**
 * Lends the CPU class's cores to the ML class once the library is browsable (issue 19).
 *
 * While the CPU lanes have work, the configured ML workers run, so every photo gets its thumbnail,
 * metadata and capture date first. Once the CPU lanes are empty and the ML lanes still hold a
 * backlog, the CPU workers sit idle: one more ML worker starts and takes those cycles. It is drained
 * (it finishes its job in hand first) as soon as a batch of new photos reaches the CPU lanes or the
 * ML backlog is gone. The governor's reasons for fewer workers (eco, CPU use, the person at the
 * computer) always win: no boost while it runs fewer workers.
 *
 * Measured on 2 cores (README "Issue 19: the camera's own thumbnail, a boost for the ML lane, memory to 20,000 photos").
 */
import type { WorkerClass } from '../../src-shared/lanes.js';
import type { Logger } from '../../src-core/logger.js';
import { PeriodicTask } from './periodic-task.js';
import type { WorkerPool } from './worker-pool.js';

/** The ML backlog (jobs waiting) below which starting a worker (its models load in ~5 s of CPU) does not pay. */
export const MIN_ML_BACKLOG = 20;
/** How often the lanes are looked at. */
export const BOOST_INTERVAL_MS = 2_000;

export interface BoostInputs {
  /** ML workers running now, and as configured. */
  mlWorkers: number;
  configuredMlWorkers: number;
  /** Bulk CPU jobs waiting or running. */
  cpuBacklog: number;
  /** Bulk ML jobs waiting (not yet running). */
  mlWaiting: number;
  /** The governor runs fewer workers than configured (eco, CPU use, the person at the computer). */
  fewerWorkers: boolean;
}

/**
 * How many ML workers should run: one more than configured while the CPU lanes are empty and the
 * ML lanes have a backlog worth a worker; the configured number otherwise. null: leave the pool as it
 * is (the governor's size while it runs fewer workers, or already right). Boosting needs a backlog of
 * MIN_ML_BACKLOG; once boosted it lasts until the backlog is gone or that many CPU jobs arrive, so a
 * photo or two from the folder watcher does not stop and restart a worker.
 */
export function boostTarget(s: BoostInputs): number | null {
  if (s.fewerWorkers || s.configuredMlWorkers < 1) return null;
  const boosted = s.mlWorkers > s.configuredMlWorkers;
  const want = boosted
    ? s.mlWaiting > 0 && s.cpuBacklog < MIN_ML_BACKLOG
    : s.cpuBacklog === 0 && s.mlWaiting >= MIN_ML_BACKLOG;
  const target = want ? s.configuredMlWorkers + 1 : s.configuredMlWorkers;
  return target === s.mlWorkers ? null : target;
}

type Backlog = (workerClass: WorkerClass) => Promise<{ waiting: number; active: number }>;

export class MlBoost {
  private readonly task = new PeriodicTask(() => this.check(), BOOST_INTERVAL_MS);

  constructor(
    private readonly backlog: Backlog,
    private readonly pool: Pick<WorkerPool, 'resize' | 'size'>,
    private readonly configuredMlWorkers: number,
    private readonly fewerWorkers: () => boolean,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** One look at the lanes; one at a time. */
  tick(): Promise<void> {
    return this.task.tick();
  }

  start(): this {
    this.task.start();
    return this;
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async check(): Promise<void> {
    try {
      const [cpu, ml] = await Promise.all([this.backlog('cpu'), this.backlog('ml')]);
      const mlWorkers = this.pool.size('ml');
      const target = boostTarget({
        mlWorkers,
        configuredMlWorkers: this.configuredMlWorkers,
        cpuBacklog: cpu.waiting + cpu.active,
        mlWaiting: ml.waiting,
        fewerWorkers: this.fewerWorkers(),
      });
      if (target === null) return;
      this.log.info(
        target > mlWorkers
          ? `ml boost: the CPU lanes are empty and ${ml.waiting} ML jobs wait: ${target} ML workers`
          : `ml boost: back to ${target} ML worker(s) (${cpu.waiting + cpu.active} CPU jobs, ${ml.waiting} ML jobs waiting)`,
      );
      // A shrink drains the extra worker after its job in hand: not awaited, so the next look is not held.
      this.pool.resize('ml', target).catch((error: unknown) => this.log.warn(`ml boost: resize: ${String(error)}`));
    } catch (error) {
      // Redis restarting, the engine stopping: the next look tries again.
      this.log.warn(`ml boost: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
