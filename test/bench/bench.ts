/**
 * `npm run bench [-- --quick | --generate N --megapixels M | options]`: Shoebox against the limits of
 * the same machine in the same run (issue 6). Prints a table, writes bench/results/<date>-<host>.json.
 * Speed is never asserted in tests; it is shown here.
 */
import { spawn, fork } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Queue, Worker } from 'bullmq';
import { loadConfig } from '../../src-core/config.js';
import { Engine } from '../../src-main/engine/engine.js';
import { readRunningEngine } from '../../src-main/engine/engine-file.js';
import { createFileLogger } from '../../src-core/logger.js';
import { libraryPaths } from '../../src-core/paths.js';
import { Lanes } from '../../src-core/queues.js';
import { redisOptions } from '../../src-core/redis-endpoint.js';
import { RedisSupervisor } from '../../src-main/engine/redis/redis-supervisor.js';
import { openStore } from '../../src-core/store/open-store.js';
import type { Store } from '../../src-core/store/store.js';
import { sweep } from '../../src-main/engine/sweep.js';
import { LANES, WORKER_CLASSES, queueName } from '../../src-shared/lanes.js';
import { previewRelPath } from '../../src-worker/stages/preprocess.js';
import { cameraPreviewCorpusDir, corpusDir, ensureCameraPreviewCorpus, ensureCorpus } from './corpus.js';
import { ensureSmallFiles, writeFinishedLibrary } from './large-library.js';
import { MemorySampler } from './procmem.js';
import { exportSection } from './export-section.js';
import { speedBench, speedRows, type SpeedBench } from './speed-bench.js';
import { figure, fmt, fmtFigure, percentile, round, type Figure } from './stats.js';
import type { LoopKind, LoopResult, LoopTask } from './stage-worker.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const cli = path.join(repoRoot, 'bin', 'shoebox.js');
const sharedPhotos = path.resolve(repoRoot, '..', 'shared', 'photos');

// ---------------------------------------------------------------------------------------------- options
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'speed-photos': { type: 'string' },
    generate: { type: 'string' },
    megapixels: { type: 'string' },
    photos: { type: 'string' },
    reps: { type: 'string' },
    scale: { type: 'string' },
    'waiting-bulk': { type: 'string' },
    requests: { type: 'string' },
    'rerun-library': { type: 'string' },
    shared: { type: 'boolean' },
    'no-shared': { type: 'boolean' },
    out: { type: 'string' },
    'export-photos': { type: 'string' },
  },
  allowPositionals: false,
});
const quick = args.quick!;
const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
const opts = {
  megapixels: num(args.megapixels, 24),
  /** Photos in the stage loops and each end-to-end run. */
  photos: num(args.photos, quick ? 16 : 200),
  /** Stage-loop sample (the loop keeps the files in memory). */
  stageSample: quick ? 16 : 60,
  mlSample: quick ? 6 : 24,
  reps: num(args.reps, 3),
  e2eReps: quick ? 2 : 3,
  scale: (args.scale ?? (quick ? '' : '1000,5000,20000')).split(',').filter(Boolean).map(Number),
  waitingBulk: num(args['waiting-bulk'], quick ? 16 : 2000),
  requests: num(args.requests, quick ? 5 : 20),
  /** Photos in the library whose unchanged re-run is timed (section 5b). */
  rerunLibrary: num(args['rerun-library'], quick ? 2000 : 20000),
  onnxSeconds: quick ? 0.4 : 2,
  queueJobs: quick ? 1000 : 5000,
  shared: args.shared ?? (!quick && !args['no-shared']),
  /** Section 7 (issue 19, speed-bench.ts): photos of the before/now comparison, and its smaller memory size. */
  speedPhotos: num(args['speed-photos'], quick ? 16 : 1000),
  speedSmall: quick ? 8 : 250,
};
const engineConfig = loadConfig({ data: os.tmpdir() });
const classes = {
  cpuWorkers: engineConfig.cpuWorkers,
  cpuConcurrency: engineConfig.cpuConcurrency,
  mlWorkers: engineConfig.mlWorkers,
  mlConcurrency: engineConfig.mlConcurrency,
};

const benchStart = performance.now();
/** Section lines carry the elapsed time, so a slow section on a shared machine is visible. */
const log = (line: string) => process.stdout.write(/^\d[a-z]?\.|^shared/.test(line) ? `[${((performance.now() - benchStart) / 1000).toFixed(0).padStart(4)} s] ${line}\n` : `${line}\n`);

/** Gives up on a promise after `ms` (a watcher must never hang on a Redis that went away). */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, sleep(ms).then(() => Promise.reject(new Error(`timed out after ${ms} ms`)))]);
}
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-bench-'));
const cleanup: Array<() => Promise<void> | void> = [() => fs.rmSync(tmpRoot, { recursive: true, force: true })];

/** A folder of symlinks to `files` (so a run sees exactly these files, whatever else the cache holds). */
function linkDir(name: string, files: string[]): string {
  const dir = path.join(tmpRoot, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.symlinkSync(f, path.join(dir, path.basename(f)));
  return dir;
}

function sha1(file: string): string {
  return crypto.createHash('sha1').update(fs.readFileSync(file)).digest('hex');
}

function dirSizeMb(p: string): number {
  let total = 0;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFile()) total += fs.statSync(full).size;
    }
  };
  if (fs.existsSync(p)) walk(p);
  return total / 1048576;
}

function split<T>(items: T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((item, i) => out[i % parts]!.push(item));
  return out.filter((p) => p.length > 0);
}

