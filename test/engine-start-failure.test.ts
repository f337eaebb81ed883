/**
 * An engine start that fails after redis-server and the workers are up (here: workers not ready in time)
 * leaves nothing behind: no process of the library, no engine file, and nothing that keeps the calling
 * process alive — a leftover interval would hang the CLI, the desktop app's retry, or a test run.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, describe, it } from 'node:test';
import { libraryPaths } from '../src-core/paths.js';
import { libraryProcesses } from './helpers/library-processes.js';
import { makeTempDir, removeDir } from './helpers/engine.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A process that starts an engine which cannot get ready in time, catches the failure, and then simply returns. */
const STARTER = `
const { Engine } = await import(${JSON.stringify(pathToFileURL(path.join(distDir, 'src-main/engine/engine.js')).href)});
const { testConfig } = await import(${JSON.stringify(pathToFileURL(path.join(distDir, 'test/helpers/engine.js')).href)});
try {
  await Engine.start(testConfig(process.argv[1], { cpuWorkers: 1, mlWorkers: 1, interactiveWorker: false }), { consoleLevel: false, workersReadyTimeoutMs: 1 });
  console.log('started');
} catch (error) {
  console.log('start failed: ' + error.message);
}
`;

describe('an engine start that fails half-way', () => {
  const dataDir = makeTempDir('start-failure');
  after(() => removeDir(dataDir));

  it('workers not ready in time: the start fails saying which, the process then exits by itself, nothing is left', { timeout: 120_000 }, async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', STARTER, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const gaveUp = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 60_000).unref());
    const result = await Promise.race([exited, gaveUp]);
    if (result === 'still running') child.kill('SIGKILL');
    assert.match(out, /start failed: workers not ready after 1 ms: .*ml-0=/, out);
    assert.equal(result, 0, `the process did not exit on its own after the failed start (a timer or socket left open): ${out}`);
    assert.equal(fs.existsSync(libraryPaths(dataDir).engineFile), false, 'no engine file');
    assert.deepEqual(libraryProcesses(dataDir), [], "no redis-server or worker of the library is left");
  });
});
