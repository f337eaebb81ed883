import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { api, METHODS, type Method } from '../src-shared/api/contract.js';
import { resolveInside, resolveMediaPath } from '../src-main/engine/api/paths.js';
import type { Engine } from '../src-main/engine/engine.js';
import { childPids } from './chaos/chaos.js';
import { isAlive, makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { repoRoot } from './helpers/photos.js';
import { startServe, type ServeChild } from './helpers/serve-child.js';
import { freeLoopbackPort } from '../src-main/engine/process-utils.js';

/** Inodes of the sockets a process holds open (from /proc/<pid>/fd). */
function socketInodes(pid: number): Set<string> {
  const out = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) out.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** Listening TCP sockets (IPv4 and IPv6) of the whole machine: inode → "address:port". */
function tcpListeners(): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const [addr, port] = f[1]!.split(':');
      out.set(f[9]!, `${addr}:${parseInt(port!, 16)}`);
    }
  }
  return out;
}

function connectOutcome(port: number, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.setTimeout(2000, () => (socket.destroy(), resolve('timeout')));
    socket.once('connect', () => (socket.destroy(), resolve('connected')));
    socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}


function redisServerChildren(pid: number): number[] {
  return childPids(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').includes('redis-server');
    } catch {
      return false;
    }
  });
}

