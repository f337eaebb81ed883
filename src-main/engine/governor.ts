/**
 * The resource governor (issue 18): reads the machine's sensors on an interval and, while a limit is
 * exceeded (CPU use, CPU or GPU temperature, running on battery), pauses the bulk lanes with the
 * reason recorded as the system's pause (shown as "paused by the system: CPU 92 °C > 85 °C"); it resumes them
 * on its own once the reading is back under the limit with a margin, so it does not flap.
 *
 * It also owns the number of workers. Over the CPU-use limit it first shrinks the pool to one worker
 * per class, and pauses only if the machine is still over the limit a reading later. "While I am using
 * the computer: eco" (the person touched mouse or keyboard within the last minute, from an injected
 * idle source: Electron's powerMonitor) and the tray's eco mode shrink it too; the configured number
 * comes back once no reason is left.
 *
 * `high_priority` is never paused by it: a photo the person opens is analysed whatever the load.
 * It never touches a pause it did not make (the person's own, or the desktop's battery pause).
 */
import { LANES, type Lane } from '../../src-shared/lanes.js';
import type { GovernorSettings } from '../../src-core/governor-settings.js';
import type { Logger } from '../../src-core/logger.js';
import type { Lanes } from '../../src-core/queues.js';
import type { EngineStateRepo } from '../../src-core/store/repos/engine-state-repo.js';
import { PeriodicTask } from './periodic-task.js';
import type { WorkerPool } from './worker-pool.js';

export interface SensorReading {
  /** Whole-machine CPU use, percent. */
  cpuPercent: number | null;
  /** Hottest CPU thermal zone, °C. */
  cpuTempC: number | null;
  /** Hottest GPU, °C. */
  gpuTempC: number | null;
  onBattery: boolean | null;
}
/** Where readings come from: the machine (governor/system-sensors.ts), or a test's own values. */
export type SensorSource = () => Promise<SensorReading>;
/** Seconds since the person last used mouse or keyboard; null where the platform cannot say (headless). */
export type IdleSource = () => number | null | Promise<number | null>;

/** Used within this many seconds: the person is at the computer. */
export const ACTIVE_WITHIN_S = 60;

/** Worker counts in eco mode: at most one per class, and none where none are configured. */
export function ecoWorkerCounts(configured: { cpu: number; ml: number }, eco: boolean): { cpu: number; ml: number } {
  return eco ? { cpu: Math.min(1, configured.cpu), ml: Math.min(1, configured.ml) } : { ...configured };
}

/** The lanes the governor may pause: every lane but high_priority. */
export const GOVERNED_LANES: readonly Lane[] = LANES.filter((lane) => lane !== 'high_priority');
/**
 * The governor's pauses are lane pauses by the system whose reason is one the governor writes (the
 * app shows them as "paused by the system: CPU 92 °C > 85 °C"); any other pause is left alone.
 */
export function isGovernorReason(reason: string): boolean {
  return /^(?:(?:CPU|GPU) \d+ °C > \d+ °C|CPU use \d+ % > \d+ %|on battery power)$/.test(reason);
}
/** Resume only this far under a temperature limit… */
export const COOL_DOWN_C = 5;
/** …or a CPU-use limit. */
export const CPU_MARGIN_PERCENT = 10;

const round = (n: number) => Math.round(n);

/**
 * Why bulk work must pause now, or null. While already paused the limits are lowered by the margins
 * (hysteresis): bulk work resumes only once the machine is clearly back under them.
 */
export function limitExceeded(settings: GovernorSettings, reading: SensorReading, alreadyPaused: boolean): string | null {
  const tempLimit = settings.temperatureLimitC;
  if (tempLimit !== null) {
    const threshold = alreadyPaused ? tempLimit - COOL_DOWN_C : tempLimit;
    if (reading.cpuTempC !== null && reading.cpuTempC > threshold) return `CPU ${round(reading.cpuTempC)} °C > ${threshold} °C`;
    if (reading.gpuTempC !== null && reading.gpuTempC > threshold) return `GPU ${round(reading.gpuTempC)} °C > ${threshold} °C`;
  }
  const cpuLimit = settings.cpuLimitPercent;
  if (cpuLimit !== null && reading.cpuPercent !== null) {
    const threshold = alreadyPaused ? cpuLimit - CPU_MARGIN_PERCENT : cpuLimit;
    if (reading.cpuPercent > threshold) return `CPU use ${round(reading.cpuPercent)} % > ${threshold} %`;
  }
  if (settings.pauseOnBattery && reading.onBattery === true) return 'on battery power';
  return null;
}

