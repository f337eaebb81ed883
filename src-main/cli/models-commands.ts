/**
 * `shoebox models [--json]`: the library's active descriptor and face models, the models this build can
 * switch to, and a running upgrade's progress and ETA. `shoebox models use <model> [--wait] [--json]`: starts
 * the upgrade (README "Model upgrades") — in the running engine when there is one (returns at once
 * unless --wait), else in an engine started for it, which waits for the cut-over and stops.
 */
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Argument, Option, type Command } from 'commander';
import { kindOfModel, MODELS_OF_KIND, VECTOR_KINDS, type VectorKind, type VectorModelStatus } from '../../src-shared/vector-models.js';
import { loadConfig, storeLocation } from '../../src-core/config.js';
import { libraryPaths } from '../../src-core/paths.js';
import { Lanes } from '../../src-core/queues.js';
import { openStore } from '../../src-core/store/open-store.js';
import { allModelStatuses, VectorModelsError, VectorModelsRepo } from '../../src-core/store/repos/vector-models-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { readRunningEngine } from '../engine/engine-file.js';
import { Engine } from '../engine/engine.js';
import { useModel } from '../engine/maintenance/model-upgrade-jobs.js';
import { OperationError } from '../engine/operations.js';
import { dataOption, flagsOf, jsonOption, withEngineOptions, type EngineOptions } from './options.js';

/** "descriptor  shoebox-global-v1 (active) → shoebox-global-v2: 120/400 photos, 3.1/s, ETA 05:12:40" */
export function formatModelStatus(s: VectorModelStatus): string {
  const head = `${s.kind.padEnd(11)} ${s.active} (active)`;
  if (s.state === 'running') {
    const rate = s.perSecond === null ? '' : `, ${s.perSecond.toFixed(1)}/s`;
    const eta = s.etaAt ? `, ETA ${s.etaAt}` : '';
    return `${head} → upgrading to ${s.target}: ${s.done}/${s.total} photos re-embedded${rate}${eta}`;
  }
  if (s.state === 'failed') return `${head}; the last upgrade FAILED: ${JSON.stringify(s.result)}`;
  if (s.state === 'done' && s.finishedAt) return `${head}; last upgrade finished ${s.finishedAt}: ${JSON.stringify(s.result)}`;
  return head;
}

async function withLibraryStore<T>(options: EngineOptions, fn: (sql: SqlDb) => Promise<T>): Promise<T> {
  const config = loadConfig(flagsOf(options));
  if (config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
    throw new OperationError(`no library at ${config.dataDir} yet: analyse a folder first ("shoebox analyze <folder>")`, 'not-found');
  }
  const store = await openStore(storeLocation(config));
  try {
    return await fn(store.sql);
  } finally {
    await store.close();
  }
}

async function waitForCutOver(sql: SqlDb, kind: VectorKind, quiet: boolean): Promise<VectorModelStatus> {
  const repo = new VectorModelsRepo(sql);
  let last = '';
  for (;;) {
    const status = await repo.status(kind);
    if (status.state !== 'running') return status;
    const line = formatModelStatus(status);
    if (!quiet && line !== last) process.stderr.write(`${line}\n`);
    last = line;
    await sleep(1000);
  }
}

async function use(model: string, options: EngineOptions & { wait?: boolean; json?: boolean }): Promise<{ started: boolean; why: string; status: VectorModelStatus }> {
  const config = loadConfig(flagsOf(options));
  const kind = kindOfModel(model);
  if (!kind) throw new OperationError(`unknown model "${model}"`, 'invalid'); // commander's choices() stops it first
  const running = readRunningEngine(libraryPaths(config.dataDir).engineFile);
  const guard = <T>(p: Promise<T>) =>
    p.catch((error: unknown) => {
      throw error instanceof VectorModelsError ? new OperationError(error.message, 'invalid') : error;
    });
  if (running) {
    const lanes = new Lanes(running.redis, config);
    try {
      return await withLibraryStore(options, async (sql) => {
        const begun = await guard(useModel(sql, lanes, kind, model));
        return options.wait && begun.status.state === 'running' ? { ...begun, status: await waitForCutOver(sql, kind, !!options.json) } : begun;
      });
    } finally {
      await lanes.close();
    }
  }
  // No engine: start one for the upgrade and stop it after the cut-over (its workers do the work).
  const engine = await Engine.start(config);
  try {
    const begun = await guard(useModel(engine.store.sql, engine.lanes, kind, model));
    return begun.status.state === 'running' ? { ...begun, status: await waitForCutOver(engine.store.sql, kind, !!options.json) } : begun;
  } finally {
    await engine.stop();
  }
}

export function registerModelsCommands(program: Command): void {
  const models = program.command('models').description('the image descriptor and face models the library uses, and model upgrades (re-embed, cut over)');
  models
    .command('show', { isDefault: true })
    .description('the active model, the models you can switch to, and a running upgrade\'s progress and ETA')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: EngineOptions & { json?: boolean }) => {
      const { statuses, vectors, faceVectors } = await withLibraryStore(options, async (sql) => {
        const repo = new VectorModelsRepo(sql);
        return { statuses: await allModelStatuses(sql), vectors: await repo.vectorCounts('descriptor'), faceVectors: await repo.vectorCounts('face') };
      });
      // `vectors`: the descriptor's (as before face models were switchable); `faceVectors`: face rows per model.
      if (options.json) process.stdout.write(`${JSON.stringify({ models: statuses, vectors, faceVectors })}\n`);
      else process.stdout.write(statuses.map((s) => `${formatModelStatus(s)}\n${' '.repeat(12)}available: ${s.available.join(', ')}\n`).join(''));
    });
  withEngineOptions(
    models
      .command('use')
      .description('switch to another descriptor or face model: re-embeds the library in the background, then cuts over in one step')
      .addArgument(new Argument('<model>').choices(VECTOR_KINDS.flatMap((k) => [...MODELS_OF_KIND[k]])))
      .addOption(new Option('--wait', 'with a running engine: wait for the cut-over (printing progress on stderr)'))
      .addOption(dataOption())
      .addOption(jsonOption()),
  ).action(async (model: string, options: EngineOptions & { wait?: boolean; json?: boolean }) => {
    const result = await use(model, options);
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : `${result.why}\n${formatModelStatus(result.status)}\n`);
  });
}
