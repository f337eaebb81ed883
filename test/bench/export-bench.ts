/**
 * The export section of `npm run bench` alone (issue 16):
 *   node dist/test/bench/export-bench.js [--count N] [--megapixels M] [--export-photos N --requests R]
 * Throughput of 24 MP → 2048 px JPEG against vipsthumbnail on the same files in the same run; with
 * --export-photos, also R high_priority requests during an export of N photos (see export-section.ts).
 * Uses the bench corpus (generated once into ~/.cache/shoebox-bench).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { corpusDir, ensureCorpus } from './corpus.js';
import { exportThroughput, personWaitingDuringExport } from './export-section.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '8' },
    megapixels: { type: 'string', default: '24' },
    'export-photos': { type: 'string' },
    requests: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '2' },
  },
});
const count = Number(values.count);
const mp = Number(values.megapixels);
const requests = Number(values.requests);
const log = (line: string) => process.stdout.write(`${line}\n`);

const dir = corpusDir(mp);
const exportPhotos = values['export-photos'] === undefined ? 0 : Number(values['export-photos']);
const need = Math.max(count, exportPhotos) + requests;
log(`corpus: ${need} photos of ${mp} MP in ${dir}…`);
const files = await ensureCorpus(dir, need, mp);
const t = await exportThroughput(files.slice(0, count), log, Number(values.rounds));
log(`\nratio vs vipsthumbnail in one process, wall: metadata none ${t.ratioNoAdjustments}, metadata all ${t.ratioMetadataAll}, Landscape-like ${t.ratioLandscapeLike} (target ≥ 0.8 without adjustments)`);
log(`ratio on CPU time:                          metadata none ${t.cpuRatioNoAdjustments}, metadata all ${t.cpuRatioMetadataAll}, Landscape-like ${t.cpuRatioLandscapeLike}; CPU ms per photo ${JSON.stringify(t.cpuMsPerPhoto)}`);
if (exportPhotos > 0) {
  const n = exportPhotos;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-export-waiting-'));
  try {
    log(`\n${requests} high_priority requests during an export of ${n} photos${n < 500 ? ' (fewer than the 500 of the target)' : ''}…`);
    const w = await personWaitingDuringExport(work, files.slice(0, n), files.slice(n, n + requests), log);
    log(`high_priority request → analysed: p50 ${w.p50} ms, p95 ${w.p95} ms, max ${w.max} ms (${w.duringExport} of ${w.requests} while the export ran; ${w.exportedWhileMeasuring} photos exported meanwhile); target p95 < 1000 ms`);
    log(`  of which stage time (median ms): ${JSON.stringify(w.stageMsMedian)}`);
    log(`the same requests with the export lane paused (alternating): p50 ${w.idle.p50} ms, p95 ${w.idle.p95} ms, max ${w.idle.max} ms; stages ${JSON.stringify(w.idle.stageMsMedian)}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
process.exit(0);
