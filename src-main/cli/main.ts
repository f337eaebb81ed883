/** Exit codes: 0 done, 1 failure, 2 usage error (UsageError, ConfigError). */
import fs from 'node:fs';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { isLane, LANES, type Lane } from '../../src-shared/lanes.js';
import { ConfigError, loadConfig, type ConfigFlags } from '../../src-core/config.js';
import { EngineAlreadyRunning } from '../engine/engine.js';
import type { IngestSummary } from '../engine/ingest/ingest-runner.js';
import { ingestHere } from './ingest-here.js';
import { inspectView } from '../engine/inspect-view.js';
import { OperationError } from '../engine/operations.js';
import { libraryPaths } from '../../src-core/paths.js';
import { RedisServerNotFound } from '../engine/redis/find-redis-server.js';
import { formatDetail, formatFailed, formatStatus, formatSummary } from './format.js';
import { LibraryClient } from './library-client.js';
import { registerPeopleCommands } from './people.js';
import { registerCullingCommands } from './culling-commands.js';
import { createProgressReporter } from './progress.js';
import { serve, type ServeOptions } from './serve.js';
import { runWorkers } from './worker.js';
import { registerPresetCommands } from './presets.js';
import { registerExportCommands } from './export-commands.js';
import { registerMaintenanceCommands } from './maintenance-commands.js';
import { registerWatchCommands } from './watch-commands.js';
import { registerModelsCommands } from './models-commands.js';
import { registerLabelCommands } from './label-commands.js';
import { registerRotateCommand } from './rotate-command.js';
import { dataOption, flagsOf, jsonOption, positiveInt, UsageError, withEngineOptions, type CommonOptions, type EngineOptions } from './options.js';

