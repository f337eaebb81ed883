/**
 * Export throughput (issue 16): `node dist/test/bench/export-bench.js [--count N] [--megapixels M]`.
 * The same 24 MP JPEGs (generated, photo-like noise and gradients) exported to 2048 px JPEG q85, one at a
 * time, by Shoebox's renderer (no adjustments; with and without metadata copying) and by `vipsthumbnail`
 * doing the same resize in the same run (a process per file, and one process for all); prints photos/min and the ratio Shoebox / vipsthumbnail.
 * Speed is shown here, never asserted in tests.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { renderOptionsSchema } from '../../src-shared/exports.js';
import { closeExportExiftool } from '../../src-worker/export/export-metadata.js';
import { renderExport } from '../../src-worker/export/render.js';
import { generatePhotos } from '../helpers/generate-photos.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { count: { type: 'string', default: '8' }, megapixels: { type: 'string', default: '24' } } });
const count = Number(values.count);
const mp = Number(values.megapixels);
const width = Math.round(Math.sqrt((mp * 1e6 * 3) / 2));
const height = Math.round((width * 2) / 3);

async function timed(label: string, files: string[], one: (file: string, out: string) => Promise<void>): Promise<number> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `shoebox-export-bench-${label}-`));
  await one(files[0]!, path.join(outDir, 'warmup.jpg'));
  const started = process.hrtime.bigint();
  for (const [i, f] of files.entries()) await one(f, path.join(outDir, `${i}.jpg`));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  fs.rmSync(outDir, { recursive: true, force: true });
  const perMin = (files.length / seconds) * 60;
  process.stdout.write(`${label.padEnd(34)} ${perMin.toFixed(1).padStart(7)} photos/min  (${(seconds / files.length * 1000).toFixed(0)} ms each)\n`);
  return perMin;
}

async function main(): Promise<void> {
  const dir = path.join(os.tmpdir(), `shoebox-export-bench-src-${width}x${height}`);
  process.stdout.write(`generating ${count} photos of ${width}×${height} (${mp} MP) in ${dir}…\n`);
  const files = await generatePhotos(dir, count, { width, height, prefix: 'bench' });
  const options = (metadata: 'all' | 'none') => renderOptionsSchema.parse({ longEdge: 2048, quality: 85, metadata });
  const vips = await timed('vipsthumbnail --size 2048 (Q=85)', files, async (f, out) => {
    await run('vipsthumbnail', [f, '--size', '2048', '-o', `${out}[Q=85]`]);
  });
  // One process for all files: no process start per photo (the fairer baseline).
  const batchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-bench-batch-'));
  const batchStart = process.hrtime.bigint();
  await run('vipsthumbnail', [...files, '--size', '2048', '-o', path.join(batchDir, '%s.jpg[Q=85]')]);
  const batchSeconds = Number(process.hrtime.bigint() - batchStart) / 1e9;
  fs.rmSync(batchDir, { recursive: true, force: true });
  const vipsBatch = (files.length / batchSeconds) * 60;
  process.stdout.write(`${'vipsthumbnail, one process, all'.padEnd(34)} ${vipsBatch.toFixed(1).padStart(7)} photos/min  (${(batchSeconds / files.length * 1000).toFixed(0)} ms each)\n`);
  const bare = await timed('shoebox export, metadata none', files, async (f, out) => {
    await renderExport({ originalPath: f, settings: {}, options: options('none'), keywords: [], rating: null }, out);
  });
  const full = await timed('shoebox export, metadata all', files, async (f, out) => {
    await renderExport({ originalPath: f, settings: {}, options: options('all'), keywords: ['k'], rating: 3 }, out);
  });
  const preset = await timed('shoebox export, Landscape-like', files, async (f, out) => {
    await renderExport({ originalPath: f, settings: { Contrast2012: '+15', Highlights2012: '-40', Shadows2012: '+25', Vibrance: '+25', Sharpness: '50' }, options: options('none'), keywords: [], rating: null }, out);
  });
  await closeExportExiftool();
  const ratio = (x: number, base: number) => (x / base).toFixed(2);
  process.stdout.write(`\nratio vs vipsthumbnail per file (a process each): metadata none ${ratio(bare, vips)}, metadata all ${ratio(full, vips)}, with adjustments ${ratio(preset, vips)}\n`);
  process.stdout.write(`ratio vs vipsthumbnail in one process:          metadata none ${ratio(bare, vipsBatch)}, metadata all ${ratio(full, vipsBatch)}, with adjustments ${ratio(preset, vipsBatch)} (target ≥ 0.8 without adjustments)\n`);
}

await main();
