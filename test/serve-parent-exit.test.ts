/**
 * `npx shoebox serve` stopped by signalling npx: npm dies, the engine must not stay behind. A shell
 * stands in for npx (it starts serve and is killed with SIGKILL, so it cannot pass anything on).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { cliInvocation, TEST_ENV } from './helpers/cli.js';
import { isAlive, makeTempDir, removeDir, waitFor } from './helpers/engine.js';
import { libraryPaths } from '../src-core/paths.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

test('serve stops cleanly by itself when the process that started it exits', { timeout: 150_000, skip: process.platform === 'win32' ? 'POSIX shell' : false }, async () => {
  const dataDir = makeTempDir('serve-parent');
  try {
    const { command, args } = cliInvocation();
    const line = [command, ...args, 'serve', '--data', dataDir].map(quote).join(' ');
    // The shell waits on serve like npx does; its stdout goes nowhere we read.
    const parent = spawn('/bin/sh', ['-c', `${line} >/dev/null 2>&1 & wait`], {
      env: { ...process.env, ...TEST_ENV, SHOEBOX_CPU_WORKERS: '1', SHOEBOX_ML_WORKERS: '1' },
      stdio: 'ignore',
    });
    const paths = libraryPaths(dataDir);
    let servePid = 0;
    await waitFor(() => {
      try {
        const file = JSON.parse(fs.readFileSync(paths.engineFile, 'utf8')) as { pid: number; http: unknown };
        servePid = file.pid;
        return file.http !== null; // serve has its HTTP server up: fully started
      } catch {
        return false;
      }
    }, 90_000, 'serve to start');
    const redisPidFile = fs.readdirSync(dataDir, { recursive: true }).map(String).find((f) => f.endsWith('redis.pid'));
    const redisPid = redisPidFile ? Number(fs.readFileSync(path.join(dataDir, redisPidFile), 'utf8').trim()) : null;
    assert.ok(isAlive(servePid));

    parent.kill('SIGKILL');
    await waitFor(() => !isAlive(servePid), 60_000, 'the orphaned engine to stop');
    if (redisPid) await waitFor(() => !isAlive(redisPid), 20_000, 'its redis-server to stop');
    // A clean stop removes engine.json (a crash would leave it for the next start to find stale).
    assert.equal(fs.existsSync(paths.engineFile), false, 'engine.json left behind: not a clean stop');
  } finally {
    removeDir(dataDir);
  }
});
