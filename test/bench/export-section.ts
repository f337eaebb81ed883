/**
 * The export section of `npm run bench` (issue 16), also run alone by export-bench.ts:
 *
 * - throughput: the same 24 MP JPEGs exported to 2048 px JPEG q85, one at a time, by Shoebox's renderer
 *   (no adjustments, metadata none and all; and a Landscape-like preset) and by `vipsthumbnail` doing the
 *   same resize in the same run (one process for all files, and a process per file); the ratio is
 *   Shoebox over vipsthumbnail in one process (the harder baseline), target ≥ 0.8 without adjustments.
 *   vipsthumbnail keeps the original's EXIF/XMP/ICC unconverted, so "metadata all" (exiftool's copy plus
 *   keywords and rating) is the like-for-like row; "metadata none" is the issue's headline.
 * - a person waiting: each request asked for with the export running and again with its lane paused,
 *   alternating (the machine's own share, same run).
 * - a person waiting: high_priority requests (a photo analysed end to end, as section 4) while an export
 *   of N photos (500; fewer with --quick) runs on the low lane of the same engine; target p95 < 1 s.
 * Speed is shown here, never asserted in tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { loadConfig } from '../../src-core/config.js';
import { createExport, EXPORT_LANE, queueExportJobs } from '../../src-core/export/plan-export.js';
import { ExportsRepo } from '../../src-core/store/repos/exports-repo.js';
import { Engine } from '../../src-main/engine/engine.js';
import { renderOptionsSchema } from '../../src-shared/exports.js';
import type { CrsSettings } from '../../src-shared/presets.js';
import { closeExportExiftool } from '../../src-worker/export/export-metadata.js';
import { renderExport } from '../../src-worker/export/render.js';
import { writeFinishedLibrary } from './large-library.js';
import { percentile, round } from './stats.js';

const run = promisify(execFile);

/** A Landscape-like preset: tone curve, vibrance, sharpening. */
export const LANDSCAPE_LIKE: CrsSettings = { Contrast2012: '+15', Highlights2012: '-40', Shadows2012: '+25', Vibrance: '+25', Sharpness: '50' };

export interface ExportThroughput {
  photos: number;
  rounds: number;
  /** photos/min */
  vipsthumbnailPerFile: number;
  vipsthumbnailOneProcess: number;
  shoeboxMetadataNone: number;
  shoeboxMetadataAll: number;
  shoeboxLandscapeLike: number;
  /** Shoebox (metadata none) / vipsthumbnail in one process: the median of the rounds' ratios. */
  ratioNoAdjustments: number;
  ratioMetadataAll: number;
  ratioLandscapeLike: number;
  /** CPU ms per photo (this process's threads and its ended children), median of the rounds. */
  cpuMsPerPhoto: Record<string, number>;
  /** The same ratios on CPU time (photos per CPU-second): what a loaded machine's wall clock hides. */
  cpuRatioNoAdjustments: number;
  cpuRatioMetadataAll: number;
  cpuRatioLandscapeLike: number;
}

export interface ExportWaiting {
  exportPhotos: number;
  requests: number;
  /** Requests that started and ended while the export still ran. */
  duringExport: number;
  exportedWhileMeasuring: number;
  ms: number[];
  p50: number;
  p95: number;
  max: number;
  /** Median ms of each analysis stage of the requests during the export (the store's stage times). */
  stageMsMedian: Record<string, number>;
  /**
   * The same requests on the same engine with the export's lane paused and no export job in hand,
   * alternated with the ones above: what this machine gives a request anyway (on a shared machine,
   * mostly the neighbours' load), so that the export's own share is the difference.
   */
  idle: { ms: number[]; p50: number; p95: number; max: number; stageMsMedian: Record<string, number> };
}

type Log = (line: string) => void;

/**
 * CPU seconds used so far by this process (all its threads, libvips' included) and by its children
 * that have ended (Linux: cutime + cstime of /proc/self/stat). On a shared, loaded machine wall time
 * mostly measures the neighbours; CPU time measures the work.
 */
function cpuSeconds(): number {
  const own = process.cpuUsage();
  let children = 0;
  try {
    const fields = fs.readFileSync('/proc/self/stat', 'utf8').replace(/^.*\) /, '').split(' ');
    // After "pid (comm) ", field 3 is state: cutime and cstime are fields 16 and 17 of the whole line.
    children = (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    children = NaN;
  }
  return (own.user + own.system) / 1e6 + children;
}

interface Timing {
  wall: number;
  cpu: number;
}

async function measure(fn: () => Promise<void>): Promise<Timing> {
  const cpu0 = cpuSeconds();
  const started = process.hrtime.bigint();
  await fn();
  return { wall: Number(process.hrtime.bigint() - started) / 1e9, cpu: cpuSeconds() - cpu0 };
}

