/**
 * Bench: the library check of a large unchanged library (issue 18: 20,000 photos in seconds, memory
 * flat). The library is written through the store the way a finished ingest leaves it (see
 * large-library.ts), then the real check runs over it: one stat per photo, no file read.
 *
 *   node dist/test/bench/library-check-bench.js [--photos 20000] [--reps 3]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { checkLibrary } from '../../src-core/maintenance/library-check.js';
import { libraryPaths } from '../../src-core/paths.js';
import { MaintenanceRepo } from '../../src-core/store/repos/maintenance-repo.js';
import { openStore } from '../../src-core/store/open-store.js';
import { corpusDir } from './corpus.js';
import { ensureSmallFiles, writeFinishedLibrary } from './large-library.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '20000' }, reps: { type: 'string', default: '3' } } });
const n = Number(values.photos);
const reps = Number(values.reps);

const dir = await ensureSmallFiles(path.join(path.dirname(corpusDir(1)), `small-${n}`), n, (done) => console.error(`  files ${done}/${n}`));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-check-bench-'));
try {
  const photos = await writeFinishedLibrary(dataDir, dir);
  const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
  const repo = new MaintenanceRepo(store.sql);
  const runs: Array<{ seconds: number; peakRssMb: number; rssBeforeMb: number; heapAfterMb: number; unchanged: number }> = [];
  for (let rep = 0; rep < reps; rep++) {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    const started = performance.now();
    const result = await checkLibrary({ repo, reanalyse: async () => undefined });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    const mb = (bytes: number) => Math.round(bytes / 1048576);
    runs.push({ seconds: Math.round(seconds * 100) / 100, rssBeforeMb: mb(rssBefore), peakRssMb: mb(peak), heapAfterMb: mb(process.memoryUsage().heapUsed), unchanged: result.unchanged });
    console.error(`  check ${rep + 1}: ${seconds.toFixed(2)} s, ${result.unchanged}/${result.checked} unchanged, rss ${mb(rssBefore)} → peak ${mb(peak)} MB`);
  }
  await store.close();
  console.log(JSON.stringify({ bench: 'library-check (unchanged library, SQLite)', photos, cores: os.cpus().length, runs }, null, 2));
} finally {
  fs.rmSync(dataDir, { recursive: true, force: true });
}
