/**
 * The export section of `npm run bench` (issue 16), also run alone by export-bench.ts:
 *
 * - throughput: the same 24 MP JPEGs exported to 2048 px JPEG q85, one at a time, by Shoebox's renderer
 *   (no adjustments, metadata none and all; and a Landscape-like preset) and by `vipsthumbnail` doing the
 *   same resize in the same run (one process for all files, and a process per file); the ratio is
 *   Shoebox over vipsthumbnail in one process (the harder baseline), target ≥ 0.8 without adjustments.
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
import { createExport, queueExportJobs } from '../../src-core/export/plan-export.js';
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
  /** photos/min */
  vipsthumbnailPerFile: number;
  vipsthumbnailOneProcess: number;
  shoeboxMetadataNone: number;
  shoeboxMetadataAll: number;
  shoeboxLandscapeLike: number;
  /** Shoebox (metadata none) / vipsthumbnail in one process. */
  ratioNoAdjustments: number;
  ratioMetadataAll: number;
  ratioLandscapeLike: number;
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
}

type Log = (line: string) => void;

async function timed(label: string, files: string[], log: Log, one: (file: string, out: string) => Promise<void>): Promise<number> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-bench-'));
  try {
    await one(files[0]!, path.join(outDir, 'warmup.jpg'));
    const started = process.hrtime.bigint();
    for (const [i, f] of files.entries()) await one(f, path.join(outDir, `${i}.jpg`));
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const perMin = (files.length / seconds) * 60;
    log(`  ${label.padEnd(34)} ${perMin.toFixed(1).padStart(7)} photos/min  (${((seconds / files.length) * 1000).toFixed(0)} ms each)`);
    return perMin;
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

export async function exportThroughput(files: string[], log: Log): Promise<ExportThroughput> {
  const options = (metadata: 'all' | 'none') => renderOptionsSchema.parse({ longEdge: 2048, quality: 85, metadata });
  const vipsPerFile = await timed('vipsthumbnail --size 2048 (Q=85)', files, log, async (f, out) => {
    await run('vipsthumbnail', [f, '--size', '2048', '-o', `${out}[Q=85]`]);
  });
  // One process for all files: no process start per photo (the fairer, harder baseline).
  const batchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-bench-batch-'));
  const batchStart = process.hrtime.bigint();
  await run('vipsthumbnail', [...files, '--size', '2048', '-o', path.join(batchDir, '%s.jpg[Q=85]')]);
  const batchSeconds = Number(process.hrtime.bigint() - batchStart) / 1e9;
  fs.rmSync(batchDir, { recursive: true, force: true });
  const vipsOne = (files.length / batchSeconds) * 60;
  log(`  ${'vipsthumbnail, one process, all'.padEnd(34)} ${vipsOne.toFixed(1).padStart(7)} photos/min  (${((batchSeconds / files.length) * 1000).toFixed(0)} ms each)`);
  const bare = await timed('shoebox export, metadata none', files, log, async (f, out) => {
    await renderExport({ originalPath: f, settings: {}, options: options('none'), keywords: [], rating: null }, out);
  });
  const full = await timed('shoebox export, metadata all', files, log, async (f, out) => {
    await renderExport({ originalPath: f, settings: {}, options: options('all'), keywords: ['k'], rating: 3 }, out);
  });
  const preset = await timed('shoebox export, Landscape-like', files, log, async (f, out) => {
    await renderExport({ originalPath: f, settings: LANDSCAPE_LIKE, options: options('none'), keywords: [], rating: null }, out);
  });
  await closeExportExiftool();
  return {
    photos: files.length,
    vipsthumbnailPerFile: round(vipsPerFile, 1),
    vipsthumbnailOneProcess: round(vipsOne, 1),
    shoeboxMetadataNone: round(bare, 1),
    shoeboxMetadataAll: round(full, 1),
    shoeboxLandscapeLike: round(preset, 1),
    ratioNoAdjustments: round(bare / vipsOne, 2),
    ratioMetadataAll: round(full / vipsOne, 2),
    ratioLandscapeLike: round(preset / vipsOne, 2),
  };
}

/** `count` names for the export, cycling through `files` (symlinks, so each is its own photo). */
function linkFolder(dir: string, files: string[], count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) fs.symlinkSync(files[i % files.length]!, path.join(dir, `export-${String(i).padStart(5, '0')}.jpg`));
}

