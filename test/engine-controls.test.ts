import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { LibraryOperations } from '../src-main/engine/operations.js';
import { redisOptions } from '../src-core/redis-endpoint.js';
import { withRedisLock } from '../src-worker/redis-lock.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { photosDir } from './helpers/photos.js';

describe('controls on a running engine', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('controls-photos');
    await generatePhotos(photos, 24, { width: 800, height: 600 });
    fs.copyFileSync(path.join(photosDir, 'jpg', 'corrupted.jpg'), path.join(photos, 'corrupted.jpg'));
  });
  after(() => removeDir(photos));

  it('a pause survives a restart and says who paused it and why', async () => {
    const dataDir = makeTempDir('pause');
    try {
      let engine = await startTestEngine(dataDir);
      await new LibraryOperations(engine.store, engine.lanes, dataDir, process.pid).pause('learning', 'testing pauses');
      await engine.stop();
      engine = await startTestEngine(dataDir);
      try {
        const status = await new LibraryOperations(engine.store, engine.lanes, dataDir, process.pid).status();
        assert.equal(status.lanes!.learning.isPaused, true);
        assert.equal(status.lanes!.default.isPaused, false);
        assert.deepEqual(
          status.pauses.map((p) => [p.scope, p.by, p.reason]),
          [['learning', 'user', 'testing pauses']],
        );
      } finally {
        await engine.stop();
      }
    } finally {
      removeDir(dataDir);
    }
  });

  it('failed photos can be retried and discarded; a whole ingest can be cancelled', async () => {
    const dataDir = makeTempDir('retry');
    const engine = await startTestEngine(dataDir);
    const ops = new LibraryOperations(engine.store, engine.lanes, dataDir, process.pid);
    try {
      const summary = await engine.ingest([photos]);
      assert.equal(summary.failed, 1);
      const [failed] = await ops.failed();
      assert.equal(failed!.errorCode, 'corrupt-file');
      assert.equal(failed!.attempts, 1, 'a corrupt file is not retried by backoff: it fails at once');

      // retry: it runs again (through high_priority) and fails again with the same reason
      assert.equal(await ops.retry(failed!.jobId), 1);
      await waitFor(async () => (await engine.store.photos.get(failed!.photoId))!.state === 'failed', 30_000, 'the retried photo to fail again');
      const [again] = await ops.failed();
      assert.equal(again!.errorCode, 'corrupt-file');
      assert.equal(again!.attempts, 2);

      await ops.discard(again!.jobId);
      assert.deepEqual(await ops.failed(), []);
      assert.equal((await engine.store.photos.get(failed!.photoId))!.state, 'cancelled');

      // cancel a whole ingest while its work is paused in the queues
      await ops.pause('all');
      const more = makeTempDir('cancel-photos');
      await generatePhotos(more, 10, { width: 400, height: 300, prefix: 'cancel' });
      const ingest = engine.ingest([more]);
      let ingestId = '';
      await waitFor(async () => {
        const [latest] = await engine.store.ingests.list(1);
        ingestId = latest?.state === 'running' ? latest.id : '';
        return ingestId !== '';
      }, 30_000, 'the ingest to be queued');
      assert.equal(await ops.cancel(ingestId), 10);
      const result = await ingest;
      assert.equal(result.cancelled, 10);
      assert.equal((await engine.lanes.counts()).default.waiting + (await engine.lanes.counts()).default.paused, 0, 'its jobs left the queue');
      await ops.resume('all');
      removeDir(more);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('purging a lane drops its queued jobs; the sweep queues the unfinished photos again', async () => {
    const dataDir = makeTempDir('purge');
    const engine = await startTestEngine(dataDir);
    const ops = new LibraryOperations(engine.store, engine.lanes, dataDir, process.pid);
    try {
      await ops.pause('default');
      const ingest = engine.ingest([photos]);
      await waitFor(async () => (await engine.lanes.counts()).default.paused + (await engine.lanes.counts()).default.waiting >= 25, 30_000, 'queued jobs');
      assert.equal(await ops.purge('default'), 25);
      assert.equal((await engine.lanes.counts()).default.paused, 0);
      await ops.resume('default');
      const summary = await ingest;
      assert.equal(summary.completed + summary.failed, 25, 'no photo was silently dropped');
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('workers are recycled after N jobs without losing work', async () => {
    const dataDir = makeTempDir('recycle');
    const engine = await startTestEngine(dataDir, { recycleAfterJobs: 5 });
    try {
      const summary = await engine.ingest([photos]);
      assert.equal(summary.completed, 24);
      const cpu = engine.pool.statuses().find((s) => s.id === 'cpu-0')!;
      assert.ok(cpu.restarts >= 3, `cpu worker restarts: ${cpu.restarts}`);
      assert.equal(await engine.store.health.countDuplicateRows(), 0);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('maintenance jobs are exclusive: a second holder of the lock does not run', async () => {
    const dataDir = makeTempDir('lock');
    const engine = await startTestEngine(dataDir);
    const redis = new Redis(redisOptions(engine.endpoint));
    try {
      let inner: { ran: boolean } | null = null;
      const outer = await withRedisLock(redis, 'test', 5000, async () => {
        inner = await withRedisLock(redis, 'test', 5000, async () => 'second');
        return 'first';
      });
      assert.deepEqual(outer, { ran: true, value: 'first' });
      assert.deepEqual(inner, { ran: false });
      assert.deepEqual(await withRedisLock(redis, 'test', 5000, async () => 'after release'), { ran: true, value: 'after release' });
    } finally {
      redis.disconnect();
      await engine.stop();
      removeDir(dataDir);
    }
  });
});
