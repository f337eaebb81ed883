/**
 * The resource governor (issue 18): reads the machine's sensors on an interval and, while a limit is
 * exceeded (CPU use, CPU or GPU temperature, running on battery), pauses the bulk lanes with the
 * reason recorded as the system's pause (shown as "paused by the system: CPU 92 °C > 85 °C"); it resumes them
 * on its own once the reading is back under the limit with a margin, so it does not flap.
 *
 * `high_priority` is never paused by it: a photo the person opens is analysed whatever the load.
 * It never touches a pause it did not make (the person's own, or the desktop's battery pause).
 */
import { LANES, type Lane } from '../../src-shared/lanes.js';
import type { GovernorSettings } from '../../src-core/governor-settings.js';
import type { Logger } from '../../src-core/logger.js';
import type { Lanes } from '../../src-core/queues.js';
import type { EngineStateRepo } from '../../src-core/store/repos/engine-state-repo.js';

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

type EngineParts = {
  store: { engineState: Pick<EngineStateRepo, 'listPauses' | 'setPause' | 'clearPause'> };
  lanes: Pick<Lanes, 'pause' | 'resume'>;
};

export interface GovernorState {
  /** The reason bulk work is paused by the governor, or null when it is not. */
  pausedFor: string | null;
  lastReading: SensorReading | null;
  lastError: string | null;
}

export class ResourceGovernor {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  readonly state: GovernorState = { pausedFor: null, lastReading: null, lastError: null };

  constructor(
    private readonly engine: EngineParts,
    private readonly settings: GovernorSettings,
    private readonly sensors: SensorSource,
    private readonly log: Pick<Logger, 'info' | 'warn'>,
  ) {}

  /** Reads the sensors and pauses or resumes the bulk lanes; one tick at a time. */
  tick(): Promise<void> {
    this.running ??= this.check().finally(() => (this.running = null));
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async check(): Promise<void> {
    try {
      const reading = await this.sensors();
      this.state.lastReading = reading;
      const ours = await this.ownPauses();
      const reason = limitExceeded(this.settings, reading, ours.length > 0);
      if (reason) await this.pause(reason);
      else if (ours.length > 0) await this.resume(ours);
      this.state.pausedFor = reason;
      this.state.lastError = null;
    } catch (error) {
      // A sensor or the store failing must not stop the engine; the next tick tries again.
      this.state.lastError = error instanceof Error ? error.message : String(error);
      this.log.warn(`resource governor: ${this.state.lastError}`);
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