// ---------------------------------------------------------------------------------- 1. stage limits
/** Forks `procs` stage-worker processes over slices of `files`, starts them together, returns the wall time and results. */
async function runLoop(kind: LoopKind, files: string[], procs: number, concurrency: number, extra: Partial<LoopTask> = {}): Promise<{ wall: number; results: LoopResult[] }> {
  const slices = kind === 'scan' || kind === 'onnx' ? [files] : split(files, procs);
  const previews = extra.previews ? split(extra.previews, procs) : [];
  const children = slices.map((slice, i) => {
    const task: LoopTask = { kind, files: slice, concurrency, ...extra, previews: previews[i] };
    return fork(path.join(here, 'stage-worker.js'), [], { env: { ...process.env, SHOEBOX_BENCH_TASK: JSON.stringify(task) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  });
  const message = (child: (typeof children)[number], type: string) =>
    new Promise<{ type: string; result?: LoopResult; error?: string }>((resolve, reject) => {
      const onMessage = (m: { type: string; result?: LoopResult; error?: string }) => {
        if (m.type === type || m.type === 'error') {
          child.off('message', onMessage);
          if (m.type === 'error') reject(new Error(`${kind} loop failed: ${m.error}`));
          else resolve(m);
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code) => reject(new Error(`${kind} loop process exited with ${code}`)));
    });
  try {
    await Promise.all(children.map((c) => message(c, 'ready')));
    const started = performance.now();
    const done = children.map((c) => message(c, 'result'));
    for (const c of children) c.send({ type: 'go' });
    const results = (await Promise.all(done)).map((m) => m.result!);
    return { wall: (performance.now() - started) / 1000, results };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  }
}

/** photos/s of each sub-stage: all processes' items over the slowest process's time on it. */
function ratesOf(results: LoopResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(results[0]!.seconds)) {
    const count = results.reduce((a, r) => a + (r.count[name] ?? 0), 0);
    const secs = Math.max(...results.map((r) => r.seconds[name] ?? 0));
    out[name] = count / secs;
  }
  return out;
}

interface StageLimits {
  rates: Record<string, Figure>;
  readRate: Figure;
  previews: string[];
  onnx: Record<string, { msPerRun: Figure; note: string }>;
  /** Files the metadata stage also read with exiftool (issue 14: only where exifr falls short). */
  metadataFallbacks: number;
}

async function stageLimits(files: string[], label: string, withMl: boolean): Promise<StageLimits> {
  const { cpuWorkers, cpuConcurrency, mlWorkers, mlConcurrency } = classes;
  const runs: Record<string, number[]> = {};
  const push = (rates: Record<string, number>) => {
    for (const [k, v] of Object.entries(rates)) (runs[k] ??= []).push(v);
  };
  const scanDir = linkDir(`scan-${label}`, files);
  let previews: string[] = [];
  let metadataFallbacks = 0;
  for (let rep = 0; rep < opts.reps; rep++) {
    push(ratesOf((await runLoop('scan', [scanDir], 1, 1)).results));
    push(ratesOf((await runLoop('read', files, cpuWorkers, cpuConcurrency)).results));
    const cacheDir = path.join(tmpRoot, `cache-${label}-${rep}`);
    const pre = await runLoop('preprocess', files, cpuWorkers, cpuConcurrency, { dir: cacheDir });
    push({ preprocess: files.length / pre.wall });
    if (rep === 0) {
      previews = files.map((f) => path.join(cacheDir, previewRelPath(sha1(f)))).filter((p) => fs.existsSync(p));
    } else {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
    const meta = await runLoop('metadata', files, cpuWorkers, cpuConcurrency);
    push(ratesOf(meta.results));
    metadataFallbacks = meta.results.reduce((a, r) => a + Number(r.notes?.exiftoolFallbacks ?? 0), 0);
    const persist = await runLoop('persist', files, cpuWorkers, cpuConcurrency, { dir: path.join(tmpRoot, `persist-${label}-${rep}.sqlite`) });
    push({ persist: files.length / persist.wall });
    if (withMl) {
      const sample = previews.slice(0, opts.mlSample);
      push(ratesOf((await runLoop('ml', sample, mlWorkers, mlConcurrency, { previews: sample })).results));
    }
    log(`  stage loops ${label}: repetition ${rep + 1}/${opts.reps} done`);
  }
  const onnx: StageLimits['onnx'] = {};
  if (withMl) {
    const perModel: Record<string, number[]> = {};
    let notes: Record<string, string> = {};
    for (let rep = 0; rep < opts.reps; rep++) {
      const { results } = await runLoop('onnx', ['-'], 1, 1, { seconds: opts.onnxSeconds });
      const r = results[0]!;
      for (const id of Object.keys(r.seconds)) (perModel[id] ??= []).push((1000 * r.seconds[id]!) / r.count[id]!);
      notes = r.notes ?? {};
    }
    for (const [id, ms] of Object.entries(perModel)) onnx[id] = { msPerRun: figure(ms), note: notes[id] ?? '' };
  }
  const rates = Object.fromEntries(Object.entries(runs).filter(([k]) => k !== 'read').map(([k, v]) => [k, figure(v)]));
  return { rates, readRate: figure(runs.read ?? []), previews, onnx, metadataFallbacks };
}

const CHEAP = ['scan', 'preprocess', 'metadata', 'persist'];
const ML = ['ml-decode', 'detect', 'tag', 'embed', 'quality'];

/** photos/s if the machine did nothing but these stages back to back, each at its class's parallelism. */
function serialLimit(rates: Record<string, Figure>, names: string[]): number {
  const perPhoto = names.reduce((a, n) => a + 1 / (rates[n]?.median ?? NaN), 0);
  return 1 / perPhoto;
}

// -------------------------------------------------------------------------------- 2. library limits
function run(cmd: string, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.slice(0, 300)}`))));
  });
}

function hasTool(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, cmd)));
}

interface LibraryLimits {
  vipsPreviewAndThumb: Figure | null;
  vipsThumbOnly: Figure | null;
  exiftool: Figure | null;
}

async function libraryLimits(files: string[], label: string): Promise<LibraryLimits> {
  const parallel = classes.cpuWorkers * classes.cpuConcurrency;
  const out: LibraryLimits = { vipsPreviewAndThumb: null, vipsThumbOnly: null, exiftool: null };
  if (hasTool('vipsthumbnail')) {
    const both: number[] = [];
    const thumbs: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const dir = path.join(tmpRoot, `vips-${label}-${rep}`);
      fs.mkdirSync(dir, { recursive: true });
      // The same outputs as the preprocess stage: a 1600 px q82 preview, then a 256 px q80 thumbnail from it.
      let t = performance.now();
      await Promise.all(
        split(files, parallel).map(async (slice, i) => {
          const sub = path.join(dir, String(i));
          fs.mkdirSync(sub);
          // A broken file makes vipsthumbnail exit non-zero after doing the others: keep going.
          await run('vipsthumbnail', ['-s', '1600x1600', '-o', `${sub}/%s.jpg[Q=82,strip]`, ...slice]).catch(() => undefined);
          const made = slice.map((f) => path.join(sub, `${path.parse(f).name}.jpg`)).filter((p) => fs.existsSync(p));
          if (made.length) await run('vipsthumbnail', ['-s', '256x256', '-o', `${sub}/%s_t.jpg[Q=80,strip]`, ...made]).catch(() => undefined);
        }),
      );
      both.push(files.length / ((performance.now() - t) / 1000));
      t = performance.now();
      await Promise.all(split(files, parallel).map((slice, i) => run('vipsthumbnail', ['-s', '256x256', '-o', `${dir}/t${i}-%s.jpg[Q=80,strip]`, ...slice]).catch(() => undefined)));
      thumbs.push(files.length / ((performance.now() - t) / 1000));
      fs.rmSync(dir, { recursive: true, force: true });
    }
    out.vipsPreviewAndThumb = figure(both);
    out.vipsThumbOnly = figure(thumbs);
  } else log('  vipsthumbnail not found (Debian: libvips-tools): skipped');
  if (hasTool('exiftool')) {
    const rates: number[] = [];
    for (let rep = 0; rep < opts.reps; rep++) {
      const t = performance.now();
      await Promise.all(split(files, parallel).map((slice) => run('exiftool', ['-json', '-n', ...slice]).catch(() => undefined)));
      rates.push(files.length / ((performance.now() - t) / 1000));
    }
    out.exiftool = figure(rates);
  } else log('  exiftool not found (Debian: libimage-exiftool-perl): skipped');
  return out;
}

// --------------------------------------------------------------------------------- 3/5. end to end
interface EndToEnd {
  photos: number;
  completed: number;
  failed: number;
  ingestSeconds: number;
  wallSeconds: number;
  photosPerSecond: number;
  rerunSeconds: number;
  rerunWallSeconds: number;
  peakRssMbByClass: Record<string, number>;
  sumRssMbByClass: Record<string, number>;
  redisUsedMemoryMbMax: number;
  redisUsedMemoryPeakMb: number;
  sqliteMb: number;
  cacheMb: number;
  laneCountsMs: { p50: number; p95: number; max: number; n: number };
  libraryPageMs: { p50: number; p95: number; max: number; n: number };
}

function runCli(argv: string[], sampler?: (pid: number) => void): Promise<{ wall: number; out: string; code: number }> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const child = spawn(process.execPath, [cli, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    if (sampler && child.pid) sampler(child.pid);
    child.on('error', reject);
    child.on('exit', (code) => {
      // Exit 1 with a JSON summary: the run finished and some photos failed (broken files in a real collection).
      if (code !== 0 && !(code === 1 && out.trim().startsWith('{'))) reject(new Error(`shoebox ${argv.join(' ')} exited ${code}: ${err.slice(-500)}`));
      else resolve({ wall: (performance.now() - t) / 1000, out, code: code ?? 0 });
    });
  });
}

function latency(values: number[]) {
  return { p50: round(percentile(values, 50), 1), p95: round(percentile(values, 95), 1), max: round(Math.max(...values, NaN), 1), n: values.length };
}

async function endToEnd(dir: string, label: string): Promise<EndToEnd> {
  const dataDir = path.join(tmpRoot, `data-${label}-${crypto.randomUUID().slice(0, 8)}`);
  const paths = libraryPaths(dataDir);
  let sampler: MemorySampler | null = null;
  let stopWatch = false;
  const laneMs: number[] = [];
  const pageMs: number[] = [];
  let redisMax = 0;
  let redisPeak = 0;
  // Watches the running engine from outside, as `shoebox status` / the UI would: lane counts from
  // Redis, a library page and the state counts from the store, Redis INFO memory.
  const watch = async () => {
    let lanes: Lanes | null = null;
    let store: Store | null = null;
    try {
      while (!stopWatch) {
        const running = readRunningEngine(paths.engineFile);
        if (!running && lanes) break; // the engine stopped
        if (running && !lanes) lanes = new Lanes(running.redis, engineConfig);
        if (running && !store && fs.existsSync(paths.sqlite)) store = await openStore({ kind: 'sqlite', sqlitePath: paths.sqlite });
        if (lanes && store) {
          try {
            let t = performance.now();
            await within(lanes.counts(), 5000);
            laneMs.push(performance.now() - t);
            t = performance.now();
            await store.photos.list({ limit: 100, offset: 0 });
            await store.photos.countByState();
            pageMs.push(performance.now() - t);
            const info = await within(lanes.redis.info('memory'), 5000);
            redisMax = Math.max(redisMax, Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0) / 1048576);
            redisPeak = Math.max(redisPeak, Number(/used_memory_peak:(\d+)/.exec(info)?.[1] ?? 0) / 1048576);
          } catch {
            // the engine is stopping
          }
        }
        await sleep(1000);
      }
    } finally {
      lanes?.redis.disconnect();
      await within(lanes?.close() ?? Promise.resolve(), 2000).catch(() => undefined);
      await store?.close().catch(() => undefined);
    }
  };
  const watching = watch().catch(() => undefined);
  const cold = await runCli(['analyze', dir, '--json', '--no-progress', '--data', dataDir], (pid) => {
    sampler = new MemorySampler(pid).start();
  });
  stopWatch = true;
  await watching;
  (sampler as MemorySampler | null)?.stop();
  const summary = JSON.parse(cold.out) as { photos: number; completed: number; failed: number; seconds: number };
  const again = await runCli(['analyze', dir, '--json', '--no-progress', '--data', dataDir]);
  const rerun = JSON.parse(again.out) as { seconds: number; analysed: number };
  const s = sampler as MemorySampler | null;
  const result: EndToEnd = {
    photos: summary.photos,
    completed: summary.completed,
    failed: summary.failed,
    ingestSeconds: summary.seconds,
    wallSeconds: round(cold.wall),
    photosPerSecond: summary.photos / summary.seconds,
    rerunSeconds: rerun.seconds,
    rerunWallSeconds: round(again.wall),
    peakRssMbByClass: Object.fromEntries(Object.entries(s?.peakByClass ?? {}).map(([k, v]) => [k, Math.round(v)])),
    sumRssMbByClass: Object.fromEntries(Object.entries(s?.sumByClass ?? {}).map(([k, v]) => [k, Math.round(v)])),
    redisUsedMemoryMbMax: round(redisMax),
    redisUsedMemoryPeakMb: round(redisPeak),
    sqliteMb: round(['', '-wal', '-shm'].reduce((a, suffix) => a + (fs.existsSync(paths.sqlite + suffix) ? fs.statSync(paths.sqlite + suffix).size : 0), 0) / 1048576),
    cacheMb: round(dirSizeMb(paths.cacheDir)),
    laneCountsMs: latency(laneMs),
    libraryPageMs: latency(pageMs),
  };
  if (rerun.analysed !== 0) log(`  warning: the re-run analysed ${rerun.analysed} photos (expected 0)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return result;
}

// ------------------------------------------------------------------ 5b. re-run of a large library
interface LargeRerun {
  photos: number;
  /** How the library was made (see large-library.ts). */
  library: string;
  writeSeconds: number;
  wallSeconds: Figure;
  ingestSeconds: Figure;
  analysed: number[];
}

async function largeLibraryRerun(n: number): Promise<LargeRerun> {
  const dir = await ensureSmallFiles(path.join(path.dirname(corpusDir(1)), `small-${n}`), n, (done) => log(`  files ${done}/${n}`));
  const dataDir = path.join(tmpRoot, `data-large-${n}`);
  const t = performance.now();
  const photos = await writeFinishedLibrary(dataDir, dir);
  const writeSeconds = (performance.now() - t) / 1000;
  const walls: number[] = [];
  const ingests: number[] = [];
  const analysed: number[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    const run = await runCli(['analyze', dir, '--json', '--no-progress', '--data', dataDir]);
    const summary = JSON.parse(run.out) as { seconds: number; analysed: number; photos: number };
    walls.push(run.wall);
    ingests.push(summary.seconds);
    analysed.push(summary.analysed);
    log(`  re-run ${rep + 1}: ${fmt(run.wall)} s wall, ingest ${fmt(summary.seconds)} s, ${summary.photos} photos, ${summary.analysed} analysed`);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    photos,
    library: `${photos} files of 48×32 px, registered and marked done through the store API as a finished ingest leaves them (not analysed)`,
    writeSeconds: round(writeSeconds),
    wallSeconds: figure(walls),
    ingestSeconds: figure(ingests),
    analysed,
  };
}

// ---------------------------------------------------------------------------------- 4. a person waiting
interface Waiting {
  bulkPhotos: number;
  requests: number;
  duringBulk: number;
  ms: number[];
  p50: number;
  p95: number;
  max: number;
  sweepMsDuringBulk: number;
  sweepChecked: number;
  /** Median ms of each stage of the requested photos as the store recorded them (the rest is queueing and polling). */
  stageMsMedian: Record<string, number>;
}

async function personWaiting(bulkFiles: string[], requestFiles: string[]): Promise<Waiting> {
  const dataDir = path.join(tmpRoot, 'data-waiting');
  const bulkDir = linkDir('waiting-bulk', bulkFiles);
  const reqDir = linkDir('waiting-requests', requestFiles);
  const engine = await Engine.start(loadConfig({ data: dataDir }), { consoleLevel: false });
  cleanup.unshift(() => engine.stop({ force: true }).catch(() => undefined));
  const controller = new AbortController();
  let bulkDone = false;
  const bulk = engine.ingest([bulkDir], { signal: controller.signal }).finally(() => (bulkDone = true));
  // Let the bulk ingest get going: registered and the workers busy.
  for (let i = 0; i < 120 && !bulkDone; i++) {
    const counts = await engine.store.photos.countByState();
    if ((counts.done ?? 0) + (counts.failed ?? 0) >= 1) break;
    await sleep(250);
  }
  const ms: number[] = [];
  const stageMs: Record<string, number[]> = {};
  let during = 0;
  let sweepMs = NaN;
  let sweepChecked = 0;
  for (const name of fs.readdirSync(reqDir).sort()) {
    const wasRunning = !bulkDone;
    const t = performance.now();
    await engine.ingest([path.join(reqDir, name)], { lane: 'high_priority', force: true });
    ms.push(performance.now() - t);
    const record = (await engine.store.photos.getByPaths([path.join(reqDir, name)])).get(path.join(reqDir, name));
    const detail = record ? await engine.store.photos.getDetail(record.id) : null;
    for (const st of detail?.stages ?? []) if (st.ms !== null) (stageMs[st.stage] ??= []).push(st.ms);
    if (wasRunning && !bulkDone) during++;
    if (ms.length === 1 && !bulkDone) {
      // What every ingest (this one included) pays once: the sweep over every unfinished photo.
      const ts = performance.now();
      const r = await sweep(engine.store, engine.lanes, engine.log);
      sweepMs = performance.now() - ts;
      sweepChecked = r.checked;
    }
    await sleep(300);
  }
  controller.abort();
  await bulk.catch(() => undefined);
  await engine.stop();
  cleanup.shift();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return {
    bulkPhotos: bulkFiles.length,
    requests: ms.length,
    duringBulk: during,
    ms: ms.map((m) => Math.round(m)),
    p50: round(percentile(ms, 50), 0),
    p95: round(percentile(ms, 95), 0),
    max: round(Math.max(...ms), 0),
    sweepMsDuringBulk: round(sweepMs, 0),
    sweepChecked,
    stageMsMedian: Object.fromEntries(Object.entries(stageMs).map(([k, v]) => [k, Math.round(percentile(v, 50))])),
  };
}

// ---------------------------------------------------------------------------------- 6. queue overhead
interface QueueOverhead {
  jobs: number;
  addJobsPerSecond: Figure;
  addBulkJobsPerSecond: Figure;
  /** No-op photos through cpu then ml queues (two jobs per photo, the follow-up added by the worker, as now). */
  noopPhotosPerSecond: Figure;
  /** The same no-op chain with one job per stage (9 per photo), as the alternative design would have. */
  noopPhotosPerSecondJobPerStage: Figure;
}

async function queueOverhead(): Promise<QueueOverhead> {
  const dir = path.join(tmpRoot, 'redis-queue');
  fs.mkdirSync(dir, { recursive: true });
  const redis = new RedisSupervisor({ redisDir: dir, binary: engineConfig.redisServerBinary, maxMemoryMb: 1024, log: createFileLogger(path.join(tmpRoot, 'logs'), 'bench', false) });
  const endpoint = await redis.start();
  cleanup.unshift(() => redis.stop());
  const connection = redisOptions(endpoint);
  const n = opts.queueJobs;
  const jobOpts = (id: string) => ({ jobId: id, attempts: 3, backoff: { type: 'capped-jitter', delay: 2000 }, removeOnComplete: true, removeOnFail: false });
  const add: number[] = [];
  const bulk: number[] = [];
  const chain: number[] = [];
  const perStage: number[] = [];
  for (let rep = 0; rep < opts.reps; rep++) {
    const prefix = `bench${rep}`;
    const q = new Queue('cpu-default', { connection, prefix });
    let t = performance.now();
    for (let i = 0; i < n; i++) await q.add('photo.cpu', { photoId: `a${i}`, revision: 0, ingestId: 'x' }, jobOpts(`a${i}`));
    add.push(n / ((performance.now() - t) / 1000));
    t = performance.now();
    for (let i = 0; i < n; i += 500) {
      await q.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ name: 'photo.cpu', data: { photoId: `b${i + k}`, revision: 0, ingestId: 'x' }, opts: jobOpts(`b${i + k}`) })));
    }
    bulk.push(n / ((performance.now() - t) / 1000));
    await q.obliterate({ force: true });
    await q.close();
    for (const [stagesPerPhoto, sink] of [[2, chain], [9, perStage]] as const) {
      const p = `${prefix}s${stagesPerPhoto}`;
      const queues = new Map<string, Queue>();
      for (const c of WORKER_CLASSES) for (const lane of LANES) queues.set(queueName(c, lane), new Queue(queueName(c, lane), { connection, prefix: p }));
      const photos = Math.max(200, Math.round(n / stagesPerPhoto));
      let finished = 0;
      let resolveAll: () => void = () => undefined;
      const all = new Promise<void>((r) => (resolveAll = r));
      const workers: Worker[] = [];
      for (const c of WORKER_CLASSES) {
        for (const lane of LANES) {
          workers.push(
            new Worker(queueName(c, lane), async (job) => {
              const step = (job.data as { step: number }).step;
              // Stages 0..k-1: the first half of the chain on cpu queues, the rest on ml ones, as the pipeline does.
              if (step + 1 < stagesPerPhoto) {
                const nextClass = step + 1 < Math.ceil(stagesPerPhoto / 2) ? 'cpu' : 'ml';
                await queues.get(queueName(nextClass, lane))!.addBulk([{ name: 'next', data: { ...job.data, step: step + 1 }, opts: jobOpts(`${job.data.id}-${step + 1}`) }]);
              } else if (++finished === photos) resolveAll();
              return null;
            }, { connection, prefix: p, concurrency: lane === 'default' ? (c === 'cpu' ? classes.cpuConcurrency : classes.mlConcurrency) : 1 }),
          );
        }
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      t = performance.now();
      const first = queues.get(queueName('cpu', 'default'))!;
      for (let i = 0; i < photos; i += 500) {
        await first.addBulk(Array.from({ length: Math.min(500, photos - i) }, (_, k) => ({ name: 'photo', data: { id: `p${i + k}`, step: 0 }, opts: jobOpts(`p${i + k}-0`) })));
      }
      await all;
      sink.push(photos / ((performance.now() - t) / 1000));
      await Promise.all(workers.map((w) => w.close()));
      for (const q2 of queues.values()) {
        await q2.obliterate({ force: true }).catch(() => undefined);
        await q2.close();
      }
    }
  }
  await redis.stop();
  cleanup.shift();
  return { jobs: n, addJobsPerSecond: figure(add), addBulkJobsPerSecond: figure(bulk), noopPhotosPerSecond: figure(chain), noopPhotosPerSecondJobPerStage: figure(perStage) };
}

