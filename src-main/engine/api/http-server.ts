import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { HTTP_STATUS, type ApiErrorInfo, type AnyEvent } from '../../../src-shared/api/contract.js';
import { dispatch, type Handlers } from './dispatch.js';
import { CONTENT_TYPES, resolveInside, resolveMediaPath } from './paths.js';

export interface ApiServerOptions {
  handlers: Handlers;
  /** Pushed events; each WebSocket client subscribes. */
  subscribe: (listener: (event: AnyEvent) => void) => () => void;
  /** Called when a client connects, so it gets the full state on the next tick. */
  onClientConnected?: () => void;
  cacheDir: string;
  /** The built renderer (index.html + assets); a page saying how to build it is served when missing. */
  rendererDir: string;
  /** 0: a free port. */
  port?: number;
  /** Loopback only: 127.0.0.1 (default) or ::1. */
  host?: '127.0.0.1' | '::1';
  token?: string;
  log?: { warn(message: string): void };
}

export interface ApiServer {
  url: string;
  /** The URL to open: url + `?token=…`. */
  openUrl: string;
  token: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Request bodies are JSON commands; anything larger is refused before it is read whole. The largest real
 * ones are a selection's photo ids (an export of MAX_SELECTION = 100 000 ids is about 4 MB) and an imported
 * preset file (up to 2 MB), hence 8 MiB.
 */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** A WebSocket client that reads too slowly is dropped rather than buffered without bound. */
const MAX_WS_BUFFER = 8 * 1024 * 1024;
const API_PREFIX = '/api/';
const EVENTS_PATH = '/api/events';

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly info: ApiErrorInfo,
  ) {
    super(info.message);
  }
}

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function parseCookies(header: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (header ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0) map.set(part.slice(0, index).trim(), part.slice(index + 1).trim());
  }
  return map;
}

