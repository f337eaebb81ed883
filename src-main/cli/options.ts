import { Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigFlags } from '../../src-core/config.js';

/** A command used wrongly (exit code 2): a missing argument, a flag that does not fit the command. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Options every command that opens a library takes. */
export interface CommonOptions {
  data?: string;
  json?: boolean;
}

/** Options of the commands that start an engine or workers (analyze, serve, worker). */
export interface EngineOptions extends CommonOptions {
  cpuWorkers?: number;
  mlWorkers?: number;
  redis?: string;
  store?: string;
}

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number');
  return n;
}

/** The config flags among a command's options (the rest of the config comes from env and settings). */
export function flagsOf(options: EngineOptions): ConfigFlags {
  return { data: options.data, cpuWorkers: options.cpuWorkers, mlWorkers: options.mlWorkers, redis: options.redis, store: options.store };
}

export const dataOption = (): Option =>
  new Option('--data <dir>', 'library folder (default: the app-data folder shared with the desktop app; env SHOEBOX_DATA)');

export const jsonOption = (): Option => new Option('--json', 'print JSON instead of text');

/** --cpu-workers, --ml-workers, --redis, --store. */
export function withEngineOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--cpu-workers <n>', 'CPU worker processes (env SHOEBOX_CPU_WORKERS)').argParser(positiveInt))
    .addOption(new Option('--ml-workers <n>', 'ML worker processes (env SHOEBOX_ML_WORKERS)').argParser(positiveInt))
    .addOption(new Option('--redis <url>', 'use an external Redis instead of the bundled one (env SHOEBOX_REDIS_URL)'))
    .addOption(new Option('--store <url>', '"sqlite" (default) or a postgres:// URL (env SHOEBOX_STORE)'));
}