// ----------------------------------------------------------------------------------------------- main
function verdict(value: number, target: number, higherIsBetter: boolean, unit = ''): string {
  if (!Number.isFinite(value)) return 'not measured';
  const ok = higherIsBetter ? value >= target : value < target;
  if (ok) return 'met';
  const by = higherIsBetter ? (target - value) / target : (value - target) / target;
  return `MISSED by ${fmt(Math.abs(higherIsBetter ? target - value : value - target))}${unit} (${Math.round(by * 100)} %)`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => `| ${r.map((cell, c) => cell.padEnd(widths[c]!)).join(' | ')} |`;
  return [line(rows[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main(): Promise<void> {
  if (process.env.NODE_TEST_CONTEXT) return; // never as part of `node --test`
  const started = performance.now();
  const load = os.loadavg();
  if (args.generate !== undefined) {
    const n = Number(args.generate);
    const dir = corpusDir(opts.megapixels);
    log(`generating ${n} photos of ${opts.megapixels} MP in ${dir}…`);
    await ensureCorpus(dir, n, opts.megapixels, { onProgress: (done) => log(`  ${done}/${n}`) });
    log(`done: ${dir}`);
    return;
  }
  const host = os.hostname();
  log(`Shoebox benchmark (${quick ? 'quick' : 'full'}) on ${host}: ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 1073741824)} GiB, node ${process.version}`);
  log(`load average at start: ${load.map((l) => l.toFixed(2)).join(' ')} (the machine may be shared: figures are relative to limits measured in this same run)`);
  log(`worker classes as the engine sizes them here: ${classes.cpuWorkers} cpu process(es) × ${classes.cpuConcurrency} jobs, ${classes.mlWorkers} ml process(es) × ${classes.mlConcurrency} job(s)`);

  const maxScale = Math.max(0, ...opts.scale);
  const need = Math.max(opts.photos, opts.stageSample, opts.waitingBulk + opts.requests, maxScale, opts.speedPhotos);
  const dir = corpusDir(opts.megapixels);
  log(`corpus: ${need} photos of ${opts.megapixels} MP in ${dir} (generated once, reused)`);
  const t0 = performance.now();
  const all = await ensureCorpus(dir, need, opts.megapixels, { onProgress: (done) => log(`  generated ${done}/${need}`) });
  const generateSeconds = (performance.now() - t0) / 1000;
  const mean = (all.slice(0, 20).reduce((a, f) => a + fs.statSync(f).size, 0) / Math.min(20, all.length) / 1048576).toFixed(1);
  log(`  ready in ${generateSeconds.toFixed(0)} s; mean file ${mean} MB`);
  const stageFiles = all.slice(0, opts.stageSample);

  log('1. stage limits (each stage function in a loop, no queue, no store)…');
  const stages = await stageLimits(stageFiles, 'gen', true);
  log('2. library limits (vipsthumbnail, exiftool)…');
  const libs = await libraryLimits(stageFiles, 'gen');
  log('6. queue overhead (no-op jobs through BullMQ on a private redis-server)…');
  const queue = await queueOverhead();
  log(`3. end to end: shoebox analyze on ${opts.photos} photos, cold then unchanged, × ${opts.e2eReps}…`);
  const e2eDir = linkDir('e2e', all.slice(0, opts.photos));
  const e2eRuns: EndToEnd[] = [];
  for (let rep = 0; rep < opts.e2eReps; rep++) {
    e2eRuns.push(await endToEnd(e2eDir, `e2e${rep}`));
    log(`  run ${rep + 1}: ${fmt(e2eRuns.at(-1)!.photosPerSecond)} photos/s, re-run ${e2eRuns.at(-1)!.rerunSeconds} s`);
  }
  log(`4. a person waiting: ${opts.requests} high_priority requests during a bulk ingest of ${opts.waitingBulk}…`);
  const waiting = await personWaiting(all.slice(0, opts.waitingBulk), all.slice(opts.waitingBulk, opts.waitingBulk + opts.requests));
  const exportPhotos = num(args['export-photos'], quick ? 40 : 500);
  log(`4b. export: throughput against vipsthumbnail; ${opts.requests} high_priority requests during an export of ${exportPhotos}…`);
  const exported = await exportSection(all, tmpRoot, { quick, exportPhotos, throughputPhotos: quick ? 6 : 20, requests: opts.requests }, log, verdict);
  const scale: EndToEnd[] = [];
  for (const n of opts.scale) {
    log(`5. scale: ${n} photos…`);
    scale.push(await endToEnd(linkDir(`scale-${n}`, all.slice(0, n)), `scale${n}`));
  }
  let large: LargeRerun | null = null;
  if (opts.rerunLibrary > 0) {
    log(`5b. re-run of an unchanged ${opts.rerunLibrary}-photo library (written through the store, not analysed)…`);
    large = await largeLibraryRerun(opts.rerunLibrary);
  }
  let shared: { stages: StageLimits; libs: LibraryLimits; e2e: EndToEnd } | null = null;
  if (opts.shared && fs.existsSync(sharedPhotos)) {
    log(`shared photos: ${sharedPhotos}…`);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(d, e.name));
        else if (/\.(jpe?g)$/i.test(e.name)) files.push(path.join(d, e.name));
      }
    };
    walk(path.join(sharedPhotos, 'jpg'));
    try {
      shared = { stages: await stageLimits(files, 'shared', false), libs: await libraryLimits(files, 'shared'), e2e: await endToEnd(sharedPhotos, 'shared') };
    } catch (error) {
      log(`  shared photos run failed (the other results stand): ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  let speed: SpeedBench | null = null;
  if (opts.speedPhotos > 0) {
    log(`7. issue 19: settings before vs now and vipsthumbnail 256 on ${opts.speedPhotos} photos (and ${opts.speedSmall} for memory)…`);
    const speedFiles = all.slice(0, opts.speedPhotos);
    // The same photos as a camera with an MPF index writes them: the embedded-thumbnail path's speed.
    const cameraPreviewFiles = await ensureCameraPreviewCorpus(speedFiles, cameraPreviewCorpusDir(opts.megapixels));
    speed = await speedBench(speedFiles, opts.speedSmall, quick ? 1 : 2, log, { cameraPreviewFiles });
  }

  // ----------------------------------------------------------------------------------- figures
  const r = stages.rates;
  const cheapLimit = serialLimit(r, CHEAP);
  const mlLimit = serialLimit(r, ML);
  const sumLimit = serialLimit(r, [...CHEAP, ...ML]);
  const classLimit = Math.min(cheapLimit * 1, mlLimit);
  const e2eRate = figure(e2eRuns.map((e) => e.photosPerSecond));
  const endToEndOverLimit = e2eRate.median / sumLimit;
  const thumbnailOverVipsthumbnail = libs.vipsPreviewAndThumb ? r.preprocess!.median / libs.vipsPreviewAndThumb.median : NaN;
  const biggest = scale.at(-1) ?? e2eRuns.at(-1)!;
  // What the person waits for: the whole command (engine start, scan, stop), not only the ingest.
  const largeMeasured = large !== null && large.analysed.every((a) => a === 0);
  const rerunSeconds = largeMeasured ? round(large!.wallSeconds.median) : biggest.rerunWallSeconds;
  const rerunPhotos = largeMeasured ? large!.photos : biggest.photos;
  const peakRssMbByClass: Record<string, number> = {};
  for (const e of [...e2eRuns, ...scale]) for (const [k, v] of Object.entries(e.peakRssMbByClass)) peakRssMbByClass[k] = Math.max(peakRssMbByClass[k] ?? 0, v);
  peakRssMbByClass.engineInProcessDuringWaiting = Math.round(process.memoryUsage().rss / 1048576);

  const rows: string[][] = [['measurement', 'median ±half-spread', 'target', 'verdict']];
  const stageRow = (name: string, what: string) => r[name] && rows.push([what, `${fmtFigure(r[name]!)} photos/s`, '', '']);
  stageRow('scan', 'stage scan (1 process)');
  rows.push([`stage read+sha1 (${classes.cpuWorkers}×${classes.cpuConcurrency})`, `${fmtFigure(stages.readRate)} photos/s`, '', '']);
  stageRow('preprocess', `stage preprocess = read + decode + preview + thumb + dHash (${classes.cpuWorkers}×${classes.cpuConcurrency})`);
  stageRow('metadata', `stage metadata (${classes.cpuWorkers}×${classes.cpuConcurrency})`);
  stageRow('persist', `store writes of one photo, SQLite (${classes.cpuWorkers}×${classes.cpuConcurrency})`);
  for (const n of ML) stageRow(n, `stage ${n} (${classes.mlWorkers}×${classes.mlConcurrency})`);
  rows.push(['cheap stages together (scan+preprocess+metadata+persist)', `${fmt(cheapLimit * 60, 0)} photos/min`, '≥ 500 photos/min (24 MP, 2 cores)', opts.megapixels === 24 ? verdict(cheapLimit * 60, 500, true, ' photos/min') : `(corpus is ${opts.megapixels} MP)`]);
  rows.push(['ML stages together', `${fmt(mlLimit)} photos/s`, '', '']);
  rows.push(['sum-of-stages limit (all stages back to back)', `${fmt(sumLimit)} photos/s`, '', '']);
  rows.push(['slowest-class limit (cpu and ml classes overlapping)', `${fmt(classLimit)} photos/s`, '', 'info: bound if the classes never shared cores']);
  if (libs.vipsPreviewAndThumb) rows.push([`vipsthumbnail 1600 px + 256 px from it (${classes.cpuWorkers * classes.cpuConcurrency} procs)`, `${fmtFigure(libs.vipsPreviewAndThumb)} photos/s`, '', '']);
  if (libs.vipsThumbOnly) rows.push(['vipsthumbnail 256 px only (reference)', `${fmtFigure(libs.vipsThumbOnly)} photos/s`, '', '']);
  rows.push(['thumbnail stage / vipsthumbnail (same outputs)', fmt(thumbnailOverVipsthumbnail), '≥ 0.90', verdict(thumbnailOverVipsthumbnail, 0.9, true)]);
  if (libs.exiftool) rows.push(['exiftool -json (metadata, reference)', `${fmtFigure(libs.exiftool)} photos/s`, '', `metadata stage is ${fmt(r.metadata!.median / libs.exiftool.median)}×; exiftool fallback on ${stages.metadataFallbacks} of ${stageFiles.length} files`]);
  for (const [id, o] of Object.entries(stages.onnx)) rows.push([`onnxruntime ${id} ${o.note}`, `${fmtFigure(o.msPerRun, 1)} ms/run`, '', '']);
  rows.push([`end to end, cold (${opts.photos} photos)`, `${fmtFigure(e2eRate)} photos/s`, '', `wall incl. start/stop ${fmt(e2eRuns[0]!.wallSeconds)} s`]);
  rows.push(['end to end / sum-of-stages limit', fmt(endToEndOverLimit), '≥ 0.90', verdict(endToEndOverLimit, 0.9, true)]);
  rows.push([`re-run unchanged (${biggest.photos} photos analysed in this run)`, `${fmt(biggest.rerunWallSeconds)} s wall (ingest ${fmt(biggest.rerunSeconds)} s)`, '', '']);
  if (large) {
    rows.push([
      `re-run unchanged, ${large.photos}-photo library (written through the store)`,
      `${fmtFigure(large.wallSeconds)} s wall (ingest ${fmtFigure(large.ingestSeconds)} s)`,
      '< 10 s for 20k',
      !largeMeasured ? `not measured: a re-run analysed ${large.analysed.join('/')} photos` : large.photos >= 20000 ? verdict(rerunSeconds, 10, false, ' s') : `(${large.photos} photos; --rerun-library 20000 for the target)`,
    ]);
  }
  rows.push([`high_priority request → analysed (${waiting.requests} during bulk of ${waiting.bulkPhotos}; ${waiting.duringBulk} while it ran)`, `p50 ${waiting.p50} ms, p95 ${waiting.p95} ms, max ${waiting.max} ms`, 'p95 < 1000 ms', verdict(waiting.p95, 1000, false, ' ms')]);
  rows.push(['  of which stage time (median ms, store)', Object.entries(waiting.stageMsMedian).map(([k, v]) => `${k} ${v}`).join(', '), '', `sum ${Object.values(waiting.stageMsMedian).reduce((a, b) => a + b, 0)} ms`]);
  rows.push([`sweep during the bulk (${waiting.sweepChecked} unfinished photos)`, `${waiting.sweepMsDuringBulk} ms`, '', 'paid at engine start and by an ingest that resumes photos or stalls; not by a request']);
  rows.push(...exported.rows);
  rows.push(['queue: add() one by one', `${fmtFigure(queue.addJobsPerSecond, 0)} jobs/s`, '', '']);
  rows.push(['queue: addBulk(500)', `${fmtFigure(queue.addBulkJobsPerSecond, 0)} jobs/s`, '', '']);
  rows.push(['queue: no-op photos, 2 jobs/photo (as now)', `${fmtFigure(queue.noopPhotosPerSecond, 0)} photos/s`, '', `${fmt(queue.noopPhotosPerSecond.median / Math.max(e2eRate.median, 1e-9), 0)}× end to end`]);
  rows.push(['queue: no-op photos, 9 jobs/photo (job per stage)', `${fmtFigure(queue.noopPhotosPerSecondJobPerStage, 0)} photos/s`, '', '']);
  for (const e of [...e2eRuns.slice(0, 1), ...scale]) {
    rows.push([
      `scale ${e.photos}: photos/s, peak RSS MB engine/cpu/ml/interactive/redis`,
      `${fmt(e.photosPerSecond)}; ${['engine', 'cpu', 'ml', 'interactive', 'redis'].map((k) => e.peakRssMbByClass[k] ?? '—').join('/')}`,
      '',
      `Redis ${fmt(e.redisUsedMemoryMbMax)} MB, SQLite ${fmt(e.sqliteMb)} MB, lane counts p95 ${e.laneCountsMs.p95} ms, library page p95 ${e.libraryPageMs.p95} ms`,
    ]);
  }
  if (shared) {
    const sr = shared.stages.rates;
    rows.push([`../shared/photos/jpg (${shared.stages.previews.length} JPEGs): preprocess / metadata`, `${fmtFigure(sr.preprocess!)} / ${fmtFigure(sr.metadata!)} photos/s`, '', shared.libs.vipsPreviewAndThumb ? `thumbnail / vipsthumbnail ${fmt(sr.preprocess!.median / shared.libs.vipsPreviewAndThumb.median)}` : '']);
    if (shared.libs.exiftool) rows.push(['../shared/photos/jpg: metadata stage vs exiftool -json', `${fmt(sr.metadata!.median / shared.libs.exiftool.median)}×`, '', `exiftool fallback on ${shared.stages.metadataFallbacks} files`]);
    rows.push([`../shared/photos end to end (${shared.e2e.photos} files, ${shared.e2e.failed} fail by design)`, `${fmt(shared.e2e.photosPerSecond)} photos/s`, '', `re-run ${shared.e2e.rerunSeconds} s`]);
  }
  if (speed) rows.push(...speedRows(speed));
  const text = table(rows);
  log('');
  log(text);
  log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s; load average at end: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);

  const result = {
    endToEndOverLimit: round(endToEndOverLimit, 3),
    cheapStagesPhotosPerMin: round(cheapLimit * 60, 1),
    thumbnailOverVipsthumbnail: round(thumbnailOverVipsthumbnail, 3),
    highPriorityP95Ms: waiting.p95,
    rerunSeconds,
    peakRssMbByClass,
    targets: {
      endToEndOverLimit: { target: '>= 0.9', met: endToEndOverLimit >= 0.9 },
      cheapStagesPhotosPerMin: { target: '>= 500 (24 MP, 2 cores)', met: cheapLimit * 60 >= 500 },
      thumbnailOverVipsthumbnail: { target: '>= 0.9', met: thumbnailOverVipsthumbnail >= 0.9 },
      highPriorityP95Ms: { target: '< 1000', met: waiting.p95 < 1000 },
      rerunSeconds: { target: '< 10 for 20k photos', photos: rerunPhotos, met: rerunPhotos >= 20000 ? rerunSeconds < 10 : null },
    },
    meta: {
      mode: quick ? 'quick' : 'full',
      date: new Date().toISOString(),
      host,
      cores: os.availableParallelism(),
      cpuModel: os.cpus()[0]?.model ?? null,
      memGiB: round(os.totalmem() / 1073741824, 1),
      node: process.version,
      loadAverageAtStart: load,
      loadAverageAtEnd: os.loadavg(),
      classes,
      options: opts,
      corpus: { dir, megapixels: opts.megapixels, photos: need, meanFileMb: Number(mean), generateSeconds: round(generateSeconds, 1) },
      seconds: round((performance.now() - started) / 1000, 1),
    },
    limits: { cheapPhotosPerSecond: cheapLimit, mlPhotosPerSecond: mlLimit, sumOfStagesPhotosPerSecond: sumLimit, slowestClassPhotosPerSecond: classLimit },
    stages: { ...stages.rates, read: stages.readRate },
    onnx: stages.onnx,
    libraries: libs,
    endToEnd: { photosPerSecond: e2eRate, runs: e2eRuns },
    waiting,
    export: exported.result,
    scale,
    largeLibraryRerun: large,
    queue,
    shared: shared && { stages: { ...shared.stages.rates, read: shared.stages.readRate }, libraries: shared.libs, endToEnd: shared.e2e },
    speed,
    table: text,
  };
  const outDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const outFile = args.out ?? path.join(outDir, `${new Date().toISOString().slice(0, 10)}-${host}.json`);
  fs.writeFileSync(outFile, `${JSON.stringify(result, null, 2)}\n`);
  log(`written: ${path.relative(process.cwd(), outFile) || outFile}`);
}

async function runCleanup(): Promise<void> {
  for (const fn of cleanup.splice(0)) await Promise.resolve(fn()).catch(() => undefined);
}

process.on('SIGINT', () => void runCleanup().finally(() => process.exit(130)));
process.on('SIGTERM', () => void runCleanup().finally(() => process.exit(143)));
try {
  await main();
  await runCleanup();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  await runCleanup();
  process.exit(1);
}