/**
 * The HTTP + WebSocket transport of the API, for `shoebox serve`, the browser UI and the e2e tests.
 *
 * - Binds a loopback address only; never 0.0.0.0.
 * - Every route and the WebSocket need the random token (`Authorization: Bearer`, `X-Shoebox-Token`
 *   or `?token=`). The page's own static files and media may use the cookie set when the page was
 *   opened with the token (a `<script>` or `<img>` cannot send headers); API calls may not.
 * - The Host header must name this server (DNS rebinding), and a cross-origin request is refused.
 * - Bodies are size-limited JSON, validated against the contract: bad input is a 4xx, never a 5xx.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const token = options.token ?? crypto.randomBytes(24).toString('base64url');
  const host = options.host ?? '127.0.0.1';
  let port = 0;
  let allowedHosts = new Set<string>();
  let allowedOrigins = new Set<string>();
  const cookieName = () => `shoebox-token-${port}`;

  function checkRequest(req: http.IncomingMessage, url: URL, allowCookie: boolean): void {
    const hostHeader = (req.headers.host ?? '').toLowerCase();
    if (!allowedHosts.has(hostHeader)) throw new HttpError(403, { code: 'forbidden', message: 'unexpected Host header' });
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin.toLowerCase())) throw new HttpError(403, { code: 'forbidden', message: 'cross-origin requests are refused' });
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new HttpError(403, { code: 'forbidden', message: 'cross-site requests are refused' });
    const auth = req.headers.authorization;
    const given =
      (auth?.startsWith('Bearer ') ? auth.slice(7) : null) ??
      (req.headers['x-shoebox-token'] as string | undefined) ??
      url.searchParams.get('token') ??
      (allowCookie ? parseCookies(req.headers.cookie).get(cookieName()) : null);
    if (!sameToken(given, token)) throw new HttpError(401, { code: 'unauthorized', message: 'missing or wrong token' });
  }

  function securityHeaders(res: http.ServerResponse): void {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer'); // the token is in the page URL
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  }

  function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }

  async function readBody(req: http.IncomingMessage): Promise<unknown> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    // JSON only: also keeps HTML forms (which cannot send it without a CORS preflight) out.
    if (type !== 'application/json') throw new HttpError(415, { code: 'bad-request', message: 'send the request as application/json' });
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) throw new HttpError(413, { code: 'too-large', message: `request body over ${MAX_BODY_BYTES} bytes` });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new HttpError(413, { code: 'too-large', message: `request body over ${MAX_BODY_BYTES} bytes` });
      chunks.push(chunk);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new HttpError(400, { code: 'bad-request', message: 'the body is not valid JSON' });
    }
  }

  function sendFile(req: http.IncomingMessage, res: http.ServerResponse, file: string, cache: string): void {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new HttpError(404, { code: 'not-found', message: 'not found' });
    }
    if (!stat.isFile()) throw new HttpError(404, { code: 'not-found', message: 'not found' });
    res.writeHead(200, { 'Content-Type': CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream', 'Content-Length': stat.size, 'Cache-Control': cache });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    fs.createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  function contentSecurityPolicy(): string {
    return [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "form-action 'none'",
    ].join('; ');
  }

  function serveIndex(res: http.ServerResponse, req: http.IncomingMessage): void {
    res.setHeader('Content-Security-Policy', contentSecurityPolicy());
    // The page's scripts and images cannot carry a header: they ride on this cookie (same origin only).
    res.setHeader('Set-Cookie', `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`);
    const index = path.join(options.rendererDir, 'index.html');
    if (!fs.existsSync(index)) {
      const text = '<!doctype html><title>Shoebox</title><p>The UI is not built: run <code>npm run build:renderer</code>.</p>';
      res.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(text);
      return;
    }
    sendFile(req, res, index, 'no-store');
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    securityHeaders(res);
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://127.0.0.1');
    } catch {
      throw new HttpError(400, { code: 'bad-request', message: 'bad URL' });
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      throw new HttpError(400, { code: 'bad-request', message: 'bad URL encoding' });
    }
    if (pathname.includes('\0')) throw new HttpError(400, { code: 'bad-request', message: 'bad path' });
    const isApi = pathname.startsWith(API_PREFIX);
    checkRequest(req, url, !isApi);

    if (isApi) {
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        throw new HttpError(405, { code: 'bad-request', message: 'API calls are POST' });
      }
      const method = pathname.slice(API_PREFIX.length);
      const body = await readBody(req);
      const result = await dispatch(options.handlers, method, body, (m, error) => options.log?.warn(`api ${m} failed: ${(error as Error)?.stack ?? error}`));
      if (result.ok) sendJson(res, 200, result);
      else sendJson(res, HTTP_STATUS[result.error.code], result);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      throw new HttpError(405, { code: 'bad-request', message: 'method not allowed' });
    }
    if (pathname.startsWith('/media/')) {
      const file = resolveMediaPath(options.cacheDir, pathname.slice('/media/'.length));
      if (!file) throw new HttpError(404, { code: 'not-found', message: 'no such media' });
      // Content-addressed: a name never changes content, so it may be cached for long.
      sendFile(req, res, file, 'private, max-age=31536000, immutable');
      return;
    }
    if (pathname === '/' || pathname === '/index.html') {
      serveIndex(res, req);
      return;
    }
    const file = resolveInside(options.rendererDir, pathname);
    if (!file) throw new HttpError(404, { code: 'not-found', message: 'not found' });
    sendFile(req, res, file, pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache');
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const info: ApiErrorInfo = error instanceof HttpError ? error.info : { code: 'internal', message: 'internal error' };
      if (!(error instanceof HttpError)) options.log?.warn(`http ${req.method} ${req.url?.split('?')[0]}: ${(error as Error)?.stack ?? error}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Drain what is left of a refused body so the connection ends cleanly.
      req.resume();
      if (status === 413) res.setHeader('Connection', 'close');
      sendJson(res, status, { ok: false, error: info });
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const wss = new WebSocketServer({ noServer: true, maxPayload: 4096 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket: Duplex, head) => {
    const refuse = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== EVENTS_PATH) return refuse(404, 'Not Found');
      checkRequest(req, url, false);
    } catch (error) {
      if (error instanceof HttpError) return refuse(error.status, error.status === 401 ? 'Unauthorized' : 'Forbidden');
      return refuse(400, 'Bad Request');
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const unsubscribe = options.subscribe((event) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > MAX_WS_BUFFER) {
          ws.close(1013, 'too slow'); // the client reconnects and reloads from the store
          return;
        }
        ws.send(JSON.stringify(event));
      });
      ws.on('message', () => undefined); // the socket carries events one way
      ws.on('error', () => undefined);
      ws.on('close', () => {
        unsubscribe();
        sockets.delete(ws);
      });
      options.onClientConnected?.();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const hostNames = host === '::1' ? ['[::1]', 'localhost'] : ['127.0.0.1', 'localhost'];
  allowedHosts = new Set(hostNames.map((h) => `${h}:${port}`));
  allowedOrigins = new Set(hostNames.map((h) => `http://${h}:${port}`));
  const base = `http://${hostNames[0]}:${port}`;
  return {
    url: `${base}/`,
    openUrl: `${base}/?token=${token}`,
    token,
    port,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
