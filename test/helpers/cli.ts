import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './photos.js';

/** How to start the CLI as a child process: the compiled bin from dist/, or the source under tsx. */
export function cliInvocation(): { command: string; args: string[] } {
  const fromSource = fileURLToPath(import.meta.url).endsWith('.ts');
  return fromSource
    ? { command: process.execPath, args: ['--import', 'tsx', path.join(repoRoot, 'src-main', 'cli', 'bin.ts')] }
    : { command: process.execPath, args: [path.join(repoRoot, 'bin', 'shoebox.js')] };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Test-friendly engine settings: short backoff so retried jobs don't stall a test. */
export const TEST_ENV: NodeJS.ProcessEnv = {
  SHOEBOX_BACKOFF_BASE_MS: '200',
  SHOEBOX_BACKOFF_CAP_MS: '1000',
  SHOEBOX_SHUTDOWN_GRACE_MS: '5000',
  // One process fewer per engine on the 2-core test machine; the tests about high_priority and the
  // quick-start run turn it on (it is on by default).
  SHOEBOX_INTERACTIVE_WORKER: '0',
  // Likewise no second ML worker once the CPU lanes are empty (on by default for analyze);
  // test/analyze-processes.test.ts runs analyze as a user's shell would, boost included.
  SHOEBOX_ML_BOOST: '0',
};

export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const { command, args: prefix } = cliInvocation();
  const child = spawn(command, [...prefix, ...args], {
    env: { ...process.env, ...TEST_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

export async function runCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return startCli(args, env).done;
}

/** Parses the last JSON object a command printed (the --json summary). */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const start = stdout.lastIndexOf('\n{');
  return JSON.parse(stdout.slice(start === -1 ? stdout.indexOf('{') : start + 1)) as T;
}
