import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { redisOptions } from '../src-core/redis-endpoint.js';
import { findRedisServer, RedisServerNotFound } from '../src-main/engine/redis/find-redis-server.js';
import { RedisSupervisor } from '../src-main/engine/redis/redis-supervisor.js';
import { createFileLogger } from '../src-core/logger.js';
import { isAlive, makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { runCli } from './helpers/cli.js';

describe('the bundled redis-server', () => {
  const dir = makeTempDir('redis');
  after(() => removeDir(dir));
  const redisDir = path.join(dir, 'redis');
  const log = createFileLogger(path.join(dir, 'logs'), 'test', false);

  it('listens only on a private unix socket with a password, restarts when killed, stops with a save', async () => {
    const supervisor = new RedisSupervisor({ redisDir, binary: null, maxMemoryMb: 128, log });
    const endpoint = await supervisor.start();
    assert.equal(endpoint.kind, 'socket');
    if (endpoint.kind !== 'socket') return;
    assert.equal(fs.statSync(redisDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(path.dirname(endpoint.path)).mode & 0o777, 0o700);
    assert.equal(fs.statSync(endpoint.path).mode & 0o777, 0o700);
    assert.equal(fs.statSync(supervisor.configFile).mode & 0o777, 0o600);

    const client = new Redis(redisOptions(endpoint));
    try {
      assert.deepEqual(await client.config('GET', 'port'), ['port', '0'], 'no TCP listener');
      assert.deepEqual(await client.config('GET', 'appendonly'), ['appendonly', 'yes']);
      assert.deepEqual(await client.config('GET', 'appendfsync'), ['appendfsync', 'everysec']);
      assert.deepEqual(await client.config('GET', 'maxmemory-policy'), ['maxmemory-policy', 'noeviction']);
      await client.set('survives', 'a restart');
      await new Promise((resolve) => setTimeout(resolve, 1200)); // appendfsync everysec
    } finally {
      client.disconnect();
    }

    const anonymous = new Redis({ path: endpoint.path, maxRetriesPerRequest: 0, retryStrategy: () => null, enableReadyCheck: false });
    anonymous.on('error', () => undefined);
    await assert.rejects(anonymous.get('survives'), /NOAUTH/);
    anonymous.disconnect();

    const first = supervisor.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor(() => supervisor.pid !== null && supervisor.pid !== first, 15_000, 'a restarted redis-server');
    const after = new Redis(redisOptions(endpoint));
    assert.equal(await after.get('survives'), 'a restart', 'the AOF was reloaded');
    after.disconnect();

    const second = supervisor.pid!;
    await supervisor.stop();
    assert.equal(isAlive(second), false);
    assert.equal(fs.existsSync(endpoint.path), false);
  });

  it('stops a redis-server left running by an engine that was killed', async () => {
    const leftover = new RedisSupervisor({ redisDir, binary: null, maxMemoryMb: 128, log });
    await leftover.start();
    const orphan = leftover.pid!;
    // The engine "dies": its supervisor never stops the server. The next one must take over cleanly.
    const next = new RedisSupervisor({ redisDir, binary: null, maxMemoryMb: 128, log });
    leftover.removeAllListeners();
    (leftover as unknown as { stopping: boolean }).stopping = true; // the dead engine won't restart it
    await next.start();
    assert.equal(isAlive(orphan), false);
    await next.stop();
  });

  it('says exactly how to install redis-server when none is found', async () => {
    assert.throws(() => findRedisServer(null, { PATH: '/nonexistent' }), (e: Error) => e instanceof RedisServerNotFound && /apt-get install redis-server/.test(e.message));
    const result = await runCli(['analyze', dir, '--data', path.join(dir, 'lib')], { SHOEBOX_REDIS_SERVER: '/nonexistent/redis-server' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /apt-get install redis-server/);
  });
});