function print(value: unknown, json: boolean | undefined, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(value, null, 2)}\n` : `${human()}\n`);
}

/** Read commands need an existing library: a typo in --data should not create an empty one. */
function requireLibrary(flags: ConfigFlags): void {
  const config = loadConfig(flags);
  if (config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
    throw new OperationError(`no library at ${config.dataDir} yet: analyse a folder first ("shoebox analyze <folder>")`, 'not-found');
  }
}

async function withClient<T>(flags: ConfigFlags, fn: (client: LibraryClient) => Promise<T>): Promise<T> {
  requireLibrary(flags);
  const client = await LibraryClient.open(flags);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function summaryJson(summary: IngestSummary, dataDir: string) {
  return {
    photos: summary.photos,
    completed: summary.completed,
    failed: summary.failed,
    skipped: summary.skipped,
    cancelled: summary.cancelled,
    ignored: summary.ignored,
    analysed: summary.analysed,
    seconds: summary.seconds,
    interrupted: summary.interrupted,
    ingestId: summary.ingestId,
    dataDir,
  };
}

export interface AnalyzeOptions extends EngineOptions {
  now?: boolean;
  progress?: boolean;
}

async function analyze(paths: string[], options: AnalyzeOptions): Promise<number> {
  for (const p of paths) {
    if (!fs.existsSync(p)) throw new UsageError(`no such file or folder: ${p}`);
  }
  const roots = paths.map((p) => path.resolve(p));
  const flags = flagsOf(options);
  const config = loadConfig(flags);
  if (config.mlWorkers < 1) throw new UsageError('--ml-workers must be at least 1 to analyse photos on this machine');
  const lane: Lane = options.now ? 'high_priority' : 'default';
  const progress = createProgressReporter(!options.json && options.progress !== false);
  try {
    const summary = await ingestHere(roots, flags, { lane, force: options.now, onProgress: progress.update });
    progress.stop();
    print(summaryJson(summary, config.dataDir), options.json, () => formatSummary(summary, config.dataDir));
    return summary.interrupted ? 130 : 0;
  } finally {
    progress.stop();
  }
}

function laneArg(value: string | undefined): Lane | 'all' {
  if (value === undefined || value === 'all') return 'all';
  if (!isLane(value)) throw new UsageError(`unknown lane "${value}"; lanes are ${LANES.join(', ')}`);
  return value;
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('shoebox')
    .description('Analyse a photo library on this machine.')
    .showHelpAfterError()
    .exitOverride();
  withEngineOptions(
    program
      .command('analyze')
      .description('analyse folders or files (recursively); resumes an interrupted ingest, skips unchanged photos')
      .argument('<paths...>', 'folders or photo files')
      .addOption(dataOption())
      .addOption(jsonOption())
      .option('--now', 'analyse these photos first, through the high_priority lane (into the running engine if there is one)')
      .option('--no-progress', 'no progress bar'),
  ).action(async (paths: string[], options: AnalyzeOptions) => setExit(await analyze(paths, options)));

  withEngineOptions(
    program
      .command('serve')
      .description('start the engine and keep it running (the UI and other commands talk to it)')
      .addOption(dataOption())
      .addOption(new Option('--port <n>', 'HTTP port (default: a free one)').argParser(positiveInt))
      .addOption(new Option('--open', 'open the UI in the default browser')),
  ).action(async (options: ServeOptions) => setExit(await serve(options)));

  withEngineOptions(
    program
      .command('worker')
      .description('serve the queues from another machine: workers only, against a shared --redis and a --store postgres://…')
      .addOption(dataOption()),
  ).action(async (options: EngineOptions) => setExit(await runWorkers(options)));

  program
    .command('status')
    .description('lanes with counts by state, workers, ingest totals')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: CommonOptions) => {
      const status = await withClient(flagsOf(options), (c) => c.ops.status());
      print(status, options.json, () => formatStatus(status));
    });

  program
    .command('failed')
    .description('failed photos: photo, stage, reason, attempts')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: CommonOptions) => {
      const failed = await withClient(flagsOf(options), (c) => c.ops.failed());
      print(failed, options.json, () => formatFailed(failed));
    });

  program
    .command('inspect')
    .description('everything the library knows about one photo')
    .argument('<file>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (file: string, options: CommonOptions) => {
      const detail = await withClient(flagsOf(options), (c) => c.ops.inspect(file));
      print(inspectView(detail), options.json, () => formatDetail(detail, inspectView(detail)));
    });

  program
    .command('retry')
    .description('retry a failed photo (job id or photo id), or all of them')
    .argument('[job]')
    .option('--all', 'retry every failed photo')
    .addOption(dataOption())
    .action(async (job: string | undefined, options: CommonOptions & { all?: boolean }) => {
      if (!job && !options.all) throw new UsageError('name a job id, or use --all');
      const n = await withClient(flagsOf(options), (c) => c.ops.retry(options.all ? { all: true } : job!));
      process.stdout.write(`${n} photo${n === 1 ? '' : 's'} queued again\n`);
    });

  program
    .command('discard')
    .description('forget a failed photo without retrying it')
    .argument('<job>')
    .addOption(dataOption())
    .action(async (job: string, options: CommonOptions) => {
      await withClient(flagsOf(options), (c) => c.ops.discard(job));
      process.stdout.write(`discarded ${job}\n`);
    });

  program
    .command('pause')
    .description('pause a lane, or everything (survives a restart)')
    .argument('[lane]', `one of ${LANES.join(', ')}; default all`)
    .option('--reason <text>', 'why (shown by status)')
    .addOption(dataOption())
    .action(async (lane: string | undefined, options: CommonOptions & { reason?: string }) => {
      const scope = laneArg(lane);
      await withClient(flagsOf(options), (c) => c.ops.pause(scope, options.reason));
      process.stdout.write(`paused ${scope}\n`);
    });

  program
    .command('resume')
    .description('resume a lane, or everything')
    .argument('[lane]')
    .addOption(dataOption())
    .action(async (lane: string | undefined, options: CommonOptions) => {
      const scope = laneArg(lane);
      await withClient(flagsOf(options), (c) => c.ops.resume(scope));
      process.stdout.write(`resumed ${scope}\n`);
    });

  program
    .command('purge')
    .description('remove the waiting and delayed jobs of a lane (unfinished photos are queued again by the sweep; cancel stops them)')
    .argument('<lane>')
    .addOption(dataOption())
    .action(async (lane: string, options: CommonOptions) => {
      laneArg(lane);
      const n = await withClient(flagsOf(options), (c) => c.ops.purge(lane));
      process.stdout.write(`removed ${n} jobs from ${lane}\n`);
    });

  program
    .command('cancel')
    .description('cancel a whole ingest (its id), or one photo (job id or photo id)')
    .argument('<id>')
    .addOption(dataOption())
    .action(async (id: string, options: CommonOptions) => {
      const n = await withClient(flagsOf(options), (c) => c.ops.cancel(id));
      process.stdout.write(`cancelled ${n} photo${n === 1 ? '' : 's'}\n`);
    });
  registerCullingCommands(program, (options, fn) => withClient(flagsOf(options), fn), dataOption, jsonOption);

  registerPeopleCommands(program);
  registerPresetCommands(program, setExit);
  registerExportCommands(program, setExit);
  registerMaintenanceCommands(program);
  registerWatchCommands(program);
  registerModelsCommands(program);
  registerLabelCommands(program);
  registerRotateCommand(program, setExit);
  return program;
}

export async function runCli(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed its message; --help and --version are not errors.
      return error.exitCode === 0 || error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`shoebox: ${message.split('\n')[0]}\n`);
    if (error instanceof RedisServerNotFound) process.stderr.write(`${message.split('\n').slice(1).join('\n')}\n`);
    if (error instanceof UsageError || error instanceof ConfigError) return 2;
    if (error instanceof OperationError || error instanceof EngineAlreadyRunning || error instanceof RedisServerNotFound) return 1;
    if (process.env.SHOEBOX_DEBUG) process.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}