/** Runs `one` over every file, one at a time. */
async function timeEach(files: string[], one: (file: string, out: string) => Promise<void>): Promise<Timing> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-bench-'));
  try {
    return await measure(async () => {
      for (const [i, f] of files.entries()) await one(f, path.join(outDir, `${i}.jpg`));
    });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

const median = (v: number[]) => percentile(v, 50);

/**
 * Every variant over the same files, in rounds (each round runs them all back to back), so that a
 * machine whose load drifts (a shared one) weighs on each variant alike; ratios are taken per round and
 * their median reported.
 */
export async function exportThroughput(files: string[], log: Log, rounds = 3): Promise<ExportThroughput> {
  const options = (metadata: 'all' | 'none') => renderOptionsSchema.parse({ longEdge: 2048, quality: 85, metadata });
  const variants: Record<string, (f: string[]) => Promise<Timing>> = {
    // One process for all files: no process start per photo (the fairer, harder baseline).
    vipsOne: async (f) => {
      const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-bench-batch-'));
      try {
        return await measure(async () => void (await run('vipsthumbnail', [...f, '--size', '2048', '-o', path.join(outDir, '%s.jpg[Q=85]')])));
      } finally {
        fs.rmSync(outDir, { recursive: true, force: true });
      }
    },
    vipsPerFile: (f) => timeEach(f, async (file, out) => void (await run('vipsthumbnail', [file, '--size', '2048', '-o', `${out}[Q=85]`]))),
    none: (f) => timeEach(f, async (file, out) => void (await renderExport({ originalPath: file, settings: {}, options: options('none'), keywords: [], rating: null }, out))),
    // exiftool stays open across files: closed inside the measurement so that its CPU time is counted.
    all: (f) => timeEach(f, async (file, out) => void (await renderExport({ originalPath: file, settings: {}, options: options('all'), keywords: ['k'], rating: 3 }, out))).then(async (t) => {
      const more = await measure(() => closeExportExiftool());
      return { wall: t.wall + more.wall, cpu: t.cpu + more.cpu };
    }),
    landscape: (f) => timeEach(f, async (file, out) => void (await renderExport({ originalPath: file, settings: LANDSCAPE_LIKE, options: options('none'), keywords: [], rating: null }, out))),
  };
  // Warm-up: libraries loaded, exiftool started, caches filled.
  for (const v of Object.values(variants)) await v(files.slice(0, 1));
  const perMin: Record<string, number[]> = {};
  const cpuPerPhoto: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    for (const [name, v] of Object.entries(variants)) {
      const t = await v(files);
      (perMin[name] ??= []).push((files.length / t.wall) * 60);
      (cpuPerPhoto[name] ??= []).push(t.cpu / files.length);
    }
    log(`  round ${r + 1}/${rounds}: ${Object.keys(perMin).map((k) => `${k} ${perMin[k]!.at(-1)!.toFixed(1)}/min (${(cpuPerPhoto[k]!.at(-1)! * 1000).toFixed(0)} ms CPU each)`).join(', ')}`);
  }
  await closeExportExiftool();
  const ratio = (name: string) => round(median(perMin[name]!.map((x, i) => x / perMin.vipsOne![i]!)), 2);
  // Photos per CPU-second, Shoebox over vipsthumbnail in one process.
  const cpuRatio = (name: string) => round(median(cpuPerPhoto[name]!.map((x, i) => cpuPerPhoto.vipsOne![i]! / x)), 2);
  return {
    photos: files.length,
    rounds,
    vipsthumbnailPerFile: round(median(perMin.vipsPerFile!), 1),
    vipsthumbnailOneProcess: round(median(perMin.vipsOne!), 1),
    shoeboxMetadataNone: round(median(perMin.none!), 1),
    shoeboxMetadataAll: round(median(perMin.all!), 1),
    shoeboxLandscapeLike: round(median(perMin.landscape!), 1),
    ratioNoAdjustments: ratio('none'),
    ratioMetadataAll: ratio('all'),
    ratioLandscapeLike: ratio('landscape'),
    cpuMsPerPhoto: Object.fromEntries(Object.entries(cpuPerPhoto).map(([k, v]) => [k, Math.round(median(v) * 1000)])),
    cpuRatioNoAdjustments: cpuRatio('none'),
    cpuRatioMetadataAll: cpuRatio('all'),
    cpuRatioLandscapeLike: cpuRatio('landscape'),
  };
}

/** A folder of symlinks to `files` (the library dedups one file seen twice, so each must be distinct). */
function linkFolder(dir: string, files: string[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [i, f] of files.entries()) fs.symlinkSync(f, path.join(dir, `export-${String(i).padStart(5, '0')}.jpg`));
}

