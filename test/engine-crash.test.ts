import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { isAlive, makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';

/**
 * Kill -9 of a worker and of redis-server in the middle of an ingest: every photo still ends
 * completed (or failed with a reason), none twice.
 */
describe('crashes mid-ingest lose no photo', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('crash-photos');
    await generatePhotos(photos, 60, { width: 1600, height: 1200 });
  });
  after(() => removeDir(photos));

  async function assertAllAccounted(engine: Engine, ingestId: string, expected: number): Promise<void> {
    const totals = await engine.store.ingests.totals(ingestId);
    assert.equal(totals.photos, expected);
    assert.equal(totals.completed + totals.failed, expected, `lost photos: ${JSON.stringify(totals)}`);
    for (const failed of await engine.store.photos.listFailed(1000, 0)) {
      assert.ok(failed.error.length > 0 && failed.errorCode !== 'internal', `failure without a specific reason: ${JSON.stringify(failed)}`);
    }
    assert.equal(await engine.store.health.countDuplicateRows(), 0);
    assert.equal(await engine.store.health.integrityCheck(), 'ok');
  }

  it('kill -9 of a worker: the worker is restarted and its jobs are picked up again', async () => {
    const dataDir = makeTempDir('crash-worker');
    const engine = await startTestEngine(dataDir, { cpuConcurrency: 2 });
    try {
      let completed = 0;
      const ingest = engine.ingest([photos], { onProgress: (p) => (completed = p.totals.completed) });
      await waitFor(() => completed >= 5, 60_000, 'the first photos');
      const [victim] = engine.pool.pids('cpu');
      process.kill(victim!, 'SIGKILL');
      await waitFor(() => engine.pool.pids('cpu').some((pid) => pid !== victim), 10_000, 'a restarted cpu worker');
      const summary = await ingest;
      assert.equal(summary.interrupted, false);
      await assertAllAccounted(engine, summary.ingestId, 60);
      assert.equal(summary.failed, 0, 'a job interrupted once by a crash is retried, not failed');
      const cpu = engine.pool.statuses().find((s) => s.id === 'cpu-0')!;
      assert.ok(cpu.restarts >= 1);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });

  it('kill -9 of redis-server: it is restarted, the AOF reloaded, and the ingest finishes', async () => {
    const dataDir = makeTempDir('crash-redis');
    const engine = await startTestEngine(dataDir);
    try {
      let completed = 0;
      const ingest = engine.ingest([photos], { onProgress: (p) => (completed = p.totals.completed) });
      await waitFor(() => completed >= 5, 60_000, 'the first photos');
      const redisPid = engine.redis!.pid!;
      process.kill(redisPid, 'SIGKILL');
      await waitFor(() => engine.redis!.pid !== null && engine.redis!.pid !== redisPid, 20_000, 'a restarted redis-server');
      const summary = await ingest;
      await assertAllAccounted(engine, summary.ingestId, 60);
      assert.ok(engine.redis!.restartCount >= 1);
      assert.equal(isAlive(redisPid), false);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });
});