/**
 * High_priority requests while an export of `exportCount` photos runs on the same engine. The export's
 * photos are written into the library as finished (so no analysis runs for them); each request is a new
 * photo analysed end to end on the high_priority lane, as in section 4.
 */
export async function personWaitingDuringExport(
  work: string,
  exportFiles: string[],
  exportCount: number,
  requestFiles: string[],
  log: Log,
): Promise<ExportWaiting> {
  const dataDir = path.join(work, 'data-export-waiting');
  const originals = path.join(work, 'export-originals');
  const requests = path.join(work, 'export-requests');
  const target = path.join(work, 'export-target');
  linkFolder(originals, exportFiles, exportCount);
  fs.mkdirSync(requests, { recursive: true });
  for (const [i, f] of requestFiles.entries()) fs.symlinkSync(f, path.join(requests, `request-${i}.jpg`));
  await writeFinishedLibrary(dataDir, originals);
  const engine = await Engine.start(loadConfig({ data: dataDir }), { consoleLevel: false });
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
    const ms: number[] = [];
    let during = 0;
    for (const name of fs.readdirSync(requests).sort()) {
      const wasRunning = await exportRuns();
      const t = performance.now();
      await engine.ingest([path.join(requests, name)], { lane: 'high_priority', force: true });
      ms.push(performance.now() - t);
      if (wasRunning && (await exportRuns())) during++;
      await sleep(300);
    }
    const after = (await repo.get(created.id))!;
    log(`  export ${after.done}/${after.total} done when the requests ended${after.state === 'running' ? ' (still running: cancelled)' : ''}`);
    await repo.setState(created.id, 'cancelled', 'bench over');
    return {
      exportPhotos: exportCount,
      requests: ms.length,
      duringExport: during,
      exportedWhileMeasuring: after.done - doneAtStart,
      ms: ms.map((m) => Math.round(m)),
      p50: round(percentile(ms, 50), 0),
      p95: round(percentile(ms, 95), 0),
      max: round(Math.max(...ms), 0),
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
  log(`  throughput on ${o.throughputPhotos} photos, one at a time…`);
  const throughput = await exportThroughput(corpus.slice(0, o.throughputPhotos), log);
  log(`  ${o.requests} high_priority requests during an export of ${o.exportPhotos} photos${o.quick ? ' (--quick: fewer than the 500 of the target)' : ''}…`);
  const requestFiles = corpus.slice(-o.requests);
  const exportFiles = corpus.slice(0, Math.max(1, corpus.length - o.requests));
  const waiting = await personWaitingDuringExport(work, exportFiles, o.exportPhotos, requestFiles, log);
  const t = throughput;
  const rows: string[][] = [
    [`export 24 MP → 2048 px JPEG, ${t.photos} photos one at a time: vipsthumbnail (one process / a process each)`, `${t.vipsthumbnailOneProcess} / ${t.vipsthumbnailPerFile} photos/min`, '', ''],
    ['export / vipsthumbnail, no adjustments (metadata none / all)', `${t.ratioNoAdjustments} / ${t.ratioMetadataAll} (${t.shoeboxMetadataNone} / ${t.shoeboxMetadataAll} photos/min)`, '≥ 0.8', verdict(t.ratioNoAdjustments, 0.8, true)],
    ['export / vipsthumbnail, Landscape-like preset', `${t.ratioLandscapeLike} (${t.shoeboxLandscapeLike} photos/min)`, '', 'info'],
    [
      `high_priority request → analysed during an export of ${waiting.exportPhotos}${o.quick ? ' (--quick)' : ''} (${waiting.requests} requests; ${waiting.duringExport} while it ran)`,
      `p50 ${waiting.p50} ms, p95 ${waiting.p95} ms, max ${waiting.max} ms`,
      'p95 < 1000 ms',
      waiting.duringExport === 0 ? 'not measured: the export ended first' : verdict(waiting.p95, 1000, false, ' ms'),
    ],
  ];
  return { rows, result: { throughput, waiting, quick: o.quick } };
}
