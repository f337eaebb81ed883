/**
 * Chaos ingest: analyse N generated photos while killing (-9) worker processes every few seconds,
 * the redis-server once and the engine itself once (then `analyze` again on the same library), and
 * prove that nothing was lost or duplicated.
 *
 *   npm run chaos -- --photos 300
 *
 * The core is `runChaos()`, which test/chaos.test.ts runs in a short form.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { libraryPaths } from '../../src-core/paths.js';
import { openStore } from '../../src-core/store/open-store.js';
import { accountLibrary, type DuplicateFinding, type StageRunAccounting } from '../../src-core/store/accounting.js';
import { cliInvocation, lastJson } from '../helpers/cli.js';
import { generatePhotos } from '../helpers/generate-photos.js';
import { mulberry32 as random } from '../helpers/prng.js';
import { isProcessAlive } from '../../src-main/engine/process-utils.js';

export interface ChaosOptions {
  photos: number;
  width?: number;
  height?: number;
  /** Kill a random worker this often (ms) while an analyze runs. */
  workerKillEveryMs?: number;
  /** Stop killing workers after this many kills (default: no limit). */
  maxWorkerKills?: number;
  /** Kill redis-server once, when this share of the photos is done (null: never). */
  redisKillAt?: number | null;
  /** Kill the engine once, when this share of the photos is done, and analyze again (null: never). */
  engineKillAt?: number | null;
  /** Also time a calm run of the same photos on a fresh library. */
  calm?: boolean;
  /** Extra environment for the analyze children. */
  env?: NodeJS.ProcessEnv;
  /** Give up (and fail) after this long (ms). */
  timeoutMs?: number;
  /** Keep the chaos library folder (for inspection) instead of removing it. */
  keepData?: boolean;
  log?: (line: string) => void;
  /** Seed of the random worker choice, for a reproducible run. */
  seed?: number;
}

export interface ChaosResult {
  /** Files the last analyze found. */
  found: number;
  /** Photo rows in the store. */
  stored: number;
  completed: number;
  failed: number;
  /** Failed with a specific code (not 'internal') and a message. */
  failedWithReason: number;
  /** found − completed − failedWithReason: photos that are neither done nor failed for a stated reason. */
  lost: number;
  /** Copies of a result stored beyond the first (src-core/store/accounting.ts): never allowed. */
  duplicated: number;
  duplicates: DuplicateFinding[];
  /** Stage executions, re-executions (at-least-once: allowed) and the re-executions that rewrote a result. */
  stageRuns: StageRunAccounting;
  integrity: string;
  /** Failures without a specific reason ('internal' or empty), with their messages. */
  unspecific: Array<{ path: string; code: string; error: string }>;
  failures: Record<string, number>;
  workerKills: number;
  redisKills: number;
  engineKills: number;
  /** Analyze runs (2 when the engine was killed once). */
  runs: number;
  /** Exit codes of the analyze runs, in order (null when killed). */
  exitCodes: Array<number | null>;
  chaosSeconds: number;
  calmSeconds: number | null;
  /** Processes of ours still alive at the end (redis-server, workers): must be empty. */
  leftovers: number[];
  dataDir: string;
}



function kill9(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    return false;
  }
}

/** Direct children of a process (all its threads), from /proc. */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  let tasks: string[];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const task of tasks) {
    try {
      for (const word of fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(/\s+/)) {
        if (word) out.add(Number(word));
      }
    } catch {
      // thread gone
    }
  }
  return [...out];
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/** Worker processes of an engine process: its children (recursively) running src-worker/main. */
export function workerPidsOf(enginePid: number): number[] {
  const found: number[] = [];
  const queue = [enginePid];
  while (queue.length > 0) {
    for (const child of childPids(queue.shift()!)) {
      if (/src-worker[\\/]main\.(js|ts)/.test(cmdline(child))) found.push(child);
      else queue.push(child);
    }
  }
  return found;
}

