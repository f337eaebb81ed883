/**
 * Shutdown of `shoebox analyze`, seen from outside as a person (or a service manager) would: SIGTERM
 * with a photo stuck in a stage waits the grace period, then kills the worker and hands the photo back;
 * a second Ctrl-C forces without waiting; afterwards no process of the library is left (/proc, not pid
 * files), and the next run finishes the rest without redoing finished stages (stage_runs).
 *
 * The stuck photo comes from the worker's test-only fault hook (src-worker/test-crash-hook.ts).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { assertLibraryAccounted } from './helpers/accounting.js';
import { lastJson, runCli, startCli } from './helpers/cli.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { libraryProcesses } from './helpers/library-processes.js';

const PHOTOS = 6;

/** Whether a pid is a live process (a zombie is not). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe('shutdown of a running analyze', () => {
  let photos: string;
  let stuckPath: string;
  before(async () => {
    photos = makeTempDir('shutdown-photos');
    await generatePhotos(photos, PHOTOS - 1, { width: 640, height: 480 });
    await generatePhotos(photos, 1, { width: 640, height: 480, prefix: 'stuck' });
    stuckPath = path.join(photos, 'stuck-00000.jpg');
  });
  after(() => removeDir(photos));

  /** Starts analyze with the stuck photo hanging in `detect`; resolves once it is there, with the library's processes. */
  async function startStuck(dataDir: string, graceMs: number) {
    const run = startCli(['analyze', photos, '--data', dataDir, '--json', '--no-progress'], {
      SHOEBOX_SHUTDOWN_GRACE_MS: String(graceMs),
      SHOEBOX_TEST_FAULT: 'hang:detect:stuck-',
    });
    let store: Store | null = null;
    try {
      await waitFor(() => fs.existsSync(libraryPaths(dataDir).engineFile), 90_000, 'the engine to start');
      store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
      const s = store;
      await waitFor(
        async () => (await s.sql.get(`SELECT 1 AS x FROM stage_runs r JOIN photos p ON p.id = r.photo_id WHERE p.path = ? AND r.stage = 'detect'`, [stuckPath])) !== undefined,
        120_000,
        'the stuck photo to reach detect',
      );
    } finally {
      await store?.close();
    }
    const processes = libraryProcesses(dataDir);
    assert.ok(processes.some((p) => /redis-server/.test(p.what)), `the library's redis-server is seen: ${JSON.stringify(processes)}`);
    assert.ok(processes.filter((p) => /worker/.test(p.what)).length >= 2, `its workers are seen: ${JSON.stringify(processes)}`);
    return { run, pids: processes.map((p) => p.pid) };
  }

  /** After the CLI exited: the processes it ended may take a moment to be reaped; then none may be left. */
  async function assertNothingLeft(dataDir: string, pids: number[]): Promise<void> {
    const gone = () => libraryProcesses(dataDir).length === 0 && pids.filter(running).length === 0;
    await waitFor(gone, 15_000, 'the library\'s processes to be gone').catch(() => undefined);
    assert.deepEqual(libraryProcesses(dataDir), [], 'no process of the library is left');
    const left = pids.filter(running).map((pid) => `${pid} ${fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').slice(0, 3).join(' ')}`);
    assert.deepEqual(left, [], 'every process seen during the run is gone');
    assert.equal(fs.existsSync(libraryPaths(dataDir).engineFile), false);
  }

  it('SIGTERM: the grace period is honoured, the stuck worker is then killed, nothing is left, and the next run redoes no finished stage', { timeout: 300_000 }, async () => {
    const dataDir = makeTempDir('sigterm');
    try {
      const graceMs = 4000;
      const { run, pids } = await startStuck(dataDir, graceMs);
      const signalled = Date.now();
      run.child.kill('SIGTERM');
      const first = await run.done;
      const waited = Date.now() - signalled;
      assert.equal(first.code, 130, first.stderr);
      assert.equal(lastJson<{ interrupted: boolean }>(first.stdout).interrupted, true);
      // The photo in hand was waited for (not a speed check: a lower bound the shutdown promises).
      assert.ok(waited >= graceMs, `stopped after ${waited} ms, before the ${graceMs} ms grace period`);
      const engineLog = fs.readdirSync(libraryPaths(dataDir).logsDir).filter((f) => f.startsWith('engine')).map((f) => fs.readFileSync(path.join(libraryPaths(dataDir).logsDir, f), 'utf8')).join('');
      assert.match(engineLog, new RegExp(`did not finish within ${graceMs} ms; killing it`));
      await assertNothingLeft(dataDir, pids);

      // Resume without the fault: everything completes; the stuck photo's CPU stages (done before it
      // hung) ran once, its detect twice (the first run never finished: the kill).
      const second = await runCli(['analyze', photos, '--data', dataDir, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const summary = lastJson<{ completed: number; skipped: number; failed: number }>(second.stdout);
      assert.equal(summary.completed + summary.skipped, PHOTOS, JSON.stringify(summary));
      const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
      try {
        const stuck = (await store.photos.getByPaths([stuckPath])).get(stuckPath)!;
        assert.equal(stuck.state, 'done');
        const runs = await new StageRunsRepo(store.sql).listForPhoto(stuck.id);
        const of = (stage: string) => runs.filter((r) => r.stage === stage).map((r) => r.outcome);
        assert.deepEqual(of('preprocess'), ['done'], 'preprocess is not redone on resume');
        assert.deepEqual(of('metadata'), ['done'], 'metadata is not redone on resume');
        assert.deepEqual(of('detect'), ['running', 'done']);
        // No finished stage of any photo ran again after the interruption.
        const rewritten = await store.sql.all<{ photo_id: string; stage: string }>(
          `SELECT photo_id, stage FROM stage_runs WHERE outcome IN ('done', 'skipped') GROUP BY photo_id, revision, stage HAVING COUNT(*) > 1`,
        );
        assert.deepEqual(rewritten, []);
        await assertLibraryAccounted(store);
      } finally {
        await store.close();
      }
      assert.deepEqual(libraryProcesses(dataDir), []);
    } finally {
      removeDir(dataDir);
    }
  });

  it('a second Ctrl-C forces: the grace period is not waited for, and nothing is left', { timeout: 300_000 }, async () => {
    const dataDir = makeTempDir('sigint2');
    try {
      const graceMs = 600_000;
      const { run, pids } = await startStuck(dataDir, graceMs);
      let stderr = '';
      run.child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      run.child.kill('SIGINT');
      await waitFor(() => /Stopping: finishing the photos in hand/.test(stderr), 30_000, 'the first Ctrl-C to be taken');
      // 'exit', not the end of its output: a worker or redis-server left behind would hold the pipes open.
      const exited = new Promise<number | null>((resolve) => run.child.once('exit', (code) => resolve(code)));
      run.child.kill('SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /Forcing stop/);
      // Ended well inside the (ten-minute) grace period the first Ctrl-C would have waited.
      await assertNothingLeft(dataDir, pids);
      await run.done;
    } finally {
      for (const p of libraryProcesses(dataDir)) process.kill(p.pid, 'SIGKILL');
      removeDir(dataDir);
    }
  });
});
