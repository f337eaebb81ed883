/**
 * Culling cost: the `group` job's work per photo (ms, p50/p95) as photos arrive one by one, and a full
 * regroup of the library, on a library written through the store (SQLite, the sqlite-vec index):
 * N photos in scenes — each scene a few copies or a burst of frames 0.4 s apart, descriptors near the
 * scene's — plus unrelated photos. Memory: RSS before and after the regroup.
 *
 *   node dist/test/bench/culling-bench.js [--photos 2000]      (20000 for the library size)
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { groupPhoto, regroupAll } from '../../src-core/culling/culling-service.js';
import { GroupsRepo } from '../../src-core/store/repos/groups-repo.js';
import { openStore } from '../../src-core/store/open-store.js';
import { EMBEDDING_DIMS, EMBEDDING_MODEL } from '../../src-worker/ml/embedding.js';
import { mulberry32 } from '../helpers/prng.js';

const { values } = parseArgs({ options: { photos: { type: 'string', default: '2000' } } });
const N = Number(values.photos);

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-cull-bench-'));
  const store = await openStore({ kind: 'sqlite', sqlitePath: path.join(dir, 'library.db') });
  const rand = mulberry32(7);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  try {
    await store.ingests.create('bench', ['/bench']);
    const ids: string[] = [];
    let written = 0;
    const t0 = performance.now();
    for (let scene = 0; written < N; scene++) {
      const centre = unit(Float32Array.from({ length: EMBEDDING_DIMS }, gauss));
      const kind = scene % 3; // 0: copies, 1: a burst, 2: a lone photo
      const size = kind === 2 ? 1 : 2 + Math.floor(rand() * 5);
      const baseMs = Date.UTC(2020, 0, 1) + scene * 60_000;
      for (let k = 0; k < size && written < N; k++, written++) {
        const id = `p${String(written).padStart(6, '0')}`;
        const jitter = kind === 0 ? 0.02 : 0.12;
        const v = unit(centre.map((x) => x + jitter * gauss() / Math.sqrt(EMBEDDING_DIMS) * 4));
        await store.ingests.registerFiles('bench', [{ kind: 'new', photoId: id, path: `/bench/${id}.jpg`, size: 2_000_000, mtimeMs: written }]);
        await store.progress.saveDerivatives(id, 0, { thumbnailPath: `t/${id}`, previewPath: `p/${id}`, width: 4000, height: 3000, dhash: '0f0f0f0f0f0f0f0f', format: 'jpeg' });
        const taken = kind === 1 ? new Date(baseMs + 400 * k).toISOString().slice(0, 19) : kind === 0 ? new Date(baseMs).toISOString().slice(0, 19) : null;
        await store.progress.saveMetadata(id, 0, {
          takenAt: taken, make: 'Bench', model: 'Cam', lens: null, orientation: 1, width: 4000, height: 3000, iso: null,
          exposureTime: null, fNumber: null, focalLength: null, gps: null, rating: null, keywords: [],
        });
        await store.progress.saveResult(id, 0, 'detect', { faces: [], objects: [], text: [] });
        await store.progress.saveResult(id, 0, 'quality', { score: 4, parts: { sharpness: 0.8, laplacianVariance: 800 + 400 * rand(), clippedHighlights: 0, clippedShadows: 0 } });
        await store.progress.saveResult(id, 0, 'embed', { model: EMBEDDING_MODEL, dims: EMBEDDING_DIMS, vector: Buffer.from(v.buffer).toString('base64') });
        await store.progress.completePhoto(id, 0);
        ids.push(id);
      }
    }
    const writeS = (performance.now() - t0) / 1000;
    // Incremental: each photo's group job, in arrival order (the library grows as it goes).
    const perPhoto: number[] = [];
    for (const id of ids) {
      const t = performance.now();
      await groupPhoto(store, id);
      perPhoto.push(performance.now() - t);
    }
    const repo = new GroupsRepo(store.sql);
    const incremental = { duplicate: await repo.countGroups('duplicate'), burst: await repo.countGroups('burst') };
    const rssBefore = process.memoryUsage.rss();
    const t1 = performance.now();
    const regroup = await regroupAll(store);
    const regroupS = (performance.now() - t1) / 1000;
    const rssAfter = process.memoryUsage.rss();
    const result = {
      photos: N,
      writeSeconds: Math.round(writeS * 10) / 10,
      groupJobMs: { p50: Math.round(pct(perPhoto, 0.5) * 10) / 10, p95: Math.round(pct(perPhoto, 0.95) * 10) / 10, mean: Math.round((perPhoto.reduce((a, b) => a + b, 0) / perPhoto.length) * 10) / 10 },
      incrementalGroups: incremental,
      regroup: { seconds: Math.round(regroupS * 10) / 10, groups: regroup.groups },
      rssMb: { beforeRegroup: Math.round(rssBefore / 1048576), afterRegroup: Math.round(rssAfter / 1048576) },
    };
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
