/**
 * The CLI against a running `shoebox serve`, on the Postgres store: pause (held across a restart of
 * the engine), resume, retry --all, discard, analyze --now handed to the engine, cancel while jobs run,
 * purge, and a kill -9 of the engine followed by a resume. One serve, steps in order, small generated
 * photos. The Postgres half is skipped (and says so) only with SHOEBOX_SKIP_POSTGRES=1.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { assertLibraryAccounted } from './helpers/accounting.js';
import { lastJson, runCli, startCli, type CliResult } from './helpers/cli.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { libraryProcesses } from './helpers/library-processes.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { POSTGRES_URL, postgresBackend, SKIP_POSTGRES } from './helpers/store-backends.js';

const SIZE = { width: 320, height: 240 };

describe('the CLI against a running serve, on Postgres', { skip: SKIP_POSTGRES ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
  const backend = postgresBackend();
  let schema: string;
  let root: string;
  let dataDir: string;
  let serve: ServeChild | null = null;
  let store: Store;
  const folder = (name: string) => path.join(root, name);

  const cli = (...args: string[]): Promise<CliResult> => runCli([...args, '--data', dataDir]);
  async function ok(...args: string[]): Promise<string> {
    const result = await cli(...args);
    assert.equal(result.code, 0, `shoebox ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  }
  const startServeHere = () => startServe(dataDir, ['--store', `${POSTGRES_URL}?schema=${schema}`], { SHOEBOX_INTERACTIVE_WORKER: '0' });
  const count = async (sql: string, params: (string | number)[] = []): Promise<number> =>
    Number((await store.sql.get<{ n: number | string }>(sql, params))?.n ?? 0);
  const photosUnder = (dir: string, states: string[]) =>
    count(`SELECT COUNT(*) AS n FROM photos WHERE path LIKE ? AND state IN (${states.map(() => '?').join(', ')})`, [`${dir}/%`, ...states]);

  before(async () => {
    const config = await backend.setup();
    schema = (config as { postgresSchema?: string }).postgresSchema!;
    root = makeTempDir('cli-serve');
    dataDir = path.join(root, 'library');
    for (const [name, n] of [['a', 6], ['b', 12], ['c', 5], ['d', 10]] as const) {
      await generatePhotos(folder(name), n, { ...SIZE, prefix: name });
    }
    // A JPEG cut short: fails at preprocess with a reason.
    const whole = fs.readFileSync(path.join(folder('a'), 'a-00000.jpg'));
    fs.writeFileSync(path.join(folder('a'), 'broken.jpg'), whole.subarray(0, Math.floor(whole.length / 3)));
    serve = await startServeHere();
    store = await openStore(config);
  });
  after(async () => {
    await serve?.stop();
    await store?.close();
    for (const p of libraryProcesses(dataDir)) process.kill(p.pid, 'SIGKILL');
    await backend.teardown();
    removeDir(root);
  });

  it('pause: queued work stays unprocessed, also across a restart of the engine', { timeout: 180_000 }, async () => {
    assert.match(await ok('pause', '--reason', 'held by the test'), /^paused all$/m);
    const client = startCli(['analyze', folder('a'), '--data', dataDir, '--json', '--no-progress']);
    await waitFor(async () => (await photosUnder(folder('a'), ['queued'])) === 7, 60_000, 'the photos to be registered and queued');
    // The person stops following it (the work stays queued), then the engine stops.
    client.child.kill('SIGINT');
    assert.equal((await client.done).code, 130);
    await serve!.stop();

    serve = await startServeHere();
    const status = JSON.parse(await ok('status', '--json')) as { pauses: { scope: string; by: string; reason: string }[]; lanes: Record<string, { isPaused: boolean; paused: number; waiting: number }> };
    assert.deepEqual(status.pauses.map((p) => [p.scope, p.reason]), [['all', 'held by the test']]);
    // The restarted engine's sweep queues the unfinished photos again, into the paused lane…
    await waitFor(async () => {
      const lanes = (JSON.parse(await ok('status', '--json')) as typeof status).lanes;
      return lanes.default!.isPaused && lanes.default!.paused >= 7;
    }, 60_000, 'the sweep to queue the paused work again');
    // …where nothing runs: not one stage started.
    assert.equal(await count(`SELECT COUNT(*) AS n FROM stage_runs`), 0);
    assert.equal(await photosUnder(folder('a'), ['queued']), 7);
  });

  it('resume: the held work completes; the broken file fails alone', { timeout: 180_000 }, async () => {
    assert.match(await ok('resume'), /^resumed all$/m);
    await waitFor(async () => (await photosUnder(folder('a'), ['done', 'failed'])) === 7, 150_000, 'the held photos to finish');
    assert.equal(await photosUnder(folder('a'), ['done']), 6);
    const [failed] = JSON.parse(await ok('failed', '--json')) as { photoId: string; errorCode: string; attempts: number }[];
    assert.equal(failed?.errorCode, 'corrupt-file');
  });

  it('retry --all runs the failed photo again; discard forgets it', { timeout: 120_000 }, async () => {
    assert.match(await ok('retry', '--all'), /^1 photo queued again$/m);
    await waitFor(async () => {
      const [f] = JSON.parse(await ok('failed', '--json')) as { attempts: number }[];
      return f?.attempts === 2;
    }, 60_000, 'the retried photo to fail again');
    const [failed] = JSON.parse(await ok('failed', '--json')) as { photoId: string; errorCode: string }[];
    assert.equal(failed!.errorCode, 'corrupt-file');
    await ok('discard', failed!.photoId);
    assert.deepEqual(JSON.parse(await ok('failed', '--json')), []);
    assert.equal((await store.photos.get(failed!.photoId))?.state, 'cancelled');
  });

  it('analyze --now is handed to the running serve and analyses the photos again', { timeout: 180_000 }, async () => {
    const enginePid = JSON.parse(fs.readFileSync(libraryPaths(dataDir).engineFile, 'utf8')).pid as number;
    const result = await cli('analyze', folder('a'), '--now', '--json', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<{ completed: number; analysed: number }>(result.stdout);
    assert.ok(summary.analysed >= 6 && summary.completed >= 6, JSON.stringify(summary));
    // The same engine did it (no second one started), at a new revision of each photo.
    assert.equal(JSON.parse(fs.readFileSync(libraryPaths(dataDir).engineFile, 'utf8')).pid, enginePid);
    assert.equal(await count(`SELECT COUNT(DISTINCT photo_id) AS n FROM stage_runs WHERE revision = 1 AND stage = 'persist' AND outcome = 'done'`), 6);
  });

  it('cancel while jobs are active: the ingest ends, nothing of it stays queued', { timeout: 180_000 }, async () => {
    const client = startCli(['analyze', folder('b'), '--data', dataDir, '--json', '--no-progress']);
    await waitFor(
      async () => (await count(`SELECT COUNT(*) AS n FROM stage_runs r JOIN photos p ON p.id = r.photo_id WHERE p.path LIKE ?`, [`${folder('b')}/%`])) > 0,
      90_000,
      'work on the new folder to start',
    );
    const [ingest] = await store.ingests.list(1);
    assert.equal(ingest?.state, 'running');
    const cancelled = Number(/^cancelled (\d+) photos?$/m.exec(await ok('cancel', ingest!.id))?.[1]);
    assert.ok(cancelled >= 1, `cancelled ${cancelled}`);
    const result = await client.done;
    assert.ok(result.code === 0 || result.code === 130, result.stderr);
    await waitFor(async () => (await photosUnder(folder('b'), ['queued', 'processing'])) === 0, 60_000, 'no photo of the cancelled ingest left unfinished');
    assert.equal(await photosUnder(folder('b'), ['cancelled']), cancelled);
    assert.equal((await photosUnder(folder('b'), ['done'])) + cancelled, 12);
  });

  it('purge drops a lane\'s queued jobs; the sweep queues the photos again and they complete', { timeout: 180_000 }, async () => {
    await ok('pause', 'default');
    const client = startCli(['analyze', folder('c'), '--data', dataDir, '--json', '--no-progress']);
    await waitFor(async () => {
      const lanes = (JSON.parse(await ok('status', '--json')) as { lanes: Record<string, { paused: number }> }).lanes;
      return lanes.default!.paused >= 5;
    }, 60_000, 'the new photos queued in the paused lane');
    assert.match(await ok('purge', 'default'), /^removed 5 jobs from default$/m);
    await ok('resume', 'default');
    const result = await client.done;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(lastJson<{ completed: number }>(result.stdout).completed, 5);
  });

  it('kill -9 of the engine on Postgres: the next analyze resumes and finishes, nothing stored twice', { timeout: 240_000 }, async () => {
    const client = startCli(['analyze', folder('d'), '--data', dataDir, '--json', '--no-progress']);
    await waitFor(async () => (await photosUnder(folder('d'), ['done'])) >= 2, 120_000, 'the first photos');
    serve!.child.kill('SIGKILL');
    await new Promise((resolve) => serve!.child.once('exit', resolve));
    serve = null;
    // The client that followed the dead engine: Ctrl-C, and a second Ctrl-C if the first cannot finish
    // (its queue connection has nowhere to go).
    client.child.kill('SIGINT');
    await waitFor(() => client.child.exitCode !== null, 10_000, 'the client to stop').catch(() => client.child.kill('SIGINT'));
    assert.equal((await client.done).code, 130);
    const result = await cli('analyze', folder('d'), '--json', '--no-progress');
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<{ completed: number; skipped: number; failed: number }>(result.stdout);
    assert.equal(summary.completed + summary.skipped, 10, JSON.stringify(summary));
    assert.equal(await photosUnder(folder('d'), ['done']), 10);
    await assertLibraryAccounted(store);
    // The killed engine's redis-server and workers are gone or were taken over and stopped.
    await waitFor(() => libraryProcesses(dataDir).length === 0, 30_000, 'no process of the library left');
  });
});
