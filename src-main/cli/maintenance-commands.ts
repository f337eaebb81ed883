/**
 * `shoebox maintenance [--json]`: each maintenance task's schedule, last run, duration and result,
 * and the photos whose files are missing. `shoebox maintenance run <task> [--json]`: runs one task
 * now on the maintenance lane — in the running engine when there is one, else in an engine started
 * for the purpose and stopped after.
 */
import fs from 'node:fs';
import { Argument, type Command } from 'commander';
import { MaintenanceJobData } from '../../src-shared/jobs.js';
import { loadConfig } from '../../src-core/config.js';
import { libraryPaths } from '../../src-core/paths.js';
import { openStore } from '../../src-core/store/open-store.js';
import { storeLocation } from '../../src-core/config.js';
import { MaintenanceRepo, type MaintenanceRun, type MissingPhoto } from '../../src-core/store/repos/maintenance-repo.js';
import { readRunningEngine } from '../engine/engine-file.js';
import { Engine } from '../engine/engine.js';
import { MAINTENANCE_SCHEDULE, runMaintenanceNow, type MaintenanceTask } from '../engine/maintenance/maintenance-jobs.js';
import { OperationError } from '../engine/operations.js';
import { Lanes } from '../../src-core/queues.js';
import { dataOption, flagsOf, jsonOption, withEngineOptions, type EngineOptions } from './options.js';
import { allModelStatuses } from '../../src-core/store/repos/vector-models-repo.js';
import type { VectorModelStatus } from '../../src-shared/vector-models.js';
import { formatModelStatus } from './models-commands.js';

const TASKS = MaintenanceJobData.shape.task.options;

export interface MaintenanceReport {
  tasks: Array<{ task: MaintenanceTask; everyHours: number | null; lastRun: MaintenanceRun | null }>;
  missing: MissingPhoto[];
  /** The active descriptor model and a model upgrade's progress and ETA (README "Model upgrades"). */
  models: VectorModelStatus[];
}

/** One line per task: "library-check  every 6 h  last 2026-… ok in 1.2 s: {…}". */
export function formatMaintenanceRuns(runs: readonly MaintenanceRun[]): string[] {
  return runs.map((run) => `${run.task.padEnd(18)} last ${run.finishedAt} ${run.ok ? 'ok' : 'FAILED'} in ${(run.ms / 1000).toFixed(1)} s: ${JSON.stringify(run.result)}`);
}

function formatReport(report: MaintenanceReport): string {
  const lines = report.tasks.map(({ task, everyHours, lastRun }) => {
    const every = everyHours === null ? 'on demand' : `every ${everyHours} h`;
    const last = lastRun ? `last ${lastRun.finishedAt} ${lastRun.ok ? 'ok' : 'FAILED'} in ${(lastRun.ms / 1000).toFixed(1)} s: ${JSON.stringify(lastRun.result)}` : 'never ran';
    return `${task.padEnd(18)} ${every.padEnd(10)} ${last}`;
  });
  lines.push('', report.missing.length ? `${report.missing.length} photo(s) missing from disk (results kept):` : 'No photo is missing from disk.');
  for (const m of report.missing.slice(0, 20)) lines.push(`  ${m.path} (since ${m.since})`);
  for (const m of report.models) if (m.state === 'running' || m.state === 'failed') lines.push('', `Model upgrade: ${formatModelStatus(m)}`);
  if (report.missing.length > 20) lines.push(`  … and ${report.missing.length - 20} more (--json lists all)`);
  return lines.join('\n');
}

async function report(options: EngineOptions): Promise<MaintenanceReport> {
  const config = loadConfig(flagsOf(options));
  if (config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
    throw new OperationError(`no library at ${config.dataDir} yet: analyse a folder first ("shoebox analyze <folder>")`, 'not-found');
  }
  const store = await openStore(storeLocation(config));
  try {
    const repo = new MaintenanceRepo(store.sql);
    const runs = new Map((await repo.lastRuns()).map((run) => [run.task, run]));
    return {
      tasks: TASKS.map((task) => ({ task, everyHours: MAINTENANCE_SCHEDULE[task] ? MAINTENANCE_SCHEDULE[task]! / 3600_000 : null, lastRun: runs.get(task) ?? null })),
      missing: await repo.listMissing(),
      models: await allModelStatuses(store.sql),
    };
  } finally {
    await store.close();
  }
}

async function runNow(task: MaintenanceTask, options: EngineOptions): Promise<unknown> {
  const config = loadConfig(flagsOf(options));
  const running = readRunningEngine(libraryPaths(config.dataDir).engineFile);
  if (running) {
    const lanes = new Lanes(running.redis, config);
    try {
      return await runMaintenanceNow(lanes, task);
    } finally {
      await lanes.close();
    }
  }
  const engine = await Engine.start(config);
  try {
    return await runMaintenanceNow(engine.lanes, task);
  } finally {
    await engine.stop();
  }
}

export function registerMaintenanceCommands(program: Command): void {
  const maintenance = program.command('maintenance').description('scheduled upkeep: library check, cache cleanup, index maintenance — last runs and results');
  maintenance
    .command('show', { isDefault: true })
    .description('each task\'s schedule, last run, duration and result, and the photos missing from disk')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: EngineOptions & { json?: boolean }) => {
      const result = await report(options);
      process.stdout.write(options.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatReport(result)}\n`);
    });
  withEngineOptions(
    maintenance
      .command('run')
      .description('run one maintenance task now and print its result')
      .addArgument(new Argument('<task>').choices([...TASKS]))
      .addOption(dataOption())
      .addOption(jsonOption()),
  ).action(async (task: MaintenanceTask, options: EngineOptions & { json?: boolean }) => {
    const result = await runNow(task, options);
    process.stdout.write(options.json ? `${JSON.stringify({ task, result })}\n` : `${task}: ${JSON.stringify(result)}\n`);
  });
}
