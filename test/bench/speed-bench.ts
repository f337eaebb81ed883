/**
 * Issue 19 in `npm run bench` (section 7), also runnable alone:
 *   node dist/test/bench/speed-bench.js [--photos 16] [--small 8] [--reps 2] [--now-only]
 * On the same 24 MP files, in one run: `vipsthumbnail --size 256` (2 processes) as the reference;
 * `shoebox analyze` with the settings before issue 19 (1,600 px preview, always-on OCR, objects on TF.js, an interactive
 * worker) and with today's; for each: photos/s, time until every photo had a thumbnail, time until
 * every photo was analysed, peak RSS per process class; today's settings also at a smaller size, so
 * peak memory can be compared across sizes. Ratios, not absolute figures, are what carry over
 * between machines (and between runs on a shared one).
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { libraryPaths } from '../../src-core/paths.js';
import { watchBrowsable, type BrowsableTimes } from './browsable.js';
import { cameraPreviewCorpusDir, corpusDir, ensureCameraPreviewCorpus, ensureCorpus } from './corpus.js';
import { MemorySampler } from './procmem.js';
import { figure, fmt, fmtFigure, round, type Figure } from './stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const cli = path.join(repoRoot, 'bin', 'shoebox.js');

/** The settings before issue 19, as environment for `shoebox analyze`. */
export const BEFORE_ENV = { SHOEBOX_EMBEDDED_PREVIEW: '0', SHOEBOX_ML_BOOST: '0', SHOEBOX_PREVIEW_SIZE: '1600', SHOEBOX_OCR_GATE: '0', SHOEBOX_INTERACTIVE_WORKER: '1', SHOEBOX_NANODET_SIDE: '416', SHOEBOX_OBJECT_RUNTIME: 'tfjs' } as const;

export interface AnalyzeRun {
  photos: number;
  photosPerSecond: number;
  wallSeconds: number;
  browsable: BrowsableTimes;
  peakRssMbByClass: Record<string, number>;
  /** Peak RSS per class (MB, largest single process) in each stretch of the run, ending when `photos` were analysed. */
  memoryCheckpoints: Array<{ photos: number; seconds: number; peakRssMbByClass: Record<string, number> }>;
}

export interface SpeedBench {
  photos: number;
  vipsThumb256: Figure | null;
  before: AnalyzeRun[];
  after: AnalyzeRun[];
  afterSmall: AnalyzeRun | null;
  /** Today's settings on the same photos carrying a camera's 1,616 px large thumbnail (MPF), when asked for. */
  afterCameraPreview: AnalyzeRun[];
  cameraPreviewOverVips: number | null;
  /** Medians: after / vipsthumbnail, before / vipsthumbnail, after / before. */
  afterOverVips: number | null;
  beforeOverVips: number | null;
  /** null when the settings before were not run (`--now-only`). */
  afterOverBefore: number | null;
  /** CPU ms per photo of each part of the analysis, one after another in one process (stage-cpu.ts); null if it failed. */
  partsCpuMs: Record<string, number> | null;
}

function run(cmd: string, argv: string[], env: NodeJS.ProcessEnv = {}, onPid?: (pid: number) => void): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    if (child.pid && onPid) onPid(child.pid);
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ out, code }) : reject(new Error(`${cmd} exited ${code}: ${err.slice(-400)}`))));
  });
}

function hasVips(): boolean {
  try {
    return (process.env.PATH ?? '').split(':').some((d) => fs.existsSync(path.join(d, 'vipsthumbnail')));
  } catch {
    return false;
  }
}

async function vipsThumbs(files: string[], tmp: string, procs: number): Promise<number> {
  const dir = fs.mkdtempSync(path.join(tmp, 'vips-'));
  const slices = Array.from({ length: procs }, (_, i) => files.filter((_, k) => k % procs === i));
  const t = performance.now();
  await Promise.all(slices.map((s, i) => run('vipsthumbnail', ['-s', '256x256', '-o', `${dir}/p${i}-%s.jpg[Q=80,strip]`, ...s])));
  const rate = files.length / ((performance.now() - t) / 1000);
  fs.rmSync(dir, { recursive: true, force: true });
  return rate;
}