/** The engine, started again once if its ML worker is still loading models when the start gives up (a loaded machine). */
async function startEngine(dataDir: string, log: Log): Promise<Engine> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await Engine.start(loadConfig({ data: dataDir }), { consoleLevel: false });
    } catch (error) {
      if (attempt >= 2 || !/workers not ready/.test(String(error))) throw error;
      log(`  engine start: ${error instanceof Error ? error.message : String(error)}; trying once more`);
    }
  }
}

function summary(ms: number[]): { ms: number[]; p50: number; p95: number; max: number } {
  return { ms: ms.map((m) => Math.round(m)), p50: round(percentile(ms, 50), 0), p95: round(percentile(ms, 95), 0), max: round(Math.max(...ms), 0) };
}

/** One file asked for through high_priority (analysed again: force): ms until done, and the store's stage times. */
async function timeRequest(engine: Engine, file: string): Promise<{ ms: number; stages: Record<string, number> }> {
  const t = performance.now();
  await engine.ingest([file], { lane: 'high_priority', force: true });
  const ms = performance.now() - t;
  const record = (await engine.store.photos.getByPaths([file])).get(file);
  const detail = record ? await engine.store.photos.getDetail(record.id) : null;
  const stages: Record<string, number> = {};
  for (const st of detail?.stages ?? []) if (st.ms !== null) stages[st.stage] = st.ms;
  return { ms, stages };
}

/**
 * High_priority requests while an export of `exportCount` photos runs on the same engine. The export's
 * photos are written into the library as finished (so no analysis runs for them); each request is a new
 * photo analysed end to end on the high_priority lane, as in section 4.
 */
export async function personWaitingDuringExport(
  work: string,
  exportFiles: string[],
  requestFiles: string[],
  log: Log,
): Promise<ExportWaiting> {
  const exportCount = exportFiles.length;
  const dataDir = path.join(work, 'data-export-waiting');
  const originals = path.join(work, 'export-originals');
  const requests = path.join(work, 'export-requests');
  const target = path.join(work, 'export-target');
  linkFolder(originals, exportFiles);
  fs.mkdirSync(requests, { recursive: true });
  for (const [i, f] of requestFiles.entries()) fs.symlinkSync(f, path.join(requests, `request-${i}.jpg`));
  await writeFinishedLibrary(dataDir, originals);
  const engine = await startEngine(dataDir, log);
  try {
    const repo = new ExportsRepo(engine.store.sql);
    const ids = (await engine.store.sql.all<{ id: string }>(`SELECT id FROM photos`)).map((r) => r.id);
    const created = await createExport(repo, { photoIds: ids, targetDir: target, options: { longEdge: 2048, quality: 85 } });
    await queueExportJobs(engine.lanes, await repo.items(created.id, 'pending'));
    const exportRuns = async () => (await repo.get(created.id))?.state === 'running';
    // Let the export get going: its first files written.
    for (let i = 0; i < 240 && (await exportRuns()); i++) {
      if (((await repo.get(created.id))?.done ?? 0) >= 1) break;
      await sleep(250);
    }
    const doneAtStart = (await repo.get(created.id))!.done;
    const names = fs.readdirSync(requests).sort().map((name) => path.join(requests, name));
    // Each request is asked for twice in turn, with the export running and with its lane paused (no
    // export job in hand), alternating which comes first: paired samples under the same neighbours' load.
    const lane = engine.lanes.queue('cpu', EXPORT_LANE);
    const activeExportJobs = async () => (await lane.getJobCounts('active')).active ?? 0;
    const waitFor = async (done: () => Promise<boolean>) => {
      for (let i = 0; i < 200 && !(await done()); i++) await sleep(50);
    };
    const during: number[] = [];
    const idle: number[] = [];
    const duringStages: Record<string, number[]> = {};
    const idleStages: Record<string, number[]> = {};
    let whileRunning = 0;
    // One request first, not counted: the interactive worker's models warm up after the engine starts.
    if (names[0]) await timeRequest(engine, names[0]);
    for (const [i, file] of names.entries()) {
      for (const withExport of i % 2 === 0 ? [true, false] : [false, true]) {
        if (withExport) {
          await engine.lanes.resume([EXPORT_LANE]);
          await waitFor(async () => !(await exportRuns()) || (await activeExportJobs()) > 0);
        } else {
          await engine.lanes.pause([EXPORT_LANE]);
          await waitFor(async () => (await activeExportJobs()) === 0);
        }
        const wasRunning = withExport && (await exportRuns());
        const r = await timeRequest(engine, file);
        (withExport ? during : idle).push(r.ms);
        for (const [k, v] of Object.entries(r.stages)) ((withExport ? duringStages : idleStages)[k] ??= []).push(v);
        if (wasRunning && (await exportRuns())) whileRunning++;
        await sleep(300);
      }
    }
    await engine.lanes.resume([EXPORT_LANE]);
    const after = (await repo.get(created.id))!;
    if (whileRunning < names.length) log(`  ${names.length - whileRunning} request(s) ended after the export did: use more --export-photos`);
    log(`  export ${after.done}/${after.total} done when the requests ended${after.state === 'running' ? ' (still running: cancelled)' : ''}`);
    await repo.setState(created.id, 'cancelled', 'bench over');
    const medians = (m: Record<string, number[]>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(percentile(v, 50))]));
    return {
      exportPhotos: exportCount,
      requests: during.length,
      duringExport: whileRunning,
      exportedWhileMeasuring: after.done - doneAtStart,
      ...summary(during),
      stageMsMedian: medians(duringStages),
      idle: { ...summary(idle), stageMsMedian: medians(idleStages) },
    };
  } finally {
    await engine.stop({ force: true }).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.rmSync(target, { recursive: true, force: true });
  }
}

