import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import type { StoreLocation } from '../src-shared/store-location.js';
import { defaultDataDir, libraryPaths } from './paths.js';
import { RuntimeSettings, readRuntimeSettings } from './runtime-settings.js';
import { GovernorSettings, readGovernorSettings } from './governor-settings.js';
import { ConfigError } from './config-error.js';

export { ConfigError };

/**
 * Engine configuration, parsed and validated once from flags and environment. Flags win over
 * environment variables, which win over defaults sized from this machine.
 */
export const EngineConfig = z.object({
  dataDir: z.string().min(1),
  cpuWorkers: z.number().int().min(1).max(64),
  mlWorkers: z.number().int().min(0).max(64),
  /** Jobs one CPU worker process runs at once on the default lane (libvips also threads inside). */
  cpuConcurrency: z.number().int().min(1).max(32),
  mlConcurrency: z.number().int().min(1).max(8),
  /**
   * One more worker process for the high_priority lanes of both classes, at normal OS priority,
   * while the bulk processes run at `backgroundNiceness`: a photo a person opens is analysed on
   * the cores a bulk ingest would otherwise hold. Off: the bulk processes serve every lane.
   */
  interactiveWorker: z.boolean(),
  /**
   * One more ML worker while the CPU lanes are empty and the ML lanes hold a backlog (issue 19,
   * src-main/engine/ml-boost.ts). On for a standalone analyze; SHOEBOX_ML_BOOST sets it anywhere.
   */
  mlBoost: z.boolean(),
  /** OS niceness of the bulk worker processes (0 = same priority as the desktop, 19 = lowest). */
  backgroundNiceness: z.number().int().min(0).max(19),
  /** Empty: start the bundled redis-server. Otherwise an external Redis for multi-machine use. */
  redisUrl: z.string().url().nullable(),
  redisServerBinary: z.string().nullable(),
  /** Redis maxmemory for the bundled server, in MB; a warning is raised at 80 %. */
  redisMaxMemoryMb: z.number().int().min(64),
  store: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('sqlite') }),
    z.object({ kind: z.literal('postgres'), url: z.string().min(1), schema: z.string().regex(/^[a-z_][a-z0-9_]*$/) }),
  ]),
  /** A worker process is replaced after this many jobs… */
  recycleAfterJobs: z.number().int().min(1),
  /** …or when its resident memory goes over this ceiling. */
  workerMemoryCeilingMb: z.number().int().min(128),
  /** Time limit for one stage of one photo. */
  stageTimeoutMs: z.number().int().min(1000),
  /** How long shutdown waits for jobs in hand before handing them back. */
  shutdownGraceMs: z.number().int().min(0),
  attempts: z.number().int().min(1).max(20),
  backoffBaseMs: z.number().int().min(10),
  backoffCapMs: z.number().int().min(100),
  /** The per-process settings (ML threads and provider, object detector, models folder, sqlite-vec). */
  runtime: RuntimeSettings,
  /** The resource governor's limits (src-core/governor-settings.ts). */
  governor: GovernorSettings,
  /** How often the engine samples its metrics (throughput, queue depth, resource use). */
  metricsIntervalMs: z.number().int().min(100).max(3_600_000),
});
export type EngineConfig = z.infer<typeof EngineConfig>;