export function redisPidOf(dataDir: string): number | null {
  try {
    const pid = Number(fs.readFileSync(path.join(libraryPaths(dataDir).redisDir, 'redis.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && isProcessAlive(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The cached photo folder for a size (generated once, reused across runs), and a run folder holding the first N. */
async function preparePhotos(count: number, width: number, height: number, into: string, log: (l: string) => void): Promise<void> {
  const cache = path.join(os.tmpdir(), `shoebox-chaos-photos-${width}x${height}`);
  const started = performance.now();
  const files = await generatePhotos(cache, count, { width, height });
  const ms = performance.now() - started;
  if (ms > 2000) log(`generated photos in ${cache} (${(ms / 1000).toFixed(1)} s)`);
  fs.mkdirSync(into, { recursive: true });
  for (const file of files) {
    const target = path.join(into, path.basename(file));
    try {
      fs.linkSync(file, target);
    } catch {
      fs.copyFileSync(file, target);
    }
  }
}

interface AnalyzeRun {
  child: ChildProcess;
  started: number;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

function startAnalyze(photosDir: string, dataDir: string, env: NodeJS.ProcessEnv): AnalyzeRun {
  const { command, args } = cliInvocation();
  const child = spawn(command, [...args, 'analyze', photosDir, '--json', '--data', dataDir], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, started: performance.now(), done };
}

/** Photos done or failed so far, read straight from the library's SQLite file (null before it exists). */
function makeProgressReader(dataDir: string) {
  const sqlite = libraryPaths(dataDir).sqlite;
  let store: Awaited<ReturnType<typeof openStore>> | null = null;
  return {
    async finished(): Promise<number | null> {
      if (!store) {
        if (!fs.existsSync(sqlite)) return null;
        try {
          store = await openStore({ kind: 'sqlite', sqlitePath: sqlite });
        } catch {
          return null;
        }
      }
      try {
        const counts = await store.photos.countByState();
        return counts.done + counts.failed;
      } catch {
        return null;
      }
    },
    async close(): Promise<void> {
      await store?.close();
      store = null;
    },
  };
}

async function calmRun(photosDir: string, env: NodeJS.ProcessEnv, log: (l: string) => void): Promise<number> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-chaos-calm-'));
  try {
    const run = startAnalyze(photosDir, dataDir, env);
    const result = await run.done;
    const seconds = (performance.now() - run.started) / 1000;
    if (result.code !== 0) throw new Error(`calm analyze exited with ${result.code}: ${result.stderr.slice(-2000)}`);
    const summary = lastJson<{ completed: number; failed: number }>(result.stdout);
    log(`calm run: ${summary.completed} completed, ${summary.failed} failed in ${seconds.toFixed(1)} s`);
    return seconds;
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosResult> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const width = options.width ?? 1200;
  const height = options.height ?? 800;
  const killEvery = options.workerKillEveryMs ?? 8000;
  const maxWorkerKills = options.maxWorkerKills ?? Number.POSITIVE_INFINITY;
  const redisKillAt = options.redisKillAt === undefined ? 0.2 : options.redisKillAt;
  const engineKillAt = options.engineKillAt === undefined ? 0.45 : options.engineKillAt;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const env = options.env ?? {};
  const rand = random(options.seed ?? Date.now());

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-chaos-'));
  const photosDir = path.join(root, 'photos');
  const dataDir = path.join(root, 'data');
  await preparePhotos(options.photos, width, height, photosDir, log);

  const calmSeconds = options.calm ? await calmRun(photosDir, env, log) : null;

  const progress = makeProgressReader(dataDir);
  const exitCodes: Array<number | null> = [];
  /** Every worker and redis pid seen, to prove none is left behind. */
  const seenPids = new Set<number>();
  let workerKills = 0;
  let redisKills = 0;
  let engineKills = 0;
  let runs = 0;
  let lastSummary: { photos: number } | null = null;
  const deadline = Date.now() + timeoutMs;
  const chaosStarted = performance.now();

  try {
    for (;;) {
      runs++;
      const run = startAnalyze(photosDir, dataDir, env);
      let exited = false;
      void run.done.then(() => (exited = true));
      let nextWorkerKill = Date.now() + killEvery;
      while (!exited) {
        if (Date.now() > deadline) {
          kill9(run.child.pid!);
          throw new Error(`chaos run did not finish within ${timeoutMs / 1000} s`);
        }
        await sleep(200);
        if (exited) break;
        const workers = workerPidsOf(run.child.pid!);
        const redisPid = redisPidOf(dataDir);
        for (const pid of workers) seenPids.add(pid);
        if (redisPid) seenPids.add(redisPid);
        const finished = await progress.finished();
        const share = finished === null ? 0 : finished / options.photos;

        if (workers.length > 0 && workerKills < maxWorkerKills && Date.now() >= nextWorkerKill) {
          const victim = workers[Math.floor(rand() * workers.length)]!;
          if (kill9(victim)) {
            workerKills++;
            log(`kill -9 worker ${victim} (${finished ?? 0}/${options.photos} finished)`);
          }
          nextWorkerKill = Date.now() + killEvery * (0.5 + rand());
        }
        if (redisKillAt !== null && redisKills === 0 && redisPid && share >= redisKillAt) {
          if (kill9(redisPid)) {
            redisKills++;
            log(`kill -9 redis-server ${redisPid} (${finished}/${options.photos} finished)`);
          }
        }
        if (engineKillAt !== null && engineKills === 0 && share >= engineKillAt && (redisKillAt === null || redisKills > 0)) {
          // The workers of a killed engine finish the jobs in hand and leave; remember them.
          for (const pid of workerPidsOf(run.child.pid!)) seenPids.add(pid);
          if (kill9(run.child.pid!)) {
            engineKills++;
            log(`kill -9 engine (analyze pid ${run.child.pid}; ${finished}/${options.photos} finished)`);
          }
          await run.done;
          break;
        }
      }
      const result = await run.done;
      exitCodes.push(result.code);
      if (result.signal === 'SIGKILL' && engineKills === runs) {
        log('starting analyze again on the same library');
        continue;
      }
      if (result.code !== 0) throw new Error(`analyze exited with ${result.code ?? result.signal}: ${result.stderr.slice(-3000)}`);
      lastSummary = lastJson<{ photos: number }>(result.stdout);
      break;
    }
  } finally {
    await progress.close();
  }
  const chaosSeconds = (performance.now() - chaosStarted) / 1000;

  // Processes of ours that outlived the runs: wait a moment (a killed engine's workers finish their jobs), then report and end them.
  const leftovers: number[] = [];
  for (const pid of seenPids) {
    for (let i = 0; i < 50 && isProcessAlive(pid) && cmdline(pid) !== ''; i++) await sleep(200);
    if (isProcessAlive(pid) && /redis-server|src-worker/.test(cmdline(pid))) {
      leftovers.push(pid);
      kill9(pid);
    }
  }

  const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
  try {
    const counts = await store.photos.countByState();
    const stored = Object.values(counts).reduce((a, b) => a + b, 0);
    const failedList = await store.photos.listFailed(1_000_000, 0);
    const specific = failedList.filter((f) => f.errorCode !== 'internal' && f.error.trim().length > 0);
    const unspecific = failedList
      .filter((f) => !specific.includes(f))
      .map((f) => ({ path: f.path, code: f.errorCode, error: f.error }));
    const failures: Record<string, number> = {};
    for (const f of failedList) failures[f.errorCode] = (failures[f.errorCode] ?? 0) + 1;
    const found = lastSummary?.photos ?? 0;
    const accounting = await accountLibrary(store.sql, { files: true });
    const integrity = (): Promise<string> => store.health.integrityCheck();
    const result: ChaosResult = {
      found,
      stored,
      completed: counts.done,
      failed: counts.failed,
      failedWithReason: specific.length,
      lost: Math.max(found, options.photos, stored) - counts.done - specific.length,
      duplicated: accounting.duplicated,
      duplicates: accounting.duplicates,
      stageRuns: accounting.stageRuns,
      integrity: await integrity(),
      unspecific,
      failures,
      workerKills,
      redisKills,
      engineKills,
      runs,
      exitCodes,
      chaosSeconds: Math.round(chaosSeconds * 10) / 10,
      calmSeconds: calmSeconds === null ? null : Math.round(calmSeconds * 10) / 10,
      leftovers,
      dataDir,
    };
    return result;
  } finally {
    await store.close();
    if (!options.keepData) fs.rmSync(root, { recursive: true, force: true });
  }
}

export function formatChaos(r: ChaosResult, photos: number): string {
  const failures = Object.entries(r.failures).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  const ratio = r.calmSeconds ? ` (${(r.chaosSeconds / r.calmSeconds).toFixed(2)}× the calm run)` : '';
  return [
    `photos generated      ${photos}`,
    `photos found          ${r.found} (rows in the store: ${r.stored})`,
    `completed             ${r.completed}`,
    `failed with a reason  ${r.failedWithReason} (${failures})`,
    `failed, no reason     ${r.unspecific.length}${r.unspecific.length ? `: ${r.unspecific.slice(0, 5).map((u) => `${u.path}: ${u.code}: ${u.error}`).join(' | ')}` : ''}`,
    `lost                  ${r.lost}   (found − completed − failed with a reason)`,
    `stage executions      ${r.stageRuns.executions}; re-executions ${r.stageRuns.reExecutions} (at-least-once, allowed; ${r.stageRuns.rewrittenResults} rewrote a result of the same revision, ${r.stageRuns.unfinished} never finished: their worker died)`,
    `duplicated results    ${r.duplicated}${r.duplicates.length ? `: ${r.duplicates.slice(0, 5).map((d) => `${d.check} ${d.key} ×${d.count}`).join(' | ')}` : ''}`,
    `integrity             ${r.integrity}`,
    `kills                 ${r.workerKills} workers, ${r.redisKills} redis-server, ${r.engineKills} engine; ${r.runs} analyze runs (exit codes ${r.exitCodes.map((c) => c ?? 'killed').join(', ')})`,
    `left running          ${r.leftovers.length === 0 ? 'nothing' : r.leftovers.join(', ')}`,
    `time                  chaos ${r.chaosSeconds} s${r.calmSeconds !== null ? `, calm ${r.calmSeconds} s${ratio}` : ''}`,
  ].join('\n');
}

export function summaryLine(r: ChaosResult, photos: number): string {
  return (
    `chaos: photos=${photos} found=${r.found} completed=${r.completed} failed=${r.failedWithReason} ` +
    `unspecific=${r.unspecific.length} integrity=${r.integrity === 'ok' ? 'ok' : 'FAILED'} ` +
    `kills=${r.workerKills}w/${r.redisKills}r/${r.engineKills}e chaos=${r.chaosSeconds}s calm=${r.calmSeconds ?? '-'}s ` +
    `stage-runs=${r.stageRuns.executions} re-executions=${r.stageRuns.reExecutions} ` +
    `lost=${r.lost} duplicated=${r.duplicated}`
  );
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

async function main(): Promise<void> {
  const program = new Command('chaos')
    .description('analyse generated photos while killing workers, redis-server and the engine; check nothing is lost')
    .option('--photos <n>', 'photos to generate and analyse', positiveInt, 2000)
    .option('--width <px>', 'generated photo width', positiveInt, 1200)
    .option('--height <px>', 'generated photo height', positiveInt, 800)
    .option('--kill-every <ms>', 'kill a random worker about this often (each kill stalls its jobs ~15 s)', positiveInt, 8000)
    .option('--no-calm', 'skip the calm run used for the time comparison')
    .option('--seed <n>', 'seed of the random worker choice', positiveInt)
    .option('--keep', 'keep the chaos library folder');
  program.parse();
  const opts = program.opts<{ photos: number; width: number; height: number; killEvery: number; calm: boolean; seed?: number; keep?: boolean }>();
  const seed = opts.seed ?? (Date.now() % 1_000_000) + 1;
  process.stdout.write(`chaos: ${opts.photos} photos ${opts.width}×${opts.height}, a worker killed every ~${opts.killEvery} ms, seed ${seed}\n`);
  const result = await runChaos({
    photos: opts.photos,
    width: opts.width,
    height: opts.height,
    workerKillEveryMs: opts.killEvery,
    calm: opts.calm,
    seed,
    keepData: opts.keep,
  });
  process.stdout.write(`${formatChaos(result, opts.photos)}\n`);
  if (opts.keep) process.stdout.write(`library kept in ${result.dataDir}\n`);
  process.stdout.write(`${summaryLine(result, opts.photos)}\n`);
  const bad = result.lost > 0 || result.duplicated > 0 || result.integrity !== 'ok' || result.leftovers.length > 0;
  process.exitCode = bad ? 1 : 0;
}

// Run as a script only (not when imported by a test, nor when `node --test dist/test/` loads it).
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && !process.env.NODE_TEST_CONTEXT) {
  main().catch((error) => {
    process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
