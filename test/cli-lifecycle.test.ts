import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import { lastJson, runCli, startCli } from './helpers/cli.js';
import { isAlive, makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';

async function doneCount(dataDir: string): Promise<number> {
  const file = path.join(dataDir, 'library.sqlite');
  if (!fs.existsSync(file)) return 0;
  const store = await openStore({ kind: 'sqlite', sqlitePath: file });
  try {
    return (await store.photos.countByState()).done;
  } catch {
    return 0;
  } finally {
    await store.close();
  }
}

describe('CLI usage and errors', () => {
  const dir = makeTempDir('cli');
  after(() => removeDir(dir));
  it('exits 2 on usage errors, with a one-line reason', async () => {
    const unknown = await runCli(['frobnicate']);
    assert.equal(unknown.code, 2);
    const missing = await runCli(['analyze', path.join(dir, 'does-not-exist'), '--data', dir]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no such file or folder/);
    const badLane = await runCli(['pause', 'fast_lane', '--data', dir]);
    assert.equal(badLane.code, 2);
    assert.match(badLane.stderr, /unknown lane "fast_lane"/);
  });
  it('exits 1 when there is no library, or no engine to act on queues', async () => {
    const status = await runCli(['status', '--data', path.join(dir, 'nowhere')]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /no library at/);
    const photos = makeTempDir('cli-photos');
    await generatePhotos(photos, 2, { width: 200, height: 150 });
    assert.equal((await runCli(['analyze', photos, '--data', dir, '--json'])).code, 0);
    const pause = await runCli(['pause', '--data', dir]);
    assert.equal(pause.code, 1);
    assert.match(pause.stderr, /no engine is running on/);
    const status2 = await runCli(['status', '--data', dir, '--json']);
    assert.equal(status2.code, 0);
    assert.equal(JSON.parse(status2.stdout).photos.done, 2);
    removeDir(photos);
  });
});

describe('interrupted ingests resume where they stopped', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('resume-photos');
    await generatePhotos(photos, 60, { width: 1600, height: 1200 });
  });
  after(() => removeDir(photos));

  it('Ctrl-C: photos in hand finish, the rest is handed back, and the next run does only the rest', async () => {
    const dataDir = makeTempDir('sigint');
    try {
      const run = startCli(['analyze', photos, '--data', dataDir, '--json']);
      await waitFor(async () => (await doneCount(dataDir)) >= 5, 60_000, 'the first photos');
      run.child.kill('SIGINT');
      const first = await run.done;
      assert.equal(first.code, 130, first.stderr);
      const summary = lastJson<{ interrupted: boolean; completed: number }>(first.stdout);
      assert.equal(summary.interrupted, true);
      assert.ok(summary.completed < 60);
      const doneBefore = await doneCount(dataDir);
      const second = lastJson<{ completed: number; skipped: number; analysed: number }>((await runCli(['analyze', photos, '--data', dataDir, '--json'])).stdout);
      assert.equal(second.skipped, doneBefore, 'finished photos are not redone');
      assert.equal(second.analysed, 60 - doneBefore);
      assert.equal(second.completed + second.skipped, 60);
    } finally {
      removeDir(dataDir);
    }
  });

  it('kill -9 of the engine: its workers and redis-server go away or are taken over, and the next run finishes', async () => {
    const dataDir = makeTempDir('enginekill');
    try {
      const run = startCli(['analyze', photos, '--data', dataDir, '--json']);
      await waitFor(async () => (await doneCount(dataDir)) >= 5, 60_000, 'the first photos');
      const redisPid = Number(fs.readFileSync(path.join(dataDir, 'redis', 'redis.pid'), 'utf8'));
      run.child.kill('SIGKILL');
      await run.done;
      const second = await runCli(['analyze', photos, '--data', dataDir, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const summary = lastJson<{ completed: number; skipped: number; failed: number }>(second.stdout);
      assert.equal(summary.completed + summary.skipped, 60, JSON.stringify(summary));
      assert.equal(summary.failed, 0);
      assert.equal(isAlive(redisPid), false, 'the orphaned redis-server was stopped');
      const store = await openStore({ kind: 'sqlite', sqlitePath: path.join(dataDir, 'library.sqlite') });
      assert.equal(await store.health.countDuplicateRows(), 0);
      assert.equal(await store.health.integrityCheck(), 'ok');
      await store.close();
    } finally {
      removeDir(dataDir);
    }
  });
});
