import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import WebSocket from 'ws';
import { METHODS, type AnyEvent } from '../src-shared/api/contract.js';
import type { Handlers } from '../src-main/engine/api/dispatch.js';
import { MAX_BODY_BYTES, startApiServer, type ApiServer } from '../src-main/engine/api/http-server.js';

let server: ApiServer;
let dir: string;
let pushed: ((event: AnyEvent) => void) | null = null;
const HASH = 'ab' + 'c'.repeat(38);
const secretOutside = 'TOP-SECRET-OUTSIDE';

before(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'shoebox-api-http-'));
  const rendererDir = path.join(dir, 'renderer');
  const cacheDir = path.join(dir, 'cache');
  mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
  mkdirSync(path.join(cacheDir, 'thumbs', 'ab'), { recursive: true });
  writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(path.join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(path.join(cacheDir, 'thumbs', 'ab', `${HASH}.jpg`), 'JPEGDATA');
  writeFileSync(path.join(dir, 'secret.txt'), secretOutside);
  const handlers = Object.fromEntries(METHODS.map((m) => [m, async (req: unknown) => ({ echo: req })])) as unknown as Handlers;
  server = await startApiServer({
    handlers,
    subscribe: (listener) => {
      pushed = listener;
      return () => (pushed = null);
    },
    cacheDir,
    rendererDir,
  });
});

after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Reply {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** A raw request: the path and headers go out exactly as given (no URL normalisation). */
function request(method: string, rawPath: string, options: { headers?: Record<string, string>; body?: string | Buffer; token?: string | null } = {}): Promise<Reply> {
  const headers: Record<string, string> = { host: `127.0.0.1:${server.port}`, ...options.headers };
  if (options.token !== null && options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, method, path: rawPath, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString(), headers: res.headers }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.end(options.body);
    else req.end();
  });
}

const json = { 'content-type': 'application/json' };
const staticRoutes = ['/', '/index.html', '/assets/app.js', `/media/thumbs/ab/${HASH}.jpg`, '/no-such-file'];

