import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatChaos, runChaos, summaryLine } from './chaos/chaos.js';

/**
 * The short form of `npm run chaos`: small photos, a few worker kills, one redis-server kill, one
 * engine kill and a second `analyze` on the same library. Nothing lost, nothing duplicated.
 */
describe('chaos ingest (short form)', () => {
  it('kill -9 of workers, redis-server and the engine loses and duplicates nothing', { timeout: 240_000 }, async () => {
    const photos = 150;
    const lines: string[] = [];
    const result = await runChaos({
      photos,
      width: 320,
      height: 240,
      workerKillEveryMs: 2500,
      maxWorkerKills: 4,
      redisKillAt: 0.15,
      engineKillAt: 0.4,
      calm: false,
      seed: 5,
      timeoutMs: 180_000,
      env: { SHOEBOX_BACKOFF_BASE_MS: '200', SHOEBOX_BACKOFF_CAP_MS: '1000', SHOEBOX_SHUTDOWN_GRACE_MS: '5000' },
      log: (line) => lines.push(line),
    });
    process.stdout.write(`${lines.join('\n')}\n${formatChaos(result, photos)}\n${summaryLine(result, photos)}\n`);

    assert.ok(result.workerKills >= 2, `only ${result.workerKills} worker kills happened`);
    assert.equal(result.redisKills, 1, 'redis-server was killed once');
    assert.equal(result.engineKills, 1, 'the engine was killed once');
    assert.equal(result.runs, 2);
    assert.deepEqual(result.exitCodes, [null, 0], 'the first analyze was killed, the second finished');
    assert.equal(result.found, photos);
    assert.equal(result.stored, photos);
    assert.equal(result.completed + result.failedWithReason, photos);
    assert.equal(result.lost, 0);
    assert.equal(result.duplicated, 0, `stored twice: ${JSON.stringify(result.duplicates)}`);
    // Every stage of every photo ran at least once, and the kills made some run again.
    assert.ok(result.stageRuns.executions >= result.completed * 6, `stage executions: ${JSON.stringify(result.stageRuns)}`);
    // A kill that landed mid-stage leaves that run unfinished; each such stage ran again (at-least-once).
    // (A kill of an idle worker interrupts nothing, so how many there are depends on timing.)
    assert.ok(result.stageRuns.reExecutions >= result.stageRuns.unfinished, `stage runs: ${JSON.stringify(result.stageRuns)}`);
    assert.equal(result.integrity, 'ok');
    assert.deepEqual(result.unspecific, [], 'every failure has a specific reason');
    assert.deepEqual(result.leftovers, [], 'no redis-server or worker left running');
    assert.match(summaryLine(result, photos), /lost=0 duplicated=0$/);
  });
});