/** The CPU-use part of the rule alone: the governor shrinks the pool for it before it pauses. */
function cpuOver(settings: GovernorSettings, reading: SensorReading, lowered: boolean): string | null {
  return limitExceeded({ ...settings, temperatureLimitC: null, pauseOnBattery: false }, reading, lowered);
}

type EngineParts = {
  store: { engineState: Pick<EngineStateRepo, 'listPauses' | 'setPause' | 'clearPause'> };
  lanes: Pick<Lanes, 'pause' | 'resume'>;
  /** The local worker pool and its configured size; absent, CPU use pauses at once (nothing to shrink). */
  pool?: Pick<WorkerPool, 'resize' | 'size'>;
  config?: { cpuWorkers: number; mlWorkers: number };
};

export interface GovernorState {
  /** The reason bulk work is paused by the governor, or null when it is not. */
  pausedFor: string | null;
  /** Why the pool runs fewer workers than configured (eco), or null at full size. */
  fewerWorkersFor: string | null;
  lastReading: SensorReading | null;
  /** Seconds since the person last used the computer, when the platform says. */
  idleSeconds: number | null;
  lastError: string | null;
}

export class ResourceGovernor {
  private readonly task: PeriodicTask;
  readonly state: GovernorState = { pausedFor: null, fewerWorkersFor: null, lastReading: null, idleSeconds: null, lastError: null };
  /** The pool was shrunk for CPU use (and stays so until CPU use is clearly under the limit). */
  private shrunkForCpu: string | null = null;
  /** The tray's eco mode, asked for by the person. */
  private manualEco = false;
  /** Whether the pool was last set to eco size by the governor (it starts at the configured size). */
  private ecoApplied = false;
  private readonly settings: GovernorSettings;

  constructor(
    private readonly engine: EngineParts,
    settings: GovernorSettings,
    private readonly sensors: SensorSource,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
    private readonly idle: IdleSource = () => null,
  ) {
    this.settings = { ...settings };
    this.task = new PeriodicTask(() => this.check(), this.settings.intervalMs);
  }

  /** "While I am using the computer: eco", switched at run time (the desktop's menu). */
  async setEcoWhileActive(on: boolean): Promise<void> {
    this.settings.ecoWhileActive = on;
    await this.reapplyWorkers();
  }

  /** The tray's eco mode: fewer workers until switched off. */
  async setManualEco(on: boolean): Promise<void> {
    this.manualEco = on;
    await this.reapplyWorkers();
  }

  /** After a reading in progress, the pool follows the new wish at once (no wait for the next reading). */
  private async reapplyWorkers(): Promise<void> {
    await this.task.settled();
    if (this.engine.pool && this.engine.config) await this.applyWorkers();
  }

  /** Reads the sensors and pauses or resumes the bulk lanes; one tick at a time. */
  tick(): Promise<void> {
    return this.task.tick();
  }

  start(): void {
    this.task.start({ now: true });
  }

  stop(): Promise<void> {
    return this.task.stop();
  }