function wsStatus(query: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events${query}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

test('without the right token every route and the WebSocket are refused', async () => {
  for (const token of [null, 'wrong', server.token.slice(0, -1), `${server.token}x`]) {
    for (const method of METHODS) {
      const reply = await request('POST', `/api/${method}`, { headers: json, body: '{}', token });
      assert.equal(reply.status, 401, `${method} with token ${token}`);
      assert.equal(JSON.parse(reply.body).error.code, 'unauthorized');
    }
    for (const route of staticRoutes) {
      const reply = await request('GET', route, { token });
      assert.equal(reply.status, 401, `GET ${route} with token ${token}`);
      assert.ok(!reply.body.includes('doctype') && !reply.body.includes('JPEGDATA'));
    }
    assert.equal(await wsStatus(token ? `?token=${token}` : ''), 401);
  }
});

test('with the token: header, query and (for page assets only) the cookie', async () => {
  const viaHeader = await request('POST', '/api/status.get', { headers: json, body: '{}', token: server.token });
  assert.equal(viaHeader.status, 200);
  assert.deepEqual(JSON.parse(viaHeader.body), { ok: true, result: { echo: {} } });
  const viaQuery = await request('POST', `/api/lanes.pause?token=${server.token}`, { headers: json, body: '{"scope":"default"}' });
  assert.equal(viaQuery.status, 200);

  const page = await request('GET', `/?token=${server.token}`);
  assert.equal(page.status, 200);
  assert.match(page.headers['content-security-policy'] as string, /default-src 'self'/);
  assert.equal(page.headers['referrer-policy'], 'no-referrer');
  const setCookie = (page.headers['set-cookie'] as string[])[0]!;
  // The attributes that keep the token from scripts and other sites, on the header the browser stores.
  const attributes = setCookie.split(';').slice(1).map((a) => a.trim().toLowerCase());
  assert.ok(attributes.includes('httponly'), `Set-Cookie without HttpOnly: ${setCookie}`);
  assert.ok(attributes.includes('samesite=strict'), `Set-Cookie without SameSite=Strict: ${setCookie}`);
  const cookie = setCookie.split(';')[0]!;
  assert.equal(cookie.slice(cookie.indexOf('=') + 1), server.token);
  assert.equal((await request('GET', '/assets/app.js', { headers: { cookie } })).status, 200);
  const media = await request('GET', `/media/thumbs/ab/${HASH}.jpg`, { headers: { cookie } });
  assert.equal(media.status, 200);
  assert.equal(media.body, 'JPEGDATA');
  assert.equal(media.headers['content-type'], 'image/jpeg');
  // The cookie does not authorise API calls (they need the header or the query).
  assert.equal((await request('POST', '/api/status.get', { headers: { ...json, cookie }, body: '{}' })).status, 401);

  assert.equal(await wsStatus(`?token=${server.token}`), 101);
  assert.equal(await wsStatus('', { authorization: `Bearer ${server.token}` }), 101);
});

test('events arrive on the WebSocket', async () => {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api/events?token=${server.token}`);
  await new Promise((resolve) => ws.once('open', resolve));
  const got = new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));
  for (let i = 0; i < 50 && !pushed; i++) await new Promise((r) => setTimeout(r, 10));
  pushed!({ event: 'lanes.pauses', payload: { pauses: [] } });
  assert.deepEqual(JSON.parse(await got), { event: 'lanes.pauses', payload: { pauses: [] } });
  ws.close();
});

test('a foreign Host header (DNS rebinding) and cross-origin requests are refused, with the token', async () => {
  for (const host of ['evil.example', `evil.example:${server.port}`, '127.0.0.1', `127.0.0.1:${server.port + 1}`, `0.0.0.0:${server.port}`]) {
    const api = await request('POST', '/api/status.get', { headers: { ...json, host }, body: '{}', token: server.token });
    assert.equal(api.status, 403, `API with Host ${host}`);
    const page = await request('GET', `/?token=${server.token}`, { headers: { host } });
    assert.equal(page.status, 403, `page with Host ${host}`);
    assert.equal(await wsStatus(`?token=${server.token}`, { host }), 403, `WS with Host ${host}`);
  }
  for (const origin of ['http://evil.example', `http://127.0.0.1:${server.port + 1}`, 'null', `https://127.0.0.1:${server.port}`]) {
    const api = await request('POST', '/api/status.get', { headers: { ...json, origin }, body: '{}', token: server.token });
    assert.equal(api.status, 403, `API with Origin ${origin}`);
    assert.equal(await wsStatus(`?token=${server.token}`, { origin }), 403, `WS with Origin ${origin}`);
  }
  const crossSite = await request('GET', `/assets/app.js?token=${server.token}`, { headers: { 'sec-fetch-site': 'cross-site' } });
  assert.equal(crossSite.status, 403);
  const sameOrigin = await request('POST', '/api/status.get', { headers: { ...json, origin: `http://127.0.0.1:${server.port}`, 'sec-fetch-site': 'same-origin' }, body: '{}', token: server.token });
  assert.equal(sameOrigin.status, 200);
  const localhost = await request('POST', '/api/status.get', { headers: { ...json, host: `localhost:${server.port}` }, body: '{}', token: server.token });
  assert.equal(localhost.status, 200);
});

