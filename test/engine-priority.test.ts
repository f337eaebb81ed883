import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generatePhotos } from './helpers/generate-photos.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { photosDir } from './helpers/photos.js';

describe('high_priority overtakes a bulk ingest', () => {
  let bulk: string;
  let single: string;
  before(async () => {
    bulk = makeTempDir('prio-bulk');
    single = makeTempDir('prio-single');
    await generatePhotos(bulk, 80, { width: 1600, height: 1200 });
    fs.copyFileSync(path.join(photosDir, 'jpg', 'Canon_40D.jpg'), path.join(single, 'asked-for.jpg'));
  });
  after(() => {
    removeDir(bulk);
    removeDir(single);
  });

  for (const interactiveWorker of [true, false]) {
    const how = interactiveWorker ? 'the interactive worker (default)' : "the bulk workers' own high_priority slot";
    it(`a photo asked for during a bulk ingest finishes before the bulk work queued ahead of it, through ${how}`, async () => {
      const dataDir = makeTempDir('prio');
      const engine = await startTestEngine(dataDir, { cpuConcurrency: 1, interactiveWorker });
      try {
        if (interactiveWorker) {
          // The bulk processes gave themselves the background niceness; the interactive one did not.
          for (const pid of [...engine.pool.pids('cpu'), ...engine.pool.pids('ml')]) assert.equal(os.getPriority(pid), engine.config.backgroundNiceness);
          const [interactive] = engine.pool.pids('interactive');
          assert.ok(interactive, 'an interactive worker runs');
          assert.equal(os.getPriority(interactive), 0);
        } else {
          assert.deepEqual(engine.pool.pids('interactive'), []);
        }
        let bulkCompleted = 0;
        const bulkIngest = engine.ingest([bulk], { onProgress: (p) => (bulkCompleted = p.totals.completed) });
        await waitFor(() => bulkCompleted >= 3, 60_000, 'the bulk ingest to be under way');
        let heldSeen = false;
        const watchHold = setInterval(() => (heldSeen ||= engine.pool.bulkHeldNow), 10);
        const asked = await engine.ingest([single], { lane: 'high_priority' }).finally(() => clearInterval(watchHold));
        assert.equal(asked.completed, 1);
        if (interactiveWorker) {
          assert.ok(heldSeen, 'the bulk workers were held while the interactive worker had the photo');
          await waitFor(() => !engine.pool.bulkHeldNow, 5_000, 'the bulk workers to be released');
        } else {
          assert.equal(heldSeen, false);
        }
        // Everything of the bulk ingest was queued before the single photo; most of it is still waiting.
        const photos = await engine.store.photos.list({ limit: 1000, offset: 0 });
        const bulkDone = photos.filter((p) => p.path.startsWith(bulk) && p.state === 'done').length;
        assert.ok(bulkDone < 80 - 20, `the asked-for photo waited for the bulk work: ${bulkDone}/80 bulk photos were already done`);
        if (interactiveWorker) {
          // Its cpu and ml jobs, and their follow-ups on the same lane (group, cluster-faces), all run in
          // the interactive process.
          const interactiveJobs = () => engine.pool.statuses().find((w) => w.workerClass === 'interactive')?.jobsDone ?? 0;
          await waitFor(() => interactiveJobs() >= 4, 60_000, 'the photo\'s follow-up jobs in the interactive worker');
          assert.equal(interactiveJobs(), 4);
        }
        const summary = await bulkIngest;
        assert.equal(summary.completed, 80);
      } finally {
        await engine.stop();
        removeDir(dataDir);
      }
    });
  }
});
