/**
 * Failure paths of a real engine: a worker that dies three times on one photo, a stage that never
 * ends, a worker above its memory ceiling, and a Redis filling up. The first two are staged with the
 * worker's test-only fault hook (SHOEBOX_TEST_FAULT, src-worker/test-crash-hook.ts), read by the
 * forked workers from the environment.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { assertLibraryAccounted } from './helpers/accounting.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';

describe('failure paths of a running engine', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('failure-photos');
    await generatePhotos(photos, 2, { width: 640, height: 480 });
    await generatePhotos(photos, 1, { width: 640, height: 480, prefix: 'doomed' });
    await generatePhotos(photos, 1, { width: 640, height: 480, prefix: 'slow' });
  });
  after(() => removeDir(photos));

  it('a worker dying three times on one photo fails it as "worker crashed"; a stage that never ends fails as stage-timeout; the rest completes', { timeout: 300_000 }, async () => {
    const dataDir = makeTempDir('failures');
    const before = process.env.SHOEBOX_TEST_FAULT;
    process.env.SHOEBOX_TEST_FAULT = 'crash:preprocess:doomed-;hang:metadata:slow-';
    const engine = await startTestEngine(dataDir, { stageTimeoutMs: 1500, cpuConcurrency: 1 });
    try {
      const summary = await engine.ingest([photos]);
      assert.deepEqual([summary.photos, summary.completed, summary.failed], [4, 2, 2], JSON.stringify(summary));
      const failed = await engine.store.photos.listFailed(10, 0);
      const byName = new Map(failed.map((f) => [path.basename(f.path).split('-')[0], f]));
      const doomed = byName.get('doomed');
      assert.equal(doomed?.errorCode, 'worker-crashed', JSON.stringify(failed));
      assert.match(doomed!.error, /worker crashed/);
      const slow = byName.get('slow');
      assert.equal(slow?.errorCode, 'stage-timeout', JSON.stringify(failed));
      assert.equal(slow?.stage, 'metadata');
      assert.match(slow!.error, /stage metadata took longer than 1500 ms/);

      // Three executions of the doomed photo's preprocess, none finished: each killed its worker.
      const runs = await new StageRunsRepo(engine.store.sql).listForPhoto(doomed!.photoId);
      const preprocess = runs.filter((r) => r.stage === 'preprocess');
      assert.equal(preprocess.length, 3, JSON.stringify(runs));
      assert.ok(preprocess.every((r) => r.outcome === 'running'));
      assert.equal(new Set(preprocess.map((r) => r.workerId)).size, 3, 'each attempt ran in a fresh worker process');
      const cpu = engine.pool.statuses().find((s) => s.id === 'cpu-0')!;
      assert.ok(cpu.restarts >= 3, `cpu worker restarts: ${cpu.restarts}`);
      await assertLibraryAccounted(engine.store);
    } finally {
      if (before === undefined) delete process.env.SHOEBOX_TEST_FAULT;
      else process.env.SHOEBOX_TEST_FAULT = before;
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('a worker above its memory ceiling is recycled between jobs, losing nothing', { timeout: 300_000 }, async () => {
    const dataDir = makeTempDir('ceiling');
    // 128 MB (the lowest allowed) is below what an ML worker with its models loaded holds.
    const engine = await startTestEngine(dataDir, { workerMemoryCeilingMb: 128 });
    const exits: string[] = [];
    engine.pool.on('exit', (id: string, how: string, detail: string) => exits.push(`${id} ${how} ${detail}`));
    try {
      const summary = await engine.ingest([photos]);
      assert.equal(summary.completed + summary.failed, 4);
      assert.equal(summary.failed, 0, 'no fault hook here: every photo completes');
      assert.ok(exits.some((e) => /^ml-0 recycled recycled at \d+ MB \(ceiling 128 MB\)$/.test(e)), exits.join('\n'));
      await assertLibraryAccounted(engine.store);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('the bundled Redis near its memory limit raises a warning, which clears when it drains', { timeout: 120_000 }, async () => {
    const dataDir = makeTempDir('redis-memory');
    const engine = await startTestEngine(dataDir, { redisMaxMemoryMb: 64 });
    const keys: string[] = [];
    const usedShare = async (): Promise<number> => {
      const info = await engine.lanes.redis.info('memory');
      return Number(/used_memory:(\d+)/.exec(info)?.[1]) / Number(/maxmemory:(\d+)/.exec(info)?.[1]);
    };
    try {
      assert.equal(engine.redisMemoryWarning, null);
      // Fill it to between 90 % and its limit, 1 MB (1.6 %) at a time (a write past the limit is refused:
      // noeviction). 90 %, not the warning's 85 %: Redis's own overhead moves by a few hundred KB (client
      // buffers), and a fill that stopped just over 85 % could read under it at the engine's next check.
      while ((await usedShare()) < 0.9) {
        keys.push(`test:fill:${keys.length}`);
        await engine.lanes.redis.set(keys.at(-1)!, Buffer.alloc(1024 * 1024, 1));
      }
      await waitFor(() => engine.redisMemoryWarning !== null, 60_000, 'the Redis memory warning');
      assert.match(engine.redisMemoryWarning!, /^Redis memory at (8\d|9\d|1\d\d) % of its 64 MB limit$/);
      const log = fs.readFileSync(path.join(dataDir, 'logs', fs.readdirSync(path.join(dataDir, 'logs')).find((f) => f.startsWith('engine'))!), 'utf8');
      assert.match(log, /Redis memory at \d+ % of its 64 MB limit: raise SHOEBOX_REDIS_MAXMEMORY_MB/);
      await engine.lanes.redis.del(...keys);
      await waitFor(() => engine.redisMemoryWarning === null, 60_000, 'the warning to clear');
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });
});
