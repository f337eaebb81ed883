import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { listHosts, type HostView } from '../src-core/host-registry.js';
import { endpointFromUrl, redisOptions } from '../src-core/redis-endpoint.js';
import { openStore } from '../src-core/store/open-store.js';
import { accountLibrary } from '../src-core/store/accounting.js';
import { isProcessAlive } from '../src-main/engine/process-utils.js';
import { cliInvocation, startCli } from './helpers/cli.js';
import { makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { photosDir, repoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';

/**
 * Two machines, for real network-wise: host A is this (root) namespace, host B a network namespace
 * of its own, joined by a veth pair whose two ends carry 10.231.77.1/30 (A) and 10.231.77.2/30 (B).
 * Every address used lives on those two ends; nothing is sent anywhere else. The steps are the
 * README's "More than one machine": a protected redis-server and the engine on A, Postgres reached
 * from B over the veth (Postgres listens on 127.0.0.1 only, so A forwards its veth address to it, as
 * a person would open pg_hba/listen_addresses), the library folder shared (same filesystem here, a
 * network mount in real life), `shoebox worker` on B.
 */
const postgresLocal = new URL(process.env.SHOEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const A = '10.231.77.1';
const B = '10.231.77.2';
const tag = String(process.pid % 100000);
const nsB = `sbx-hostb-${tag}`;
const vethA = `sbxa${tag}`;
const vethB = `sbxb${tag}`;
const PASSWORD = 'two-hosts-secret';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

function namespacesPossible(): string | null {
  if (!isRoot) return 'needs root to make network namespaces (run as root, as CI does)';
  if (process.env.SHOEBOX_SKIP_POSTGRES === '1') return 'needs Postgres (SHOEBOX_SKIP_POSTGRES=1)';
  try {
    ip('netns', 'add', `${nsB}-probe`);
    ip('netns', 'del', `${nsB}-probe`);
    return null;
  } catch (error) {
    return `network namespaces cannot be made here: ${String(error).split('\n')[0]}`;
  }
}
const skip = namespacesPossible();

/** Every pid inside host B's namespace. */
function pidsOfB(): number[] {
  try {
    return ip('netns', 'pids', nsB).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * What an earlier run killed before its clean-up (kill -9 of the test runner) left behind: its
 * namespace (no process left in it) and its root-side veth end, which holds A's address.
 */
function removeLeftovers(): void {
  for (const name of ip('netns', 'list').split('\n').map((l) => l.split(' ')[0]!).filter((n) => /^sbx-hostb-\d+$/.test(n))) {
    if (ip('netns', 'pids', name).trim() === '') ip('netns', 'del', name);
  }
  for (const link of ip('-o', 'link', 'show').split('\n')) {
    const name = /^\d+: (sbxa\d+)@/.exec(link)?.[1];
    if (name) ip('link', 'del', name);
  }
}

/** A TCP forward from A's veth address to Postgres on 127.0.0.1 (Postgres itself listens on loopback only). */
function forwardPostgres(port: number): Promise<net.Server> {
  // Every socket is kept so the clean-up can end them: connections from B stay "established" after B's
  // namespace is gone (nothing will ever close them), and would keep this test process alive.
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket) => (sockets.add(socket), socket.once('close', () => sockets.delete(socket)));
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(postgresLocal.port || 5432), postgresLocal.hostname);
    track(inbound);
    track(outbound);
    inbound.pipe(outbound).pipe(inbound);
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  const close = server.close.bind(server);
  server.close = ((callback?: (error?: Error) => void) => {
    for (const socket of sockets) socket.destroy();
    return close(callback);
  }) as typeof server.close;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, A, () => resolve(server));
  });
}

const hostB = (hosts: HostView[]): HostView | undefined => hosts.find((h) => h.host === 'desk' && h.role === 'worker');

/** Splits one shell command line: words, "double-quoted words" with $VARS expanded, a trailing & dropped. */
export function shellWords(line: string, vars: Record<string, string>): string[] {
  const expand = (word: string) =>
    word.replace(/\$([A-Z_]+)/g, (_, name: string) => {
      if (!(name in vars)) throw new Error(`the README uses $${name}, which the test does not set`);
      return vars[name]!;
    });
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? expand(m[1]) : expand(m[2]!)));
  return words.at(-1) === '&' ? words.slice(0, -1) : words;
}

/** The README's "More than one machine" section: its shell blocks, one command per line. */
function readmeBlocks(): string[][] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const start = readme.indexOf('## More than one machine');
  assert.ok(start >= 0, 'README has a "More than one machine" section');
  const section = readme.slice(start, readme.indexOf('\n## ', start + 1));
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().split('\n'));
}

