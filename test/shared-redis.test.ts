import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { judgeHosts } from '../src-core/host-registry.js';
import { JOB_PAYLOAD_VERSION, localVersions, modelsFingerprint, publishEngineVersions, versionMismatch } from '../src-core/host-versions.js';
import { endpointFromUrl, redisOptions } from '../src-core/redis-endpoint.js';
import { guardSharedRedis, judgeSharedRedis, requireNetworkPassword, settingsFromInfo } from '../src-core/shared-redis-guard.js';
import { formatHosts } from '../src-main/cli/format.js';
import { freeLoopbackPort } from '../src-main/engine/process-utils.js';
import { startCli } from './helpers/cli.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import type { HostReport } from '../src-shared/hosts.js';

const postgresBase = process.env.SHOEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

describe('a shared Redis, judged (pure)', () => {
  it('refuses any policy but noeviction, saying how to fix it; warns without AOF', () => {
    const lru = judgeSharedRedis({ maxmemoryPolicy: 'allkeys-lru', aofEnabled: true }, 'h:1');
    assert.match(lru.refusal!, /maxmemory-policy allkeys-lru/);
    assert.match(lru.refusal!, /CONFIG SET maxmemory-policy noeviction/);
    assert.match(lru.refusal!, /"maxmemory-policy noeviction" in its redis.conf/);
    assert.deepEqual(lru.warnings, []);
    const noAof = judgeSharedRedis({ maxmemoryPolicy: 'noeviction', aofEnabled: false }, 'h:1');
    assert.equal(noAof.refusal, null);
    assert.equal(noAof.warnings.length, 1);
    assert.match(noAof.warnings[0]!, /appendonly yes/);
    assert.deepEqual(judgeSharedRedis({ maxmemoryPolicy: 'noeviction', aofEnabled: true }, 'h:1'), { refusal: null, warnings: [] });
  });
  it('reads the policy and AOF from INFO', () => {
    const info = '# Memory\r\nmaxmemory_policy:volatile-lru\r\n# Persistence\r\naof_enabled:1\r\n';
    assert.deepEqual(settingsFromInfo(info), { maxmemoryPolicy: 'volatile-lru', aofEnabled: true });
  });
  it('a Redis over TCP needs a password; the private socket does not', () => {
    assert.throws(() => requireNetworkPassword(endpointFromUrl('redis://10.0.0.5:6379')), /no password: set "requirepass/);
    requireNetworkPassword(endpointFromUrl('redis://:pw@10.0.0.5:6379'));
    requireNetworkPassword({ kind: 'socket', path: '/tmp/x.sock', password: null });
  });
  it('rediss:// takes a CA file; a missing one or one without TLS is a clear error', () => {
    const dir = makeTempDir('ca');
    try {
      const ca = path.join(dir, 'ca.pem');
      fs.writeFileSync(ca, 'not really a certificate');
      const endpoint = endpointFromUrl(`rediss://:pw@redis.lan:6380?ca=${ca}`);
      assert.equal(endpoint.kind === 'tcp' && endpoint.caFile, ca);
      assert.deepEqual((redisOptions(endpoint).tls as { ca: Buffer }).ca.toString(), 'not really a certificate');
      assert.throws(() => endpointFromUrl(`rediss://:pw@redis.lan:6380?ca=${dir}/missing.pem`), /CA file .*missing\.pem .*does not exist/);
      assert.throws(() => endpointFromUrl(`redis://:pw@redis.lan:6380?ca=${ca}`), /needs a rediss:\/\/ \(TLS\) URL/);
    } finally {
      removeDir(dir);
    }
  });
});

describe('version guard and hosts (pure)', () => {
  const manifest = (sha: string) => JSON.stringify({ version: 1, models: [{ id: 'a', sha256: sha }, { id: 'b', sha256: null }] });
  it('a changed model file changes the fingerprint', () => {
    assert.equal(modelsFingerprint(manifest('11')), modelsFingerprint(manifest('11')));
    assert.notEqual(modelsFingerprint(manifest('11')), modelsFingerprint(manifest('12')));
    assert.match(modelsFingerprint(manifest('11')), /^manifest v1 [0-9a-f]{12}$/);
  });
  it('this build reads its own models/manifest.json', () => {
    const mine = localVersions();
    assert.equal(mine.jobPayload, JOB_PAYLOAD_VERSION);
    assert.match(mine.models, /^manifest v\d+ [0-9a-f]{12}$/);
  });
  it('names every difference', () => {
    const engine = { jobPayload: 2, models: 'manifest v1 aaa' };
    assert.equal(versionMismatch(engine, { ...engine }), null);
    const why = versionMismatch(engine, { jobPayload: 1, models: 'manifest v1 bbb' })!;
    assert.match(why, /job payload version 1 here, 2 on the engine/);
    assert.match(why, /models "manifest v1 bbb" here, "manifest v1 aaa" on the engine/);
    assert.match(why, /takes no jobs/);
  });
  it('a host silent for longer than the limit is gone, with its last heartbeat', () => {
    const report = (host: string, at: string): HostReport => ({
      host, role: 'worker', pid: 1, refusal: null, at, versions: { jobPayload: 1, models: 'm' },
      workers: [{ id: 'cpu-0', workerClass: 'cpu', state: 'busy', pid: 9, jobsDone: 3, updatedAt: at }],
    });
    const now = Date.parse('2026-01-01T00:01:00Z');
    const views = judgeHosts([report('b', '2026-01-01T00:00:00Z'), report('a', '2026-01-01T00:00:59Z')], now, 15_000);
    assert.deepEqual(views.map((v) => [v.host, v.gone]), [['a', false], ['b', true]]);
    const text = formatHosts(views);
    assert.match(text, /b \(worker\)\s+cpu-0\s+cpu\s+gone\s+3\s+gone since 2026-01-01T00:00:00Z/);
    assert.match(text, /a \(worker\)\s+cpu-0\s+cpu\s+busy/);
  });
});

/** A redis-server of the test's own on a loopback port; never the machine's :6379. */
async function startRedis(dir: string, extra: string[]): Promise<{ port: number; child: ChildProcess }> {
  const port = await freeLoopbackPort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra], { stdio: 'ignore' });
  const listening = () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
  });
  await waitFor(listening, 20_000, 'redis-server');
  return { port, child };
}

