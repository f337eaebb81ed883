import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../src-core/config.js';
import { IngestRunner } from '../src-main/engine/ingest/ingest-runner.js';
import { createFileLogger } from '../src-core/logger.js';
import { Lanes } from '../src-core/queues.js';
import { endpointFromUrl } from '../src-core/redis-endpoint.js';
import { openStore } from '../src-core/store/open-store.js';
import { startCli } from './helpers/cli.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { photosDir } from './helpers/photos.js';
import { freeLoopbackPort } from '../src-main/engine/process-utils.js';

const postgresBase = process.env.SHOEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';


/**
 * Beyond one machine: `shoebox worker` serves the queues of a shared Redis and a shared Postgres
 * store. Here nothing else processes jobs, so the ingest only finishes if those workers do the work.
 */
describe('shoebox worker on "another machine"', { skip: process.env.SHOEBOX_SKIP_POSTGRES === '1' }, () => {
  let redis: ChildProcess;
  let redisUrl: string;
  const schema = `shoebox_remote_${process.pid}`;
  const dataDir = makeTempDir('remote');
  const photos = makeTempDir('remote-photos');

  before(async () => {
    const port = await freeLoopbackPort();
    // A Redis of the test's own, on loopback with a password: never the machine's :6379.
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'remote-test'], { stdio: 'ignore' });
    redisUrl = `redis://:remote-test@127.0.0.1:${port}`;
    for (const name of ['Canon_40D.jpg', 'Nikon_D70.jpg', 'corrupted.jpg']) fs.copyFileSync(path.join(photosDir, 'jpg', name), path.join(photos, name));
  });
  after(async () => {
    redis.kill('SIGKILL');
    const client = new pg.Client({ connectionString: postgresBase });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    removeDir(dataDir);
    removeDir(photos);
  });

  it('processes an ingest queued elsewhere', async () => {
    const storeUrl = `${postgresBase}?schema=${schema}`;
    const workers = startCli(['worker', '--redis', redisUrl, '--store', storeUrl, '--data', dataDir, '--cpu-workers', '1', '--ml-workers', '1']);
    let stdout = '';
    workers.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    try {
      await waitFor(() => /workers serving the queues/.test(stdout), 60_000, 'the remote workers');
      const config = loadConfig({ data: dataDir, redis: redisUrl, store: storeUrl });
      const store = await openStore({ kind: 'postgres', postgresUrl: (config.store as { url: string }).url, postgresSchema: schema });
      const lanes = new Lanes(endpointFromUrl(redisUrl), config);
      try {
        const summary = await new IngestRunner(store, lanes, createFileLogger(path.join(dataDir, 'logs'), 'test', false)).run([photos]);
        assert.equal(summary.completed, 2);
        assert.equal(summary.failed, 1);
        const [failed] = await store.photos.listFailed(10, 0);
        assert.equal(failed!.errorCode, 'corrupt-file');
      } finally {
        await lanes.close();
        await store.close();
      }
    } finally {
      workers.child.kill('SIGINT');
      const result = await workers.done;
      assert.equal(result.code, 0, result.stderr);
    }
  });

  it('refuses to run without a shared Redis and a shared store', async () => {
    const noRedis = await startCli(['worker', '--data', dataDir]).done;
    assert.equal(noRedis.code, 2);
    assert.match(noRedis.stderr, /needs --redis/);
    const sqlite = await startCli(['worker', '--data', dataDir, '--redis', 'redis://127.0.0.1:1']).done;
    assert.equal(sqlite.code, 2);
    assert.match(sqlite.stderr, /cannot share one SQLite file/);
  });
});
