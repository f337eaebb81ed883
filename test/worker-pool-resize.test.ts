/**
 * WorkerPool.resize on a real engine (its own redis-server, forked workers, SQLite): the tray's eco
 * mode changes the number of workers live. New slots start at once; surplus ones are drained: the
 * worker finishes the job in hand, exits cleanly and its slot goes; no job is taken from it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkerExit } from '../src-main/engine/worker-pool.js';
import type { WorkerStatus } from '../src-core/store/store.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { isAlive, makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';

describe('worker pool resize (eco mode without a restart)', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('resize-photos');
    // Big enough that a preprocess job is still in hand when the drain starts.
    await generatePhotos(photos, 24, { width: 2400, height: 1800 });
  });
  after(() => removeDir(photos));

  it('starts new workers, and drains surplus ones only after their jobs are done', { timeout: 240_000 }, async () => {
    const dataDir = makeTempDir('resize');
    const engine = await startTestEngine(dataDir, { cpuWorkers: 1, mlWorkers: 1 });
    const exits: { id: string; exit: WorkerExit; detail: string }[] = [];
    const busySeen = new Set<string>();
    engine.pool.on('exit', (id: string, exit: WorkerExit, detail: string) => exits.push({ id, exit, detail }));
    engine.pool.on('status', (s: WorkerStatus) => s.state === 'busy' && busySeen.add(s.id));
    try {
      await assert.rejects(engine.pool.resize('cpu', 0), /≥ 1/);
      const firstCpu = engine.pool.pids('cpu')[0]!;

      // Grow: two more CPU workers, the first one untouched.
      await engine.pool.resize('cpu', 3);
      await engine.pool.waitUntilReady(60_000);
      assert.equal(engine.pool.size('cpu'), 3);
      assert.deepEqual(engine.pool.statuses().filter((s) => s.workerClass === 'cpu').map((s) => s.id).sort(), ['cpu-0', 'cpu-1', 'cpu-2']);
      assert.equal(engine.pool.pids('cpu').length, 3);
      assert.ok(engine.pool.pids('cpu').includes(firstCpu), 'growing does not restart the running worker');

      // Shrink while the new workers hold jobs.
      const ingest = engine.ingest([photos]);
      await waitFor(() => busySeen.has('cpu-1') || busySeen.has('cpu-2'), 60_000, 'a new CPU worker to take a job');
      const drainedPids = engine.pool.statuses().filter((s) => s.id !== 'cpu-0' && s.workerClass === 'cpu').map((s) => s.pid!);
      const shrinking = engine.pool.resize('cpu', 1);
      assert.equal(engine.pool.size('cpu'), 1, 'the surplus slots are retiring at once');
      await shrinking;
      assert.deepEqual(engine.pool.statuses().filter((s) => s.workerClass === 'cpu').map((s) => s.id), ['cpu-0']);
      assert.deepEqual(engine.pool.pids('cpu'), [firstCpu]);
      for (const pid of drainedPids) assert.equal(isAlive(pid), false, `drained worker ${pid} has exited`);
      const drained = exits.filter((e) => e.id === 'cpu-1' || e.id === 'cpu-2');
      assert.deepEqual(drained.map((e) => e.exit), ['clean-exit', 'clean-exit'], JSON.stringify(drained));

      const summary = await ingest;
      assert.equal(summary.photos, 24);
      assert.equal(summary.completed, 24, JSON.stringify(summary));
      assert.equal(summary.failed, 0);
      // No job was taken from a draining worker and run again (that would be a second attempt).
      for (const photo of await engine.store.photos.list({ limit: 100, offset: 0 })) {
        const detail = (await engine.store.photos.getDetail(photo.id))!;
        for (const stage of detail.stages) assert.equal(stage.attempts, 1, `${photo.path} ${stage.stage} ran ${stage.attempts} times`);
      }
      assert.ok(!exits.some((e) => e.exit === 'crashed' || e.exit === 'killed'), JSON.stringify(exits));

      // The ML class too, and back; a drained idle worker exits at once.
      await engine.pool.resize('ml', 2);
      await engine.pool.waitUntilReady(60_000);
      assert.equal(engine.pool.pids('ml').length, 2);
      await engine.pool.resize('ml', 1);
      assert.equal(engine.pool.pids('ml').length, 1);
      // Growing again reuses the freed slot ids.
      await engine.pool.resize('cpu', 2);
      await engine.pool.waitUntilReady(60_000);
      assert.deepEqual(engine.pool.statuses().filter((s) => s.workerClass === 'cpu').map((s) => s.id).sort(), ['cpu-0', 'cpu-1']);
    } finally {
      await engine.stop();
      removeDir(dataDir);
    }
  });
});
