import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findRepoRoot } from './photos.js';

export interface ServeChild {
  child: ChildProcess;
  /** The first stdout line: `http://127.0.0.1:PORT/?token=…`. */
  openUrl: string;
  base: string;
  token: string;
  stderr(): string;
  /** An API call with the token, as a script would make it; a refused call fails the test with its error. */
  call<T = unknown>(method: string, body: unknown): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts `shoebox serve` as a child process on a data folder: from dist (bin/shoebox.js) when the
 * tests run compiled, from source through tsx when they run as .ts.
 */
export async function startServe(dataDir: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const root = findRepoRoot();
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  const argv = fromSource
    ? ['--import', 'tsx', path.join(root, 'src-main', 'cli', 'bin.ts')]
    : [path.join(root, 'bin', 'shoebox.js')];
  const child = spawn(process.execPath, [...argv, 'serve', '--data', dataDir, ...args], {
    cwd: root,
    env: { ...process.env, SHOEBOX_CPU_WORKERS: '1', SHOEBOX_ML_WORKERS: '1', SHOEBOX_SHUTDOWN_GRACE_MS: '3000', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-8000)));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 90 s; stderr: ${stderr}`)), 90_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, newline));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL; stderr: ${stderr}`));
    });
  });
  const url = new URL(openUrl);
  const token = url.searchParams.get('token') ?? '';
  return {
    child,
    openUrl,
    base: `${url.protocol}//${url.host}`,
    token,
    stderr: () => stderr,
    call: async <T,>(method: string, body: unknown): Promise<T> => {
      const response = await fetch(`${url.protocol}//${url.host}/api/${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      const reply = (await response.json()) as { ok: boolean; result?: T; error?: unknown };
      assert.ok(reply.ok, `${method}: ${JSON.stringify(reply.error)}`);
      return reply.result as T;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