describe('a shared Redis, checked against real redis-servers', () => {
  const dir = makeTempDir('shared-redis');
  const servers: ChildProcess[] = [];
  after(async () => {
    for (const s of servers) s.kill('SIGKILL');
    removeDir(dir);
    if (process.env.SHOEBOX_SKIP_POSTGRES === '1') return;
    const client = new pg.Client({ connectionString: postgresBase });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS shoebox_guard_${process.pid} CASCADE`);
    await client.end();
  });

  it('refuses allkeys-lru, a missing or wrong password; warns without AOF; accepts a protected one', async () => {
    const lru = await startRedis(dir, ['--requirepass', 'pw', '--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no']);
    servers.push(lru.child);
    await assert.rejects(guardSharedRedis(endpointFromUrl(`redis://:pw@127.0.0.1:${lru.port}`)), { name: 'ConfigError', message: /allkeys-lru.*CONFIG SET maxmemory-policy noeviction/s });
    await assert.rejects(guardSharedRedis(endpointFromUrl(`redis://127.0.0.1:${lru.port}`)), /no password/);
    await assert.rejects(guardSharedRedis(endpointFromUrl(`redis://:wrong@127.0.0.1:${lru.port}`)), /refused the password/);

    const noAof = await startRedis(dir, ['--requirepass', 'pw', '--maxmemory-policy', 'noeviction', '--appendonly', 'no']);
    servers.push(noAof.child);
    const warnings = await guardSharedRedis(endpointFromUrl(`redis://:pw@127.0.0.1:${noAof.port}`));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /no append-only file/);

    const good = await startRedis(dir, ['--requirepass', 'pw', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfilename', 'good.aof']);
    servers.push(good.child);
    assert.deepEqual(await guardSharedRedis(endpointFromUrl(`redis://:pw@127.0.0.1:${good.port}`)), []);
  });

  it('an unreachable Redis is a clear error, not an endless wait', async () => {
    const port = await freeLoopbackPort();
    await assert.rejects(guardSharedRedis(endpointFromUrl(`redis://:pw@127.0.0.1:${port}`)), /cannot reach the Redis at 127\.0\.0\.1:\d+/);
  });

  it('rediss:// with a CA file reaches a TLS-only redis-server', async (t) => {
    const tls = path.join(dir, 'tls');
    fs.mkdirSync(tls);
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: tls, stdio: 'ignore' });
    try {
      openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', 'ca.key', '-out', 'ca.pem']);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr']);
      fs.writeFileSync(path.join(tls, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
      openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem']);
    } catch (error) {
      t.skip(`openssl could not make a test certificate: ${String(error)}`);
      return;
    }
    const port = await freeLoopbackPort();
    const child = spawn('redis-server', [
      '--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--requirepass', 'pw', '--appendonly', 'yes', '--appendfilename', 'tls.aof',
      '--tls-cert-file', path.join(tls, 'server.pem'), '--tls-key-file', path.join(tls, 'server.key'), '--tls-ca-cert-file', path.join(tls, 'ca.pem'), '--tls-auth-clients', 'no',
    ], { stdio: ['ignore', 'ignore', 'pipe'] });
    servers.push(child);
    const url = `rediss://:pw@127.0.0.1:${port}?ca=${path.join(tls, 'ca.pem')}`;
    await waitFor(async () => guardSharedRedis(endpointFromUrl(url)).then(() => true, () => false), 20_000, 'the TLS redis-server');
    assert.deepEqual(await guardSharedRedis(endpointFromUrl(url)), []);
    // Without the CA the server's certificate is not trusted.
    await assert.rejects(guardSharedRedis(endpointFromUrl(`rediss://:pw@127.0.0.1:${port}`)), /cannot reach the Redis.*(self.signed|unable to verify|certificate)/is);
  });

  it('shoebox worker refuses an allkeys-lru Redis, and refuses work when its versions differ from the engine\'s', { skip: process.env.SHOEBOX_SKIP_POSTGRES === '1' }, async () => {
    const data = path.join(dir, 'data');
    const store = `${postgresBase}?schema=shoebox_guard_${process.pid}`;
    const lru = await startRedis(dir, ['--requirepass', 'pw', '--maxmemory-policy', 'allkeys-lru', '--appendonly', 'no']);
    servers.push(lru.child);
    const refused = await startCli(['worker', '--redis', `redis://:pw@127.0.0.1:${lru.port}`, '--store', store, '--data', data]).done;
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /CONFIG SET maxmemory-policy noeviction/);

    const good = await startRedis(dir, ['--requirepass', 'pw', '--maxmemory-policy', 'noeviction', '--appendonly', 'yes', '--appendfilename', 'v.aof']);
    servers.push(good.child);
    const redis = new Redis(redisOptions(endpointFromUrl(`redis://:pw@127.0.0.1:${good.port}`)));
    try {
      // An engine of another build announced other model versions on this Redis.
      await publishEngineVersions(redis, { jobPayload: JOB_PAYLOAD_VERSION, models: 'manifest v1 000000000000' });
      const mismatch = await startCli(['worker', '--redis', `redis://:pw@127.0.0.1:${good.port}`, '--store', store, '--data', data]).done;
      assert.equal(mismatch.code, 2, mismatch.stderr);
      assert.match(mismatch.stderr, /versions differ from the engine's \(models "manifest v1 [0-9a-f]{12}" here, "manifest v1 000000000000" on the engine\)/);
      assert.doesNotMatch(mismatch.stdout, /serving the queues/);

      // A worker that started with the engine's versions stops, exit code 2, when the engine's change under it.
      await publishEngineVersions(redis, localVersions());
      const worker = startCli(['worker', '--redis', `redis://:pw@127.0.0.1:${good.port}`, '--store', store, '--data', data, '--cpu-workers', '1', '--ml-workers', '1']);
      let out = '';
      worker.child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      await waitFor(() => /serving the queues/.test(out), 120_000, 'the worker to start');
      await publishEngineVersions(redis, { jobPayload: JOB_PAYLOAD_VERSION + 1, models: localVersions().models });
      const stopped = await worker.done;
      assert.equal(stopped.code, 2, stopped.stderr);
      assert.match(stopped.stderr, /job payload version \d+ here, \d+ on the engine.*takes no jobs/);
    } finally {
      redis.disconnect();
    }
  });
});