describe('locked down: the bundled Redis', () => {
  let dataDir: string;
  let engine: Engine;
  before(async () => {
    dataDir = makeTempDir('locked-redis');
    engine = await startTestEngine(dataDir);
  });
  after(async () => {
    await engine?.stop();
    removeDir(dataDir);
  });

  it('listens on no TCP port at all: only its private unix socket', async () => {
    const pid = engine.redis!.pid!;
    const mine = socketInodes(pid);
    const listening = tcpListeners();
    const tcp = [...mine].filter((inode) => listening.has(inode)).map((inode) => listening.get(inode));
    assert.deepEqual(tcp, [], `redis-server ${pid} listens on TCP ${tcp.join(', ')}`);
    // The same through ss, where the machine has it.
    const ss = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' });
    if (ss.status === 0) assert.ok(!ss.stdout.includes(`pid=${pid},`), `ss lists a TCP listener of redis-server:\n${ss.stdout}`);
    // What the server itself says: port 0, a unix socket with mode 700.
    const port = await engine.lanes.redis.config('GET', 'port');
    assert.deepEqual(port, ['port', '0']);
    const sock = (await engine.lanes.redis.config('GET', 'unixsocket')) as string[];
    assert.ok(sock[1] && fs.statSync(sock[1]).isSocket());
    assert.match(await engine.lanes.redis.info('server'), /^tcp_port:0\r?$/m);
    // Nor does any worker process: no TCP listener on the machine belongs to one.
    const workerPids = engine.pool.pids();
    assert.ok(workerPids.length > 0);
    for (const workerPid of workerPids) {
      const theirs = [...socketInodes(workerPid)].filter((inode) => listening.has(inode)).map((inode) => listening.get(inode));
      assert.deepEqual(theirs, [], `worker ${workerPid} listens on TCP ${theirs.join(', ')}`);
    }
  });

  it('its folder and socket are 0700, its config 0600, and a random password is required', async () => {
    const redisDir = path.join(dataDir, 'redis');
    assert.equal(fs.statSync(redisDir).mode & 0o777, 0o700);
    assert.equal(fs.statSync(dataDir).mode & 0o777, 0o700);
    const conf = path.join(redisDir, 'redis.conf');
    assert.equal(fs.statSync(conf).mode & 0o777, 0o600);
    const socketPath = ((await engine.lanes.redis.config('GET', 'unixsocket')) as string[])[1]!;
    assert.equal(fs.statSync(socketPath).mode & 0o777, 0o700, 'socket mode');
    assert.equal(fs.statSync(path.dirname(socketPath)).mode & 0o777, 0o700, 'socket folder mode');
    const password = /^requirepass (\S+)$/m.exec(fs.readFileSync(conf, 'utf8'))?.[1];
    assert.match(password ?? '', /^[0-9a-f]{48}$/, '24 random bytes');
    assert.match(fs.readFileSync(conf, 'utf8'), /^protected-mode yes$/m);
    assert.equal(fs.statSync(path.join(dataDir, 'engine.json')).mode & 0o777, 0o600, 'engine.json holds the password: 0600');

    const anonymous = new Redis({ path: socketPath, lazyConnect: true, enableReadyCheck: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    anonymous.on('error', () => undefined);
    try {
      await anonymous.connect();
      await assert.rejects(anonymous.ping(), /NOAUTH/);
      await assert.rejects(anonymous.call('AUTH', 'wrong-password'), /WRONGPASS|invalid password/i);
    } finally {
      anonymous.disconnect();
    }
  });

  it('with an external --redis URL the engine starts no redis-server at all', { timeout: 60_000 }, async () => {
    const port = await freeLoopbackPort();
    const dir = makeTempDir('locked-external');
    const external: ChildProcess = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', 'external-pw', '--dir', dir, '--protected-mode', 'yes'],
      { stdio: 'ignore' },
    );
    let other: Engine | null = null;
    try {
      await waitFor(async () => (await connectOutcome(port)) === 'connected', 10_000, 'the external redis-server');
      const before = new Set(redisServerChildren(process.pid));
      other = await startTestEngine(path.join(dir, 'data'), { redisUrl: `redis://:external-pw@127.0.0.1:${port}` });
      assert.equal(other.redis, null, 'no supervisor');
      const after = redisServerChildren(process.pid).filter((pid) => !before.has(pid) && pid !== external.pid);
      assert.deepEqual(after, [], 'no redis-server child was started');
      assert.equal(fs.existsSync(path.join(dir, 'data', 'redis', 'redis.pid')), false);
      assert.equal(await other.lanes.redis.ping(), 'PONG');
    } finally {
      await other?.stop();
      external.kill('SIGKILL');
      await waitFor(() => !isAlive(external.pid!), 5000, 'the external redis-server to exit').catch(() => undefined);
      removeDir(dir);
    }
  });
});

/** Payloads that the contract refuses, for every route: malformed JSON, wrong types, huge arrays, path tricks. */
function fuzzBodies(method: Method, seed: number): Array<string | Buffer> {
  let a = seed;
  const rnd = () => ((a = (a * 1103515245 + 12345) & 0x7fffffff), a / 0x7fffffff);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const values: unknown[] = [
    null, true, -1, 1e308, 'x', '', '../../../../etc/passwd', '/etc/passwd', '..\\..\\secret', 'a\u0000b', '%2e%2e%2f', '${HOME}', '$(id)', '`id`', '; rm -rf /',
    { $ne: 1 }, [], Array.from({ length: 10_000 }, (_, i) => i), 'x'.repeat(100_000), { __proto__: { polluted: true } }, -0, NaN,
  ];
  const keys = ['photoId', 'target', 'paths', 'scope', 'lane', 'limit', 'offset', 'state', 'code', 'cpuWorkers', 'redisUrl', 'store', '__proto__', 'constructor'];
  const bodies: Array<string | Buffer> = ['{', '{"a":', 'nul', '[1,2', '"unterminated', '\u0000', '{}}', Buffer.from([0xff, 0xfe, 0x00]), 'null', '[]', '42', '"str"', 'true'];
  for (let i = 0; i < 14; i++) {
    const obj: Record<string, unknown> = {};
    for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) obj[pick(keys)] = pick(values);
    bodies.push(JSON.stringify(obj));
  }
  bodies.push(JSON.stringify({ paths: Array.from({ length: 50_000 }, () => '../x') }));
  bodies.push('{"__proto__":{"polluted":true},"photoId":"x"}');
  bodies.push('[' + '['.repeat(5000) + ']'.repeat(5000) + ']');
  // Keep only what the contract refuses: a valid request would start real work (an ingest of "/"…).
  return bodies.filter((body) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString());
    } catch {
      return true;
    }
    return !api[method].req.safeParse(parsed).success;
  });
}