async function analyze(dir: string, count: number, tmp: string, env: NodeJS.ProcessEnv, checkpoints: number[] = []): Promise<AnalyzeRun> {
  const dataDir = fs.mkdtempSync(path.join(tmp, 'data-'));
  let sampler: MemorySampler | null = null;
  const memoryCheckpoints: AnalyzeRun['memoryCheckpoints'] = [];
  const pending = [...checkpoints].sort((a, b) => a - b);
  const t = performance.now();
  // Each stretch's peak is taken when the analysed count passes its checkpoint (polled with the browsable watch).
  const onAnalysed = (n: number) => {
    const s = sampler as MemorySampler | null;
    while (s && pending.length && n >= pending[0]!) {
      s.sample();
      memoryCheckpoints.push({ photos: pending.shift()!, seconds: round((performance.now() - t) / 1000), peakRssMbByClass: roundAll(s.takeWindow()) });
    }
  };
  const watch = watchBrowsable(libraryPaths(dataDir).sqlite, count, checkpoints.length ? 1000 : 200, checkpoints.length ? onAnalysed : undefined);
  try {
    const { out } = await run(process.execPath, [cli, 'analyze', dir, '--json', '--no-progress', '--data', dataDir], env, (pid) => {
      sampler = new MemorySampler(pid).start();
    });
    const wallSeconds = (performance.now() - t) / 1000;
    const summary = JSON.parse(out) as { photos: number; seconds: number };
    const s = sampler as MemorySampler | null;
    s?.stop();
    return {
      photos: summary.photos,
      photosPerSecond: summary.photos / summary.seconds,
      wallSeconds: round(wallSeconds),
      browsable: watch.stop(),
      peakRssMbByClass: roundAll(s?.peakByClass ?? {}),
      memoryCheckpoints,
    };
  } finally {
    (sampler as MemorySampler | null)?.stop();
    watch.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

const roundAll = (byClass: Record<string, number>) => Object.fromEntries(Object.entries(byClass).map(([k, v]) => [k, Math.round(v)]));

/**
 * One analyze of `files` with today's settings, noting the peak RSS per process class in each stretch
 * up to every checkpoint (e.g. 1,000 / 5,000 / 20,000 photos): whether memory stays flat as a library grows.
 */
export async function memoryRun(files: string[], checkpoints: number[]): Promise<AnalyzeRun> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-memory-'));
  try {
    return await analyze(linkDir(tmp, 'all', files), files.length, tmp, {}, checkpoints.filter((c) => c <= files.length));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function linkDir(tmp: string, name: string, files: string[]): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.symlinkSync(f, path.join(dir, path.basename(f)));
  return dir;
}

/**
 * Runs the section on `photos` corpus files (`small` for the second memory size), `reps` times each;
 * `nowOnly` leaves out the settings before issue 19 (at 1,000 photos they alone take ~10 min on 2 cores).
 */
export async function speedBench(
  files: string[],
  small: number,
  reps: number,
  log: (line: string) => void,
  options: { nowOnly?: boolean; cameraPreviewFiles?: string[] } = {},
): Promise<SpeedBench> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-speed-'));
  try {
    const dir = linkDir(tmp, 'all', files);
    const cameraDir = options.cameraPreviewFiles ? linkDir(tmp, 'camera-preview', options.cameraPreviewFiles) : null;
    const vips: number[] = [];
    const before: AnalyzeRun[] = [];
    const after: AnalyzeRun[] = [];
    const afterCameraPreview: AnalyzeRun[] = [];
    // Interleaved, so a change in the machine's load hits both settings alike.
    for (let rep = 0; rep < reps; rep++) {
      if (hasVips()) vips.push(await vipsThumbs(files, tmp, 2));
      if (!options.nowOnly) before.push(await analyze(dir, files.length, tmp, BEFORE_ENV));
      after.push(await analyze(dir, files.length, tmp, {}));
      if (cameraDir) afterCameraPreview.push(await analyze(cameraDir, options.cameraPreviewFiles!.length, tmp, {}));
      const beforeRate = before.length ? `${fmt(before.at(-1)!.photosPerSecond)}/s` : 'not run';
      const cameraRate = afterCameraPreview.length ? `, after with camera thumbnails ${fmt(afterCameraPreview.at(-1)!.photosPerSecond)}/s` : '';
      log(`  rep ${rep + 1}: vipsthumbnail 256 ${fmt(vips.at(-1) ?? NaN)}/s, before ${beforeRate}, after ${fmt(after.at(-1)!.photosPerSecond)}/s${cameraRate}`);
    }
    // Where the time goes, in CPU ms (not wall time: the machine may be shared), on up to 8 of the files.
    let partsCpuMs: Record<string, number> | null = null;
    try {
      const { out } = await run(process.execPath, [path.join(here, 'stage-cpu.js'), '--json', ...files.slice(0, 8)]);
      partsCpuMs = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number>;
    } catch (err) {
      log(`  CPU per part not measured: ${err instanceof Error ? err.message : String(err)}`);
    }
    const afterSmall = small > 0 && small < files.length ? await analyze(linkDir(tmp, 'small', files.slice(0, small)), small, tmp, {}) : null;
    const vipsFig = vips.length ? figure(vips) : null;
    const med = (runs: AnalyzeRun[]) => figure(runs.map((r) => r.photosPerSecond)).median;
    return {
      photos: files.length,
      vipsThumb256: vipsFig,
      before,
      after,
      afterSmall,
      afterCameraPreview,
      cameraPreviewOverVips: vipsFig && afterCameraPreview.length ? med(afterCameraPreview) / vipsFig.median : null,
      afterOverVips: vipsFig ? med(after) / vipsFig.median : null,
      beforeOverVips: vipsFig && before.length ? med(before) / vipsFig.median : null,
      afterOverBefore: before.length ? med(after) / med(before) : null,
      partsCpuMs,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const rss = (r: AnalyzeRun) => ['engine', 'cpu', 'ml', 'interactive', 'redis'].map((k) => r.peakRssMbByClass[k] ?? '–').join('/');
const secs = (v: number | null) => (v === null ? '—' : `${fmt(v, 1)} s`);

/** Table rows (measurement, value, target, verdict) for bench.ts's table. */
export function speedRows(s: SpeedBench): string[][] {
  const rows: string[][] = [];
  const rate = (runs: AnalyzeRun[]) => fmtFigure(figure(runs.map((r) => r.photosPerSecond)));
  if (s.vipsThumb256) rows.push([`issue 19: vipsthumbnail --size 256 (2 procs, ${s.photos} photos)`, `${fmtFigure(s.vipsThumb256)} photos/s`, '', 'reference']);
  if (s.before.length) {
    rows.push([`issue 19: analyze, settings before (1600 px preview, OCR always, objects on TF.js, interactive worker)`, `${rate(s.before)} photos/s`, '', s.beforeOverVips === null ? '' : `${fmt(s.beforeOverVips)} × vipsthumbnail`]);
  }
  rows.push([`issue 19: analyze, settings now (1200 px preview, camera thumbnail when usable, reading OCR gate, objects on onnxruntime, no interactive worker, ML boost)`, `${rate(s.after)} photos/s`, '', s.afterOverBefore === null ? 'before not run' : `${fmt(s.afterOverBefore)} × before`]);
  if (s.afterOverVips !== null) {
    rows.push(['issue 19: full analysis end to end / vipsthumbnail 256', fmt(s.afterOverVips), '≥ 0.48', s.afterOverVips >= 0.48 ? 'met' : `MISSED (${fmt(s.afterOverVips / 0.48)} of the target)`]);
  }
  if (s.afterCameraPreview.length) {
    rows.push([`issue 19: analyze, settings now, the same photos with a camera large thumbnail (MPF, 1,616 px, as Sony/Fujifilm write)`, `${rate(s.afterCameraPreview)} photos/s`, '', `${fmt(figure(s.afterCameraPreview.map((r) => r.photosPerSecond)).median / figure(s.after.map((r) => r.photosPerSecond)).median)} × without`]);
    if (s.cameraPreviewOverVips !== null) {
      rows.push(['issue 19: full analysis end to end / vipsthumbnail 256, photos with a camera large thumbnail', fmt(s.cameraPreviewOverVips), '≥ 0.48', s.cameraPreviewOverVips >= 0.48 ? 'met' : `MISSED (${fmt(s.cameraPreviewOverVips / 0.48)} of the target)`]);
    }
  }
  for (const [name, runs] of [['before', s.before], ['now', s.after], ['now, camera thumbnails', s.afterCameraPreview]] as const) {
    const r = runs[0];
    if (!r) continue;
    rows.push([`issue 19: ${name}: every photo has a thumbnail / fully analysed (${r.photos} photos)`, runs.map((x) => `${secs(x.browsable.thumbnailsSeconds)} / ${secs(x.browsable.analysedSeconds)}`).join('; '), '', '']);
    rows.push([`issue 19: ${name}: peak RSS MB engine/cpu/ml/interactive/redis (${r.photos} photos)`, runs.map(rss).join('; '), '', '']);
  }
  if (s.partsCpuMs) {
    const total = Object.values(s.partsCpuMs).reduce((a, b) => a + b, 0);
    rows.push([
      'issue 19: CPU ms per photo by part (one process, in turn; stage-cpu.ts)',
      `${Object.entries(s.partsCpuMs).map(([k, v]) => `${k} ${v}`).join(', ')}; total ${total}`,
      '',
      'where the time goes',
    ]);
  }
  if (s.afterSmall) rows.push([`issue 19: now: peak RSS MB engine/cpu/ml/interactive/redis (${s.afterSmall.photos} photos)`, rss(s.afterSmall), '', 'flat across sizes?']);
  return rows;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      photos: { type: 'string', default: '16' },
      small: { type: 'string', default: '8' },
      reps: { type: 'string', default: '2' },
      megapixels: { type: 'string', default: '24' },
      'now-only': { type: 'boolean', default: false },
      /** e.g. 1000,5000,20000: only one analyze, with the peak RSS of each stretch (memory across library sizes). */
      checkpoints: { type: 'string' },
      /** Also today's settings on the same photos with a camera's 1,616 px large thumbnail in an MPF index (as Sony, Fujifilm… write them). */
      'camera-preview': { type: 'boolean', default: false },
    },
  });
  const n = Number(values.photos);
  const files = await ensureCorpus(corpusDir(Number(values.megapixels)), n, Number(values.megapixels));
  const cameraPreviewFiles = values['camera-preview'] ? await ensureCameraPreviewCorpus(files, cameraPreviewCorpusDir(Number(values.megapixels))) : undefined;
  if (values.checkpoints) {
    console.log(`issue 19 memory run: ${n} photos of ${values.megapixels} MP, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
    const r = await memoryRun(files, values.checkpoints.split(',').map(Number));
    for (const c of r.memoryCheckpoints) console.log(`| up to ${c.photos} photos (${fmt(c.seconds, 0)} s) | peak RSS MB engine/cpu/ml/redis ${['engine', 'cpu', 'ml', 'redis'].map((k) => c.peakRssMbByClass[k] ?? '–').join('/')} |`);
    console.log(`| whole run: ${r.photos} photos, ${fmt(r.photosPerSecond)} photos/s | peak RSS MB engine/cpu/ml/redis ${['engine', 'cpu', 'ml', 'redis'].map((k) => r.peakRssMbByClass[k] ?? '–').join('/')} |`);
    console.log(JSON.stringify(r));
    return;
  }
  console.log(`issue 19 speed section: ${n} photos, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} at start`);
  const s = await speedBench(files, Number(values.small), Number(values.reps), (l) => console.log(l), { nowOnly: values['now-only'], cameraPreviewFiles });
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  for (const r of speedRows(s)) console.log(`| ${r.join(' | ')} |`);
  console.log(JSON.stringify(s));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && !process.env.NODE_TEST_CONTEXT) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
