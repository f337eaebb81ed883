import type { Redis } from 'ioredis';
import { HOST_REPORT_EVERY_MS, hostName, reportHost, type HostReport } from '../../src-core/host-registry.js';
import { localVersions, readEngineVersions, versionMismatch, type HostVersions } from '../../src-core/host-versions.js';
import type { Logger } from '../../src-core/logger.js';
import type { WorkerPool } from './worker-pool.js';

/**
 * Reports this machine's worker processes to the shared Redis every few seconds (see
 * host-registry). For `shoebox worker` it also compares this build's versions with the engine's on
 * every report: when they differ it calls `onRefuse` once (the caller stops the workers).
 */
export class HostReporter {
  private timer: NodeJS.Timeout | null = null;
  private refusal: string | null = null;
  private reporting = false;
  readonly versions: HostVersions = localVersions();

  constructor(
    private readonly redis: Redis,
    private readonly pool: WorkerPool,
    private readonly role: HostReport['role'],
    private readonly log: Logger,
    private readonly onRefuse: (reason: string) => void = () => undefined,
  ) {}

  /** For a worker machine: the reason it must not work for this Redis's engine, or null. */
  async checkVersions(): Promise<string | null> {
    const engine = await readEngineVersions(this.redis);
    return engine ? versionMismatch(engine, this.versions) : null;
  }

  start(): void {
    this.timer = setInterval(() => void this.report(), HOST_REPORT_EVERY_MS);
    void this.report();
  }

  /**
   * One report. Skipped while Redis is not connected (its commands would queue until it is back,
   * and a stopping engine must not wait on them) or while the previous report is still under way.
   */
  async report(): Promise<void> {
    if (this.reporting || this.redis.status !== 'ready') return;
    this.reporting = true;
    try {
      if (this.role === 'worker' && this.refusal === null) {
        const refusal = await this.checkVersions();
        if (refusal) {
          this.refusal = refusal;
          this.onRefuse(refusal);
        }
      }
      await reportHost(this.redis, {
        host: hostName(),
        role: this.role,
        pid: process.pid,
        versions: this.versions,
        refusal: this.refusal,
        workers: this.pool.statuses().map((s) => ({ id: s.id, workerClass: s.workerClass, state: s.state, pid: s.pid, jobsDone: s.jobsDone, updatedAt: s.updatedAt })),
        at: new Date().toISOString(),
      });
    } catch (error) {
      this.log.warn(`host report: ${String(error)}`); // Redis unreachable for now: the next report retries
    } finally {
      this.reporting = false;
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