/** `export A=1 B="x$A"`: the variables it sets, each expanded with those known before it. */
function exportsOf(line: string, vars: Record<string, string>): Record<string, string> {
  const out = { ...vars };
  for (const m of line.replace(/^export\s+/, '').matchAll(/([A-Z_]+)=("[^"]*"|\S+)/g)) out[m[1]!] = shellWords(m[2]!, out)[0]!;
  return out;
}

describe('two hosts: the engine on A, shoebox worker on B, B killed and back', { skip: skip ?? false, timeout: 900_000 }, () => {
  const schema = `shoebox_two_hosts_${tag}`;
  const dataDir = makeTempDir('two-hosts-data'); // the shared library folder
  const photos = makeTempDir('two-hosts-photos');
  const redisDir = makeTempDir('two-hosts-redis');
  let redisServer: ChildProcess | null = null;
  let pgForward: net.Server | null = null;
  let engine: ServeChild | null = null;
  let workerB: ChildProcess | null = null;
  let redisUrl = '';
  let storeUrlOnA = '';
  let redis: Redis | null = null;
  let bOutput = '';
  /** The README's commands, as argv with this test's values. */
  const readme = { vars: {} as Record<string, string>, redis: [] as string[], serve: [] as string[], worker: [] as string[] };

  const startWorkerOnB = (): ChildProcess => {
    const { command, args } = cliInvocation();
    // The README's line for the other machine (`NAME=value shoebox worker …`), run on host B by `ip netns exec`.
    const assignments = readme.worker.filter((w, i) => i < readme.worker.indexOf('shoebox'));
    const env = Object.fromEntries(assignments.map((a) => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]));
    const child = spawn(
      'ip',
      ['netns', 'exec', nsB, command, ...args, ...readme.worker.slice(readme.worker.indexOf('shoebox') + 1), '--cpu-workers', '1', '--ml-workers', '1'],
      { cwd: repoRoot, env: { ...process.env, SHOEBOX_INTERACTIVE_WORKER: '0', SHOEBOX_SHUTDOWN_GRACE_MS: '3000', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (c: Buffer) => (bOutput += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (bOutput = (bOutput + c.toString()).slice(-8000)));
    return child;
  };

  before(async () => {
    removeLeftovers();
    // The network: host B's namespace and the veth pair.
    ip('netns', 'add', nsB);
    ip('link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB);
    ip('link', 'set', vethB, 'netns', nsB);
    ip('addr', 'add', `${A}/30`, 'dev', vethA);
    ip('link', 'set', vethA, 'up');
    ip('-n', nsB, 'addr', 'add', `${B}/30`, 'dev', vethB);
    ip('-n', nsB, 'link', 'set', vethB, 'up');
    ip('-n', nsB, 'link', 'set', 'lo', 'up');

    // Postgres, reachable from B through A's veth address.
    const pgPort = 15432;
    pgForward = await forwardPostgres(pgPort);
    const db = postgresLocal.pathname.slice(1) || 'test';
    storeUrlOnA = `postgres://${postgresLocal.username || 'postgres'}@${A}:${pgPort}/${db}?schema=${schema}`;

    // The README's variables, with this test's values: its first block, then A's commands and B's.
    const [exports, onEngine, onOther] = readmeBlocks();
    assert.ok(exports && onEngine && onOther, 'the README section has three shell blocks');
    const known = { ...exportsOf(exports[0]!, {}), ENGINE: A, PORT: '16379', SECRET: PASSWORD, LIBRARY: dataDir, HOME: redisDir };
    readme.vars = { ...exportsOf(exports[1]!, known), STORE: storeUrlOnA };
    readme.redis = shellWords(onEngine.find((l) => l.startsWith('redis-server '))!, readme.vars);
    readme.serve = shellWords(onEngine.find((l) => l.startsWith('shoebox serve '))!, readme.vars);
    readme.worker = shellWords(onOther.find((l) => / shoebox worker /.test(l))!, readme.vars);
    redisUrl = readme.vars.REDIS!;

    // Host A: redis-server with a password, noeviction and an append-only file, on A's veth address only.
    redisServer = spawn(readme.redis[0]!, readme.redis.slice(1), { stdio: 'ignore' });
    redis = new Redis(redisOptions(endpointFromUrl(redisUrl)));
    redis.on('error', () => undefined);
    await waitFor(async () => (await redis!.ping().catch(() => '')) === 'PONG', 20_000, 'redis-server on host A');


    for (const name of fs.readdirSync(path.join(photosDir, 'jpg'))) {
      if (name.endsWith('.jpg')) fs.copyFileSync(path.join(photosDir, 'jpg', name), path.join(photos, name));
    }
    // Enough work that the ingest is still running when B reports its first job: on a fast 2-core
    // machine the 21 shared photos alone were analysed in 3.4 s, before B's status showed any.
    await generatePhotos(photos, 80, { prefix: 'gen-' });
  });

  after(async () => {
    // Always: every process of B, the engine, Redis, the forward, the namespace (its veth end goes with it), the schema.
    for (const pid of pidsOfB()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    workerB?.kill('SIGKILL');
    await engine?.stop().catch(() => undefined);
    redis?.disconnect();
    redisServer?.kill('SIGKILL');
    pgForward?.close();
    try {
      ip('netns', 'del', nsB);
    } catch {
      /* not made */
    }
    try {
      ip('link', 'del', vethA);
    } catch {
      /* went with the namespace */
    }
    const client = new pg.Client({ connectionString: postgresLocal.toString() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    for (const dir of [dataDir, photos, redisDir]) removeDir(dir);
  });

  it('A finishes every photo after B is killed mid-ingest; B rejoins without restarting A; lost=0 duplicated=0', async () => {
    // Host A: the engine with its own workers, on the shared Redis and Postgres.
    assert.deepEqual(readme.serve.slice(0, 2), ['shoebox', 'serve']);
    engine = await startServe(dataDir, readme.serve.slice(2), { SHOEBOX_HOST_NAME: 'host-a', SHOEBOX_INTERACTIVE_WORKER: '0' });
    const enginePid = engine.child.pid!;
    // Host B: shoebox worker inside its namespace.
    workerB = startWorkerOnB();
    await waitFor(() => /workers serving the queues/.test(bOutput), 120_000, `host B's workers (output: ${bOutput})`);

    // The ingest, as a person starts it on A (the running engine takes it).
    const ingest = startCli(['analyze', photos, '--data', dataDir, '--json', '--no-progress']);

    // Kill every process of host B once it has a photo in hand, and take its link down.
    await waitFor(async () => {
      const b = hostB(await listHosts(redis!));
      return !!b && b.workers.some((w) => w.state === 'busy' || w.jobsDone > 0);
    }, 300_000, 'host B to take work');
    assert.equal(ingest.child.exitCode, null, 'the ingest is still running when host B dies');
    const killed = pidsOfB();
    assert.ok(killed.length >= 3, `host B runs its CLI and worker processes (${killed.join(', ')})`);
    for (const pid of killed) process.kill(pid, 'SIGKILL');
    ip('-n', nsB, 'link', 'set', vethB, 'down');
    await waitFor(() => killed.every((pid) => !isProcessAlive(pid)), 10_000, 'host B to be dead');

    // `shoebox status` on A shows B gone, with the time it was last seen.
    await waitFor(async () => !!hostB(await listHosts(redis!))?.gone, 60_000, 'host B to be shown gone');
    const status = await startCli(['status', '--data', dataDir]).done;
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /desk \(worker\)\s+cpu-0\s+cpu\s+gone\s+\d+\s+gone since \d{4}-\d\d-\d\dT/);
    assert.match(status.stdout, /host-a \(engine\)\s+cpu-0\s+cpu\s+(ready|busy)/);

    // A's own workers finish every photo (B's jobs come back through BullMQ's stalled-job check).
    const result = await ingest.done;
    assert.equal(result.code, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { photos: number; completed: number; failed: number };

    const store = await openStore({ kind: 'postgres', postgresUrl: storeUrlOnA.split('?')[0]!, postgresSchema: schema });
    try {
      const counts = await store.photos.countByState();
      const failed = await store.photos.listFailed(1000, 0);
      const withReason = failed.filter((f) => f.errorCode !== 'internal' && f.error.trim().length > 0);
      const found = fs.readdirSync(photos).length;
      const lost = found - (counts.done ?? 0) - withReason.length;
      const { duplicated, duplicates } = await accountLibrary(store.sql, { files: true });
      process.stdout.write(`two hosts: found=${found} completed=${counts.done ?? 0} failed=${withReason.length} (${withReason.map((f) => f.errorCode).join(',')}) killed on B=${killed.length}\n`);
      process.stdout.write(`lost=${lost} duplicated=${duplicated}\n`);
      assert.equal(summary.photos, found);
      assert.equal(lost, 0);
      assert.equal(duplicated, 0, JSON.stringify(duplicates));
      assert.equal(await store.health.integrityCheck(), 'ok');
      assert.deepEqual(withReason.map((f) => path.basename(f.path)), ['corrupted.jpg']);
    } finally {
      await store.close();
    }

    // B comes back: link up, shoebox worker again; it rejoins the queues with A untouched.
    ip('-n', nsB, 'link', 'set', vethB, 'up');
    bOutput = '';
    workerB = startWorkerOnB();
    await waitFor(() => /workers serving the queues/.test(bOutput), 120_000, `host B's workers again (output: ${bOutput})`);
    await waitFor(async () => {
      const b = hostB(await listHosts(redis!));
      return !!b && !b.gone && b.workers.length === 2 && b.workers.every((w) => w.state === 'ready' || w.state === 'busy');
    }, 60_000, 'host B to report its workers again');
    assert.ok(isProcessAlive(enginePid), 'host A was not restarted');
    assert.equal(engine.child.exitCode, null);

    // And it does work again: one more photo, taken by whichever host is free; B is asked to stop cleanly.
    const more = makeTempDir('two-hosts-more');
    try {
      fs.copyFileSync(path.join(photosDir, 'jpg', 'Nikon_D70.jpg'), path.join(more, 'again.jpg'));
      const again = await startCli(['analyze', more, '--data', dataDir, '--json', '--no-progress']).done;
      assert.equal(again.code, 0, again.stderr);
      assert.equal((JSON.parse(again.stdout) as { completed: number }).completed, 1);
    } finally {
      removeDir(more);
    }
    workerB.kill('SIGINT');
    await waitFor(() => workerB!.exitCode !== null, 60_000, 'host B to stop');
    assert.equal(workerB.exitCode, 0, bOutput);
  });
});
