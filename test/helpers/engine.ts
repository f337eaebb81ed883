import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type EngineConfig } from '../../src-core/config.js';
import { Engine } from '../../src-main/engine/engine.js';
import { TEST_ENV } from './cli.js';
export { isProcessAlive as isAlive } from '../../src-main/engine/process-utils.js';

export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `shoebox-${prefix}-`));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

export function testConfig(dataDir: string, overrides: Partial<EngineConfig> = {}, env: NodeJS.ProcessEnv = {}): EngineConfig {
  return { ...loadConfig({ data: dataDir, cpuWorkers: 1, mlWorkers: 1 }, { ...process.env, ...TEST_ENV, ...env }), ...overrides };
}

/** Starts a real engine (its own redis-server, forked workers, SQLite) in a temp library. */
export async function startTestEngine(dataDir: string, overrides: Partial<EngineConfig> = {}): Promise<Engine> {
  return Engine.start(testConfig(dataDir, overrides), { consoleLevel: false });
}


export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