describe('locked down: the HTTP API of a real `shoebox serve`', () => {
  let dataDir: string;
  let serve: ServeChild;
  let port: number;
  before(async () => {
    dataDir = makeTempDir('locked-serve');
    serve = await startServe(dataDir);
    port = Number(new URL(serve.base).port);
  });
  after(async () => {
    await serve?.stop();
    removeDir(dataDir);
  });

  function post(route: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: 'POST', path: route, headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  function wsStatus(query: string, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events${query}`, { headers });
      ws.on('open', () => (ws.close(), resolve(101)));
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(0));
    });
  }

  it('the token is required on every route and the WebSocket; Host and Origin are checked there too', async () => {
    const auth = { authorization: `Bearer ${serve.token}` };
    for (const method of METHODS) {
      assert.equal((await post(`/api/${method}`, '{}')).status, 401, `${method} without a token`);
      assert.equal((await post(`/api/${method}`, '{}', { authorization: 'Bearer nope' })).status, 401, `${method} with a wrong token`);
      assert.equal((await post(`/api/${method}`, '{}', { ...auth, host: `evil.example:${port}` })).status, 403, `${method} with a foreign Host`);
      assert.equal((await post(`/api/${method}`, '{}', { ...auth, origin: 'http://evil.example' })).status, 403, `${method} cross-origin`);
    }
    const events = '/api/events';
    const path0 = await wsStatus('', { host: `127.0.0.1:${port}` });
    assert.equal(path0, 401, `WebSocket ${events} without a token`);
    assert.equal(await wsStatus('?token=wrong', {}), 401);
    assert.equal(await wsStatus(`?token=${serve.token}`, { origin: 'http://evil.example' }), 403, 'cross-origin WebSocket');
    assert.equal(await wsStatus(`?token=${serve.token}`, { host: `evil.example:${port}` }), 403, 'WebSocket with a foreign Host');
    assert.equal(await wsStatus(`?token=${serve.token}`, {}), 101, 'the WebSocket opens with the token');
  });

  it('a bounded fuzz of every route gets a 4xx each time, never a 5xx, and the server keeps running', { timeout: 120_000 }, async () => {
    const auth = { authorization: `Bearer ${serve.token}` };
    let sent = 0;
    const statuses = new Map<number, number>();
    for (const [i, method] of METHODS.entries()) {
      for (const body of fuzzBodies(method, 1000 + i)) {
        const reply = await post(`/api/${method}`, body, auth);
        sent++;
        statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        assert.ok(reply.status >= 400 && reply.status < 500, `${method} ${body.toString().slice(0, 80)} → ${reply.status} ${reply.body.slice(0, 200)}`);
        assert.equal(JSON.parse(reply.body).ok, false);
      }
      // Path tricks in the route itself.
      for (const route of [`/api/${method}/..`, `/api/../${method}`, `/api/x/../../${method}`, `/api/${method}%00`, `/api/${encodeURIComponent('../' + method)}`]) {
        const reply = await post(route, '{}', auth);
        sent++;
        assert.ok(reply.status >= 400 && reply.status < 500, `${route} → ${reply.status}`);
      }
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    process.stdout.write(`fuzz: ${sent} requests over ${METHODS.length} routes: ${[...statuses].map(([s, n]) => `${s}×${n}`).join(', ')}\n`);
    assert.equal(serve.child.exitCode, null, 'serve still running');
    const ok = await post('/api/status.get', '{}', auth);
    assert.equal(ok.status, 200, 'and still answers');
    assert.doesNotMatch(serve.stderr(), /internal error|TypeError|RangeError/);
  });

  it('listens on loopback only', async () => {
    const listening = tcpListeners();
    const ours = [...listening.values()].filter((where) => where.endsWith(`:${port}`));
    assert.ok(ours.length > 0);
    for (const where of ours) assert.ok(where.startsWith('0100007F:') || where.startsWith('00000000000000000000000001000000:'), `listens on ${where}`);
  });
});

describe('locked down: paths and child processes', () => {
  it('cache (media) paths cannot escape their folder: ../, absolute paths, encoded tricks, symlinks', () => {
    const root = makeTempDir('locked-paths');
    try {
      const cache = path.join(root, 'cache');
      const hash = `ab${'0'.repeat(38)}`;
      fs.mkdirSync(path.join(cache, 'thumbs', 'ab'), { recursive: true });
      fs.writeFileSync(path.join(cache, 'thumbs', 'ab', `${hash}.jpg`), 'x');
      fs.writeFileSync(path.join(root, 'secret.txt'), 'secret');
      assert.equal(resolveMediaPath(cache, `thumbs/ab/${hash}.jpg`), path.join(cache, 'thumbs', 'ab', `${hash}.jpg`));
      // A turned photo's derivatives (issue 17): only the three turns.
      assert.equal(resolveMediaPath(cache, `previews/ab/${hash}-r270.jpg`), path.join(cache, 'previews', 'ab', `${hash}-r270.jpg`));
      for (const odd of [`thumbs/ab/${hash}-r45.jpg`, `thumbs/ab/${hash}-r90-r90.jpg`, `thumbs/ab/${hash}-r.jpg`]) assert.equal(resolveMediaPath(cache, odd), null, odd);
      for (const trick of ['../secret.txt', '/etc/passwd', `thumbs/ab/../../../secret.txt`, `thumbs/ab/..%2f${hash}.jpg`, `thumbs\\ab\\${hash}.jpg`, `thumbs/ab/${hash}.jpg\0`, 'thumbs/cd/ab.jpg', `previews/ab/${hash}.jpg/..`]) {
        assert.equal(resolveMediaPath(cache, trick), null, trick);
      }
      for (const trick of ['../secret.txt', '../../etc/passwd', 'a/../../secret.txt', 'a\\..\\..\\secret.txt', 'x\0']) {
        assert.equal(resolveInside(cache, trick), null, trick);
      }
      // A symlink planted in the cache folder: the media pattern has no room for it (names are hashes)…
      fs.symlinkSync(path.join(root, 'secret.txt'), path.join(cache, 'thumbs', 'ab', 'link.jpg'));
      assert.equal(resolveMediaPath(cache, 'thumbs/ab/link.jpg'), null);
      assert.equal(resolveInside(cache, 'thumbs/../../secret.txt'), null);
    } finally {
      removeDir(root);
    }
  });

  it('child processes are spawned with argument arrays, never through a shell', () => {
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'node_modules') walk(full);
        } else if (/\.(ts|cts|mts|js|mjs|tsx)$/.test(entry.name)) {
          const text = fs.readFileSync(full, 'utf8');
          text.split('\n').forEach((line, i) => {
            // exec()/execSync() called bare (not regex.exec), or any spawn option asking for a shell.
            if (/(^|[^.\w])(exec|execSync)\s*\(|shell\s*:\s*true/.test(line)) offenders.push(`${path.relative(repoRoot, full)}:${i + 1}: ${line.trim()}`);
          });
          if (/import\s*{[^}]*\b(exec|execSync)\b[^}]*}\s*from\s*['"](node:)?child_process['"]/.test(text)) offenders.push(`${path.relative(repoRoot, full)}: imports exec from child_process`);
        }
      }
    };
    for (const dir of ['src-main', 'src-worker', 'src-shared', 'bin', 'scripts']) {
      if (fs.existsSync(path.join(repoRoot, dir))) walk(path.join(repoRoot, dir));
    }
    assert.deepEqual(offenders, []);
  });
});

describe('locked down: the Electron shell', () => {
  const main = fs.readFileSync(path.join(repoRoot, 'src-main', 'electron', 'main.ts'), 'utf8');
  const preload = fs.readFileSync(path.join(repoRoot, 'src-main', 'electron', 'preload.cts'), 'utf8');
  const ipc = fs.readFileSync(path.join(repoRoot, 'src-main', 'engine', 'api', 'ipc.ts'), 'utf8');

  it('BrowserWindow: contextIsolation, sandbox, no nodeIntegration, webSecurity, no webviews', () => {
    const options = /new BrowserWindow\(\{[\s\S]*?\n  \}\);/.exec(main)?.[0] ?? '';
    assert.ok(options, 'BrowserWindow options found');
    assert.match(options, /contextIsolation:\s*true/);
    assert.match(options, /sandbox:\s*true/);
    assert.match(options, /nodeIntegration:\s*false/);
    assert.match(options, /webSecurity:\s*true/);
    assert.doesNotMatch(main, /nodeIntegration(InWorker|InSubFrames)?:\s*true|webviewTag:\s*true|allowRunningInsecureContent:\s*true|contextIsolation:\s*false|sandbox:\s*false|enableRemoteModule/);
  });

  it('no remote content: the window loads only the app origin, navigation and new windows are blocked', () => {
    const loads = [...main.matchAll(/\.load(URL|File)\(([^)]*)\)/g)].map((m) => m[2]!.trim());
    assert.ok(loads.length > 0);
    for (const target of loads) {
      // The one exception: the start-up / failure page, a data: URL the shell builds itself with a CSP
      // that allows nothing to load (no script, no request), so it can reach neither the API nor the net.
      if (target.startsWith('phasePage(')) continue;
      assert.match(target, /^`\$\{APP_ORIGIN\}\//, `loads ${target}`);
    }
    if (loads.some((t) => t.startsWith('phasePage('))) {
      assert.match(main, /return `data:text\/html;charset=utf-8,\$\{encodeURIComponent\(html\)\}`/);
      assert.match(main, /content="default-src 'none'; style-src 'unsafe-inline'"/);
    }
    assert.doesNotMatch(main, /https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/i, 'no remote URL in the shell');
    assert.match(main, /'will-navigate',\s*\(event\)\s*=>\s*event\.preventDefault\(\)/);
    assert.match(main, /'will-redirect',\s*\(event\)\s*=>\s*event\.preventDefault\(\)/);
    assert.match(main, /'will-attach-webview',\s*\(event\)\s*=>\s*event\.preventDefault\(\)/);
    assert.match(main, /setWindowOpenHandler\(\(\)\s*=>\s*\(\{\s*action:\s*'deny'\s*\}\)\)/);
  });

  it('CSP: self only, no inline or eval scripts, no objects, no framing', () => {
    const csp = /const CSP = \[([\s\S]*?)\]\.join/.exec(main)?.[1] ?? '';
    assert.match(csp, /"default-src 'self'"/);
    assert.match(csp, /"script-src 'self'"/);
    assert.doesNotMatch(csp, /unsafe-eval|script-src[^"]*unsafe-inline|\*/);
    assert.match(csp, /"object-src 'none'"/);
    assert.match(csp, /"frame-ancestors 'none'"/);
    assert.match(csp, /"base-uri 'none'"/);
    assert.match(main, /headers\.set\('Content-Security-Policy', CSP\)/);
  });

  it('IPC: every call checks its sender (our window, top frame, our origin); the preload exposes only a narrow bridge', () => {
    assert.match(main, /function isTrustedSender[\s\S]*?event\.sender\?\.id === window\.webContents\.id[\s\S]*?frame\.parent === null[\s\S]*?frame\.url\.startsWith\(`\$\{APP_ORIGIN\}\/`\)/);
    assert.match(ipc, /if \(!isTrustedSender\(event\)\) return \{ ok: false, error: \{ code: 'forbidden'/);
    assert.match(preload, /contextBridge\.exposeInMainWorld\('shoebox'/);
    assert.doesNotMatch(preload, /exposeInMainWorld\([^)]*ipcRenderer\s*\)|require\(['"](fs|child_process|node:)/, 'ipcRenderer itself and Node modules are not exposed');
    assert.match(preload, /METHOD\.test\(method\)/);
  });
});
