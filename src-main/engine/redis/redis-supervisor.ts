import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { Logger } from '../../../src-core/logger.js';
import { redisOptions, type RedisEndpoint } from '../../../src-core/redis-endpoint.js';
import { findRedisServer } from './find-redis-server.js';
import { freeLoopbackPort, isProcessAlive } from '../process-utils.js';

export interface RedisSupervisorOptions {
  /** The library's redis folder: config, AOF, pid file and log live here (mode 0700). */
  redisDir: string;
  binary: string | null;
  maxMemoryMb: number;
  log: Logger;
}

/** Unix socket paths are limited to ~104 bytes; a deep library folder falls back to a private temp folder. */
const MAX_SOCKET_PATH = 100;

function socketDirFor(redisDir: string): string {
  if (path.join(redisDir, 'redis.sock').length <= MAX_SOCKET_PATH) return redisDir;
  const digest = crypto.createHash('sha1').update(redisDir).digest('hex').slice(0, 12);
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return path.join(os.tmpdir(), `shoebox-${uid}-${digest}`);
}

function makePrivateDir(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.chmodSync(dir, 0o700);
}



/**
 * Starts and owns the bundled redis-server: writes its config into the library, listens only where
 * this user can reach it (unix socket in a 0700 folder, `port 0`; a random loopback port with a
 * password where sockets are unavailable), restarts it with backoff if it dies, and stops it with a
 * save on shutdown. It never connects to any other Redis on the machine.
 *
 * Events: 'ready' (endpoint), 'exit' (code, signal) when it died unexpectedly, 'restarted'.
 */
export class RedisSupervisor extends EventEmitter {
  private child: ChildProcess | null = null;
  private stopping = false;
  private restarts = 0;
  private endpoint: RedisEndpoint | null = null;
  private readonly binary: string;
  readonly configFile: string;
  readonly pidFile: string;

  constructor(private readonly options: RedisSupervisorOptions) {
    super();
    this.binary = findRedisServer(options.binary);
    this.configFile = path.join(options.redisDir, 'redis.conf');
    this.pidFile = path.join(options.redisDir, 'redis.pid');
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  get restartCount(): number {
    return this.restarts;
  }

  async start(): Promise<RedisEndpoint> {
    makePrivateDir(this.options.redisDir);
    await this.stopLeftover();
    this.endpoint = await this.writeConfig();
    await this.spawnAndWait();
    return this.endpoint;
  }

  /** A redis-server left running by an engine that was killed: ask it to save and exit. */
  private async stopLeftover(): Promise<void> {
    let pid: number;
    try {
      pid = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
    } catch {
      return;
    }
    if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return;
    const cmdline = (() => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        return null;
      }
    })();
    // Only stop it if it is ours: redis-server retitles itself "redis-server unixsocket:<path>",
    // so it is recognised by this library's private socket (or its config file before the retitle).
    const socketPath = path.join(socketDirFor(this.options.redisDir), 'redis.sock');
    if (cmdline !== null && !cmdline.includes(socketPath) && !cmdline.includes(this.configFile)) return;
    this.options.log.warn(`stopping a redis-server (pid ${pid}) left running by an earlier engine`);
    try {
      process.kill(pid, 'SIGTERM'); // redis saves (AOF fsync) and exits on SIGTERM
    } catch {
      return; // not ours to stop
    }
    for (let i = 0; i < 100 && isProcessAlive(pid); i++) await sleep(100);
    if (isProcessAlive(pid)) process.kill(pid, 'SIGKILL');
  }

  private async writeConfig(): Promise<RedisEndpoint> {
    const password = crypto.randomBytes(24).toString('hex');
    const dir = this.options.redisDir;
    const lines = [
      '# Written by Shoebox at every start; edits are overwritten.',
      `dir "${dir}"`,
      `pidfile "${this.pidFile}"`,
      `logfile "${path.join(dir, 'redis.log')}"`,
      'daemonize no',
      'appendonly yes',
      'appendfsync everysec',
      'appendfilename "appendonly.aof"',
      'save ""',
      'maxmemory-policy noeviction',
      `maxmemory ${this.options.maxMemoryMb}mb`,
      `requirepass ${password}`,
      'protected-mode yes',
    ];
    let endpoint: RedisEndpoint;
    if (process.platform === 'win32') {
      const port = await freeLoopbackPort();
      lines.push('bind 127.0.0.1', `port ${port}`);
      endpoint = { kind: 'tcp', host: '127.0.0.1', port, password };
    } else {
      const socketDir = socketDirFor(dir);
      makePrivateDir(socketDir);
      const socketPath = path.join(socketDir, 'redis.sock');
      lines.push('port 0', `unixsocket "${socketPath}"`, 'unixsocketperm 700');
      endpoint = { kind: 'socket', path: socketPath, password };
    }
    fs.writeFileSync(this.configFile, `${lines.join('\n')}\n`, { mode: 0o600 });
    fs.chmodSync(this.configFile, 0o600);
    return endpoint;
  }

  private async spawnAndWait(): Promise<void> {
    const child = spawn(this.binary, [this.configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child.once('exit', (code, signal) => this.onExit(child, code, signal, stderr));
    const started = Date.now();
    let lastError: unknown = null;
    while (Date.now() - started < 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) {
        const logTail = this.readLogTail();
        throw new Error(`redis-server exited at start (code ${child.exitCode}, signal ${child.signalCode}): ${stderr || logTail}`);
      }
      try {
        await this.ping();
        this.options.log.info(`redis-server ready (pid ${child.pid})`);
        this.emit('ready', this.endpoint);
        return;
      } catch (error) {
        lastError = error;
        await sleep(50);
      }
    }
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer within 15 s: ${String(lastError)}`);
  }

  private readLogTail(): string {
    try {
      return fs.readFileSync(path.join(this.options.redisDir, 'redis.log'), 'utf8').slice(-2000);
    } catch {
      return '';
    }
  }

  private async ping(): Promise<void> {
    const client = new Redis({ ...redisOptions(this.endpoint!), maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
    client.on('error', () => undefined);
    try {
      await client.connect();
      // Loading the AOF answers LOADING: not ready yet.
      await client.ping();
    } finally {
      client.disconnect();
    }
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null, stderr: string): void {
    if (this.child !== child) return;
    this.child = null;
    if (this.stopping) return;
    this.options.log.error(`redis-server exited unexpectedly (code ${code}, signal ${signal}) ${stderr.trim()}`);
    this.emit('exit', code, signal);
    void this.restartWithBackoff();
  }

  private async restartWithBackoff(): Promise<void> {
    for (let attempt = 0; !this.stopping; attempt++) {
      await sleep(Math.min(100 * 2 ** attempt, 5000));
      if (this.stopping) return;
      try {
        await this.spawnAndWait();
        this.restarts++;
        this.emit('restarted');
        return;
      } catch (error) {
        this.options.log.error(`redis-server restart failed: ${String(error)}`);
      }
    }
  }

  /** SHUTDOWN SAVE: the AOF is fsynced and the server exits. Falls back to signals. */
  async stop(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const client = new Redis({ ...redisOptions(this.endpoint!), maxRetriesPerRequest: 0, retryStrategy: () => null });
      client.on('error', () => undefined);
      await client.call('SHUTDOWN', 'SAVE').catch(() => undefined); // the connection closes as it exits
      client.disconnect();
    } catch {
      child.kill('SIGTERM');
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }
}
