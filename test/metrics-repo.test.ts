/**
 * Metrics in the store, on both databases: samples merge into minute and quarter-hour buckets (counts
 * summed, gauges keeping average and peak, a missing reading left out), read back by range, regrouped
 * for drawing, pruned past their retention; stage runs counted by stage and outcome per interval.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gaugeAverage, perMinute, prefixPerMinute, regroup } from '../src-shared/metrics.js';
import { openStore } from '../src-core/store/open-store.js';
import { MetricsRepo } from '../src-core/store/repos/metrics-repo.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import type { Store } from '../src-core/store/store.js';
import { storeBackends } from './helpers/store-backends.js';

const T0 = Date.UTC(2026, 10, 30, 3, 0, 0); // on a quarter-hour

for (const backend of storeBackends()) {
  describe(`metrics repository: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    before(async () => {
      store = await openStore(await backend.setup());
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
    });

    it('merges samples into minute and quarter-hour buckets', async () => {
      const repo = new MetricsRepo(store.sql);
      await repo.record(T0 + 5_000, { counts: { 'done.preprocess': 10, 'failed.detect': 1 }, gauges: { cpu: 40, 'depth.default': 100, gpuTemp: null } });
      await repo.record(T0 + 35_000, { counts: { 'done.preprocess': 20 }, gauges: { cpu: 80, 'depth.default': 60 } });
      await repo.record(T0 + 61_000, { counts: { 'done.preprocess': 6 }, gauges: { cpu: 30 } });

      const minutes = await repo.series(60, T0, T0 + 3600_000);
      assert.deepEqual(minutes.map((b) => [b.at - T0, b.samples]), [[0, 2], [60_000, 1]]);
      const first = minutes[0]!;
      assert.deepEqual(first.counts, { 'done.preprocess': 30, 'failed.detect': 1 });
      assert.deepEqual(first.gauges.cpu, { sum: 120, max: 80, n: 2 });
      assert.equal(first.gauges.gpuTemp, undefined, 'a reading this machine lacks is left out');
      assert.equal(gaugeAverage(first, 'cpu'), 60);
      assert.equal(perMinute(first, 'done.preprocess'), 30);
      assert.equal(prefixPerMinute(first, 'failed.'), 1);

      const [quarter] = await repo.series(900, T0, T0 + 3600_000);
      assert.equal(quarter!.samples, 3);
      assert.deepEqual(quarter!.counts, { 'done.preprocess': 36, 'failed.detect': 1 });
      assert.deepEqual(quarter!.gauges.cpu, { sum: 150, max: 80, n: 3 });
      assert.equal(perMinute(quarter!, 'done.preprocess'), 36 / 15);

      const [fiveMin] = regroup(minutes, 300);
      assert.equal(fiveMin!.at, T0);
      assert.deepEqual(fiveMin!.counts, quarter!.counts);
      assert.deepEqual(await repo.series(60, T0 + 120_000, T0 + 3600_000), []);
    });

    it('prunes each resolution past its retention', async () => {
      const repo = new MetricsRepo(store.sql);
      const before = await repo.count();
      // 25 hours later: the minute buckets (kept 24 h) go, the quarter-hour one (kept 8 days) stays.
      assert.equal(await repo.prune(T0 + 25 * 3600_000), 2);
      assert.equal(await repo.count(), before - 2);
      assert.equal((await repo.series(900, T0, T0 + 3600_000)).length, 1);
      assert.equal(await repo.prune(T0 + 9 * 24 * 3600_000), 1);
      assert.equal(await repo.count(), 0);
    });

    it('counts the stage runs that ended in an interval, by stage and outcome', async () => {
      const runs = new StageRunsRepo(store.sql);
      const at = (s: number) => new Date(T0 + s * 1000);
      const run = async (stage: string, outcome: 'done' | 'failed' | 'skipped' | null, endS: number) => {
        const id = await runs.start({ photoId: `p-${stage}-${endS}`, revision: 0, stage, attempt: 1, jobId: null, workerId: 'cpu-0' }, at(endS - 1));
        if (outcome) await runs.finish(id, outcome, outcome === 'failed' ? 'corrupt-file' : null, at(endS));
      };
      await run('preprocess', 'done', 10);
      await run('preprocess', 'skipped', 20);
      await run('detect', 'failed', 30);
      await run('detect', null, 40); // still running: not counted
      await run('embed', 'done', 70); // the next minute
      assert.deepEqual(await new MetricsRepo(store.sql).stageCounts(at(0), at(60)), { 'done.preprocess': 2, 'failed.detect': 1 });
      assert.deepEqual(await new MetricsRepo(store.sql).stageCounts(at(60), at(120)), { 'done.embed': 1 });
      // The cleanup's retention: finished runs before the cut go, a run still `running` stays.
      assert.equal(await runs.pruneFinishedBefore(at(60)), 3);
      assert.equal(await runs.count(), 2);
    });
  });
}
