import { z } from 'zod';
import { ConfigError } from './config-error.js';

/**
 * The resource governor's limits (issue 18). Each is off when null/false; the governor pauses the
 * bulk lanes while one is exceeded and resumes them on its own.
 */
export const GovernorSettings = z.object({
  /** SHOEBOX_CPU_LIMIT_PERCENT: whole-machine CPU use above which bulk work pauses. */
  cpuLimitPercent: z.number().int().min(10).max(100).nullable(),
  /** SHOEBOX_TEMP_LIMIT_C: the hottest CPU thermal zone or GPU above which bulk work pauses. */
  temperatureLimitC: z.number().int().min(40).max(110).nullable(),
  /** SHOEBOX_PAUSE_ON_BATTERY: pause bulk work while the machine runs on battery. */
  pauseOnBattery: z.boolean(),
  /** SHOEBOX_ECO_WHILE_ACTIVE: fewer workers (one per class) while the person uses the computer. */
  ecoWhileActive: z.boolean(),
  /** SHOEBOX_GOVERNOR_INTERVAL_MS: how often the sensors are read. */
  intervalMs: z.number().int().min(200).max(600_000),
});
export type GovernorSettings = z.infer<typeof GovernorSettings>;

const ENV = {
  cpuLimitPercent: 'SHOEBOX_CPU_LIMIT_PERCENT',
  temperatureLimitC: 'SHOEBOX_TEMP_LIMIT_C',
  pauseOnBattery: 'SHOEBOX_PAUSE_ON_BATTERY',
  ecoWhileActive: 'SHOEBOX_ECO_WHILE_ACTIVE',
  intervalMs: 'SHOEBOX_GOVERNOR_INTERVAL_MS',
} as const;

function number(env: NodeJS.ProcessEnv, name: string): number | null | undefined {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return undefined;
  if (['off', 'none', '0'].includes(raw.toLowerCase()) && name !== ENV.intervalMs) return null;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new ConfigError(`${name} must be a whole number (or "off"), got "${raw}"`);
  return value;
}

/** Reads the governor's settings from the environment; a bad value is a ConfigError naming the variable. */
export function readGovernorSettings(env: NodeJS.ProcessEnv = process.env): GovernorSettings {
  const orDefault = (value: number | null | undefined, fallback: number | null) => (value === undefined ? fallback : value);
  const candidate = {
    cpuLimitPercent: orDefault(number(env, ENV.cpuLimitPercent), null),
    temperatureLimitC: orDefault(number(env, ENV.temperatureLimitC), 90),
    pauseOnBattery: flag(env, ENV.pauseOnBattery),
    ecoWhileActive: flag(env, ENV.ecoWhileActive),
    intervalMs: number(env, ENV.intervalMs) ?? 10_000,
  };
  const parsed = GovernorSettings.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path[0] as keyof typeof ENV;
    throw new ConfigError(`invalid setting ${String(key)} (${ENV[key]}): ${issue.message}`);
  }
  return parsed.data;
}

/** An on/off variable (1/0, true/false, yes/no, on/off); unset is off. */
function flag(env: NodeJS.ProcessEnv, name: string): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return false;
  if (!['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'].includes(raw)) throw new ConfigError(`${name} must be 1 or 0 (true/false), got "${env[name]}"`);
  return ['1', 'true', 'yes', 'on'].includes(raw);
}