export interface ExportSectionOptions {
  quick: boolean;
  /** Photos in the export while requests are measured (500; 40 with --quick). */
  exportPhotos: number;
  throughputPhotos: number;
  requests: number;
}

/** Runs the section; answers the table rows and the JSON part of the results. */
export async function exportSection(
  corpus: string[],
  work: string,
  o: ExportSectionOptions,
  log: Log,
  verdict: (value: number, target: number, higherIsBetter: boolean, unit?: string) => string,
): Promise<{ rows: string[][]; result: { throughput: ExportThroughput; waiting: ExportWaiting; quick: boolean } }> {
  log(`  throughput on ${o.throughputPhotos} photos, one at a time, in rounds…`);
  const throughput = await exportThroughput(corpus.slice(0, o.throughputPhotos), log, o.quick ? 2 : 3);
  const requestFiles = corpus.slice(-o.requests);
  const exportFiles = corpus.slice(0, Math.min(o.exportPhotos, Math.max(1, corpus.length - o.requests)));
  const fewer = exportFiles.length < 500 ? ` (${o.quick ? '--quick: ' : ''}fewer than the 500 of the target${exportFiles.length < o.exportPhotos ? `; the corpus holds ${corpus.length} photos` : ''})` : '';
  log(`  ${o.requests} high_priority requests during an export of ${exportFiles.length} photos${fewer}…`);
  const waiting = await personWaitingDuringExport(work, exportFiles, requestFiles, log);
  const t = throughput;
  const rows: string[][] = [
    [`export 24 MP → 2048 px JPEG, ${t.photos} photos one at a time × ${t.rounds} rounds: vipsthumbnail (one process / a process each)`, `${t.vipsthumbnailOneProcess} / ${t.vipsthumbnailPerFile} photos/min`, '', ''],
    ['export / vipsthumbnail, no adjustments (metadata none / all)', `${t.ratioNoAdjustments} / ${t.ratioMetadataAll} (${t.shoeboxMetadataNone} / ${t.shoeboxMetadataAll} photos/min)`, '≥ 0.8', verdict(t.ratioNoAdjustments, 0.8, true)],
    ['export / vipsthumbnail, Landscape-like preset', `${t.ratioLandscapeLike} (${t.shoeboxLandscapeLike} photos/min)`, '', 'info'],
    ['  the same on CPU time: none / all / Landscape-like', `${t.cpuRatioNoAdjustments} / ${t.cpuRatioMetadataAll} / ${t.cpuRatioLandscapeLike} (CPU ms per photo: vipsthumbnail ${t.cpuMsPerPhoto.vipsOne}, export ${t.cpuMsPerPhoto.none} / ${t.cpuMsPerPhoto.all} / ${t.cpuMsPerPhoto.landscape})`, '≥ 0.8', verdict(t.cpuRatioNoAdjustments, 0.8, true)],
    [
      `high_priority request → analysed during an export of ${waiting.exportPhotos}${fewer ? ' (fewer than 500)' : ''} (${waiting.requests} requests; ${waiting.duringExport} while it ran)`,
      `p50 ${waiting.p50} ms, p95 ${waiting.p95} ms, max ${waiting.max} ms`,
      'p95 < 1000 ms',
      waiting.duringExport === 0 ? 'not measured: the export ended first' : verdict(waiting.p95, 1000, false, ' ms'),
    ],
    ['  of which stage time (median ms, store)', Object.entries(waiting.stageMsMedian).map(([k, v]) => `${k} ${v}`).join(', '), '', ''],
    ['  the same requests with the export lane paused (alternating, same engine)', `p50 ${waiting.idle.p50} ms, p95 ${waiting.idle.p95} ms, max ${waiting.idle.max} ms`, '', 'info: the machine without the export'],
  ];
  return { rows, result: { throughput, waiting, quick: o.quick } };
}