export interface ConfigFlags {
  data?: string;
  cpuWorkers?: number;
  mlWorkers?: number;
  redis?: string;
  store?: string;
  /**
   * The engine serves one `shoebox analyze` run that nothing else can ask a photo of: no
   * interactive worker (~400 MB and a process less) unless SHOEBOX_INTERACTIVE_WORKER asks for it.
   */
  standalone?: boolean;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

function boolFromEnv(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0 (true/false), got "${env[name]}"`);
}

/** Defaults sized from the core count: leave one core to the ML class and the person's desktop. */
export function defaultWorkerCounts(cores = os.availableParallelism()): { cpu: number; ml: number } {
  return { cpu: Math.max(1, Math.min(8, cores - 1)), ml: Math.max(1, Math.min(2, Math.floor(cores / 4))) };
}

/** Where the configured store lives: the library folder's SQLite file, or the Postgres URL and schema. */
export function storeLocation(config: Pick<EngineConfig, 'store' | 'dataDir'>): StoreLocation {
  return config.store.kind === 'sqlite'
    ? { kind: 'sqlite', sqlitePath: libraryPaths(config.dataDir).sqlite }
    : { kind: 'postgres', postgresUrl: config.store.url, postgresSchema: config.store.schema };
}

export function parseStoreUrl(value: string | undefined): EngineConfig['store'] {
  if (!value || value === 'sqlite') return { kind: 'sqlite' };
  if (/^postgres(ql)?:\/\//.test(value)) {
    const url = new URL(value);
    const schema = url.searchParams.get('schema') ?? 'shoebox';
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), schema };
  }
  throw new ConfigError(`--store must be "sqlite" or a postgres:// URL, got "${value}"`);
}

/**
 * Settings the person saved from the app (`<dataDir>/settings.json`); flags and environment
 * variables override them.
 */
export const SavedSettings = z
  .object({
    cpuWorkers: z.number().int().min(1).max(64),
    mlWorkers: z.number().int().min(1).max(64),
    redisUrl: z.string().url().nullable(),
    store: z.string().nullable(),
  })
  .partial();
export type SavedSettings = z.infer<typeof SavedSettings>;

export function settingsFile(dataDir: string): string {
  return path.join(dataDir, 'settings.json');
}

export function readSavedSettings(dataDir: string): SavedSettings {
  let raw: string;
  try {
    raw = fs.readFileSync(settingsFile(dataDir), 'utf8');
  } catch {
    return {};
  }
  const parsed = SavedSettings.safeParse(JSON.parse(raw));
  if (!parsed.success) throw new ConfigError(`${settingsFile(dataDir)} is not valid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/** Writes the settings file atomically, readable by this user only (it may hold a Redis URL with a password). */
export function writeSavedSettings(dataDir: string, settings: SavedSettings): void {
  const file = settingsFile(dataDir);
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(SavedSettings.parse(settings), null, 2), { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** The store URL a config stands for, as saved in settings ("sqlite" or the postgres URL with its schema). */
export function storeSetting(store: EngineConfig['store']): string {
  if (store.kind === 'sqlite') return 'sqlite';
  const url = new URL(store.url);
  url.searchParams.set('schema', store.schema);
  return url.toString();
}

/** Where each setting comes from, for the error message (flags and settings.json win over these). */
const ENV_NAMES = {
  dataDir: '--data / SHOEBOX_DATA',
  cpuWorkers: '--cpu-workers / SHOEBOX_CPU_WORKERS',
  mlWorkers: '--ml-workers / SHOEBOX_ML_WORKERS',
  cpuConcurrency: 'SHOEBOX_CPU_CONCURRENCY',
  metricsIntervalMs: 'SHOEBOX_METRICS_INTERVAL_MS',
  mlConcurrency: 'SHOEBOX_ML_CONCURRENCY',
  backgroundNiceness: 'SHOEBOX_BACKGROUND_NICENESS',
  redisUrl: '--redis / SHOEBOX_REDIS_URL',
  redisMaxMemoryMb: 'SHOEBOX_REDIS_MAXMEMORY_MB',
  recycleAfterJobs: 'SHOEBOX_RECYCLE_AFTER_JOBS',
  workerMemoryCeilingMb: 'SHOEBOX_WORKER_MEMORY_MB',
  stageTimeoutMs: 'SHOEBOX_STAGE_TIMEOUT_MS',
  shutdownGraceMs: 'SHOEBOX_SHUTDOWN_GRACE_MS',
  attempts: 'SHOEBOX_ATTEMPTS',
  backoffBaseMs: 'SHOEBOX_BACKOFF_BASE_MS',
  backoffCapMs: 'SHOEBOX_BACKOFF_CAP_MS',
} as const;

export function loadConfig(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = process.env): EngineConfig {
  const counts = defaultWorkerCounts();
  const dataDir = path.resolve(flags.data ?? env.SHOEBOX_DATA ?? defaultDataDir(env));
  const saved = readSavedSettings(dataDir);
  const candidate = {
    dataDir,
    cpuWorkers: flags.cpuWorkers ?? intFromEnv(env, 'SHOEBOX_CPU_WORKERS') ?? saved.cpuWorkers ?? counts.cpu,
    // A standalone analyze does not give the interactive worker's slot to a second ML worker (issue 19,
    // 2 cores, 1,000 photos of 24 MP: every thumbnail after 158 s and all analysed after 259 s with one,
    // 204 s / 267 s with two; a second one holds ~600 MB). On 2 MP photos two were faster (204 s
    // against 240 s): `--ml-workers` / SHOEBOX_ML_WORKERS set it.
    mlWorkers: flags.mlWorkers ?? intFromEnv(env, 'SHOEBOX_ML_WORKERS') ?? saved.mlWorkers ?? counts.ml,
    cpuConcurrency: intFromEnv(env, 'SHOEBOX_CPU_CONCURRENCY') ?? 2,
    mlConcurrency: intFromEnv(env, 'SHOEBOX_ML_CONCURRENCY') ?? 1,
    interactiveWorker: boolFromEnv(env, 'SHOEBOX_INTERACTIVE_WORKER') ?? !flags.standalone,
    mlBoost: boolFromEnv(env, 'SHOEBOX_ML_BOOST') ?? Boolean(flags.standalone),
    backgroundNiceness: intFromEnv(env, 'SHOEBOX_BACKGROUND_NICENESS') ?? 10,
    redisUrl: flags.redis ?? (env.SHOEBOX_REDIS_URL || saved.redisUrl || null),
    redisServerBinary: env.SHOEBOX_REDIS_SERVER || null,
    redisMaxMemoryMb: intFromEnv(env, 'SHOEBOX_REDIS_MAXMEMORY_MB') ?? 1024,
    store: parseStoreUrl(flags.store ?? (env.SHOEBOX_STORE || saved.store || undefined)),
    recycleAfterJobs: intFromEnv(env, 'SHOEBOX_RECYCLE_AFTER_JOBS') ?? 2000,
    workerMemoryCeilingMb: intFromEnv(env, 'SHOEBOX_WORKER_MEMORY_MB') ?? 1536,
    stageTimeoutMs: intFromEnv(env, 'SHOEBOX_STAGE_TIMEOUT_MS') ?? 120_000,
    shutdownGraceMs: intFromEnv(env, 'SHOEBOX_SHUTDOWN_GRACE_MS') ?? 10_000,
    attempts: intFromEnv(env, 'SHOEBOX_ATTEMPTS') ?? 3,
    backoffBaseMs: intFromEnv(env, 'SHOEBOX_BACKOFF_BASE_MS') ?? 2_000,
    backoffCapMs: intFromEnv(env, 'SHOEBOX_BACKOFF_CAP_MS') ?? 600_000,
    // Checked here too, so a bad ML setting stops the engine at start, not a worker later.
    runtime: readRuntimeSettings(env),
    governor: readGovernorSettings(env),
    metricsIntervalMs: intFromEnv(env, 'SHOEBOX_METRICS_INTERVAL_MS') ?? 60_000,
  };
  const parsed = EngineConfig.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = issue.path.join('.');
    const source = ENV_NAMES[key as keyof typeof ENV_NAMES];
    throw new ConfigError(`invalid setting ${key}${source ? ` (${source})` : ''}: ${issue.message}`);
  }
  return parsed.data;
}