  private async check(): Promise<void> {
    try {
      const reading = await this.sensors();
      this.state.lastReading = reading;
      this.state.idleSeconds = await this.idle();
      const ours = await this.ownPauses();
      const paused = ours.length > 0;
      const canShrink = this.engine.pool !== undefined && this.engine.config !== undefined;
      // Temperature and battery pause at once; fewer workers would not cool a machine fast enough.
      let reason = limitExceeded({ ...this.settings, cpuLimitPercent: null }, reading, paused);
      // CPU use: fewer workers first; pause only when still over the limit after a reading with fewer.
      const cpuForPool = cpuOver(this.settings, reading, this.shrunkForCpu !== null);
      if (cpuForPool !== null) {
        const cpuForPause = cpuOver(this.settings, reading, paused);
        if (!canShrink || this.shrunkForCpu !== null) reason ??= cpuForPause;
        this.shrunkForCpu = cpuForPool;
      } else if (!paused) {
        this.shrunkForCpu = null; // resumed a reading ago (or never paused): the workers may come back
      }
      if (reason) await this.pause(reason);
      else if (paused) await this.resume(ours);
      this.state.pausedFor = reason;
      if (canShrink) await this.applyWorkers();
      this.state.lastError = null;
    } catch (error) {
      // A sensor or the store failing must not stop the engine; the next tick tries again.
      this.state.lastError = error instanceof Error ? error.message : String(error);
      this.log.warn(`resource governor: ${this.state.lastError}`);
    }
  }

  /** Why the pool should run fewer workers now, or null. */
  private ecoReason(): string | null {
    if (this.shrunkForCpu) return this.shrunkForCpu;
    if (this.manualEco) return 'eco mode';
    const idle = this.state.idleSeconds;
    if (this.settings.ecoWhileActive && idle !== null && idle < ACTIVE_WITHIN_S) return 'you are using the computer';
    return null;
  }

  private async applyWorkers(): Promise<void> {
    const pool = this.engine.pool!;
    const why = this.ecoReason();
    const targets = ecoWorkerCounts({ cpu: this.engine.config!.cpuWorkers, ml: this.engine.config!.mlWorkers }, why !== null);
    if (why !== this.state.fewerWorkersFor) this.log.info(why ? `resource governor: fewer workers (${why})` : 'resource governor: all workers again');
    this.state.fewerWorkersFor = why;
    // Only when its decision changes: the pool starts at the configured size, and a resize made by
    // someone else (a test, an operator) is not undone at the next reading.
    if ((why !== null) === this.ecoApplied) return;
    this.ecoApplied = why !== null;
    // A shrink drains the surplus workers (they finish their jobs first): not awaited, so a long job
    // does not hold the governor's next reading.
    for (const role of ['cpu', 'ml'] as const) {
      if (targets[role] > 0 && pool.size(role) !== targets[role]) {
        pool.resize(role, targets[role]).catch((error) => this.log.warn(`resource governor: resize ${role}: ${error}`));
      }
    }
  }

  /** The lanes the governor itself paused (recognised by the reason it writes). */
  private async ownPauses(): Promise<Lane[]> {
    const pauses = await this.engine.store.engineState.listPauses();
    return pauses.filter((p) => p.scope !== 'all' && p.by === 'system' && isGovernorReason(p.reason)).map((p) => p.scope as Lane);
  }

  private async pause(reason: string): Promise<void> {
    const pauses = await this.engine.store.engineState.listPauses();
    const toPause: Lane[] = [];
    for (const lane of GOVERNED_LANES) {
      const existing = pauses.find((p) => p.scope === lane);
      const isOurs = existing?.by === 'system' && isGovernorReason(existing.reason);
      if (existing && !isOurs) continue; // the person's pause (or another system pause) stays as it is
      if (existing?.reason === reason) continue;
      await this.engine.store.engineState.setPause({ scope: lane, by: 'system', reason: reason, at: new Date().toISOString() });
      if (!existing) toPause.push(lane);
    }
    if (toPause.length > 0) {
      await this.engine.lanes.pause(toPause);
      this.log.info(`resource governor paused ${toPause.join(', ')}: ${reason}`);
    }
  }

  private async resume(lanes: Lane[]): Promise<void> {
    for (const lane of lanes) await this.engine.store.engineState.clearPause(lane);
    // A pause of everything (the person's, or the desktop's battery pause) keeps the lanes paused.
    const pauseAll = (await this.engine.store.engineState.listPauses()).some((p) => p.scope === 'all');
    if (!pauseAll) await this.engine.lanes.resume(lanes);
    this.log.info(`resource governor resumed ${lanes.join(', ')}`);
  }
}