test('bad input is a 4xx, never a 5xx', async () => {
  const t = { token: server.token };
  const cases: [string, string, Record<string, string>, string | Buffer | undefined, number][] = [
    ['POST', '/api/photos.list', json, '{bad json', 400],
    ['POST', '/api/photos.list', json, '{"limit":"ten"}', 400],
    ['POST', '/api/photos.list', json, '{"limit":-1}', 400],
    ['POST', '/api/photos.list', json, 'null', 400],
    ['POST', '/api/photos.list', json, '[]', 400],
    ['POST', '/api/photos.list', json, '"x"', 400],
    ['POST', '/api/photos.get', json, '{"photoId":"../../etc/passwd"}', 400],
    ['POST', '/api/photos.get', json, '{"photoId":{"$ne":1}}', 400],
    ['POST', '/api/library.addFolders', json, JSON.stringify({ paths: Array.from({ length: 5000 }, (_, i) => `/p${i}`) }), 400],
    ['POST', '/api/library.addFolders', json, JSON.stringify({ paths: ['x'.repeat(5000)] }), 400],
    ['POST', '/api/library.addFolders', json, '{"paths":["/a"],"__proto__":{"polluted":true}}', 400],
    ['POST', '/api/lanes.pause', json, '{"scope":"all; FLUSHALL"}', 400],
    ['POST', '/api/photos.list', json, Buffer.alloc(MAX_BODY_BYTES + 10, 0x20), 413],
    ['POST', '/api/photos.list', { 'content-type': 'text/plain' }, '{}', 415],
    ['POST', '/api/photos.list', { 'content-type': 'application/x-www-form-urlencoded' }, 'a=1', 415],
    ['POST', '/api/no.such', json, '{}', 404],
    ['POST', '/api/__proto__', json, '{}', 404],
    ['POST', '/api/constructor', json, '{}', 404],
    ['GET', '/api/status.get', {}, undefined, 405],
    ['PUT', '/', {}, undefined, 405],
    ['GET', '/%E0%A4%A', {}, undefined, 400],
    ['GET', '/assets/%00.js', {}, undefined, 400],
  ];
  for (const [method, route, headers, body, status] of cases) {
    const reply = await request(method, route, { headers, body, ...t });
    assert.equal(reply.status, status, `${method} ${route} ${String(body).slice(0, 40)} → ${reply.status} ${reply.body.slice(0, 200)}`);
    assert.equal(JSON.parse(reply.body).ok, false);
  }
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('path tricks cannot leave the renderer or cache folders', async () => {
  const tricks = [
    '/../secret.txt',
    '/assets/../../secret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/..%5c..%5csecret.txt',
    '/....//secret.txt',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/media/../secret.txt',
    '/media/thumbs/ab/../../../secret.txt',
    '/media/thumbs/ab/..%2f..%2f..%2fsecret.txt',
    '/media/%2e%2e/%2e%2e/secret.txt',
    `/media/thumbs/cd/${HASH}.jpg`,
    '/media/thumbs/ab/abcdef.jpg.txt',
    '/media//etc/passwd',
    '/media/thumbs',
    '/assets',
  ];
  for (const trick of tricks) {
    const reply = await request('GET', trick, { token: server.token });
    assert.ok(reply.status >= 400 && reply.status < 500, `${trick} → ${reply.status}`);
    assert.ok(!reply.body.includes(secretOutside) && !reply.body.includes('root:'), `${trick} leaked a file`);
  }
});

test('the server listens on loopback only', async () => {
  const others = Object.values(os.networkInterfaces())
    .flat()
    .filter((a): a is os.NetworkInterfaceInfo => !!a && !a.internal && a.family === 'IPv4')
    .map((a) => a.address);
  for (const address of others) {
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: address, port: server.port });
      socket.setTimeout(2000, () => (socket.destroy(), resolve('timeout')));
      socket.once('connect', () => (socket.destroy(), resolve('connected')));
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
    });
    assert.notEqual(outcome, 'connected', `reachable on ${address}:${server.port}`);
  }
  // What the kernel says, whatever interfaces the machine has: the one listener on this port is bound
  // to 127.0.0.1 (not 0.0.0.0, not ::).
  const bound = loopbackListeners(server.port);
  assert.deepEqual(bound, ['127.0.0.1'], `listeners on port ${server.port}: ${bound.join(', ')}`);
  // And it is reachable on loopback (so the probes above mean something).
  const ok = await request('POST', '/api/status.get', { headers: json, body: '{}', token: server.token });
  assert.equal(ok.status, 200);
  if (others.length === 0) process.stderr.write('note: this machine has no non-loopback IPv4 address to probe; the kernel table was checked\n');
});

/** Local addresses of the TCP listeners on `port`, from /proc/net/tcp and tcp6 (hex little-endian IPv4). */
function loopbackListeners(port: number): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = LISTEN
      const [addr, hexPort] = f[1]!.split(':');
      if (parseInt(hexPort!, 16) !== port) continue;
      out.push(addr!.length === 8 ? addr!.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.') : `[${addr}]`);
    }
  }
  return out;
}
