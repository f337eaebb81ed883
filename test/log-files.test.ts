/**
 * Log rotation and pruning (issue 18), on real files through the app's real logger (electron-log):
 * a log over its size is rotated keeping N archives, the oldest dropped; the cleanup removes log
 * files nobody has written for a while and reports the bytes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createFileLogger } from '../src-core/logger.js';
import { pruneOldLogs, rotateLogFile } from '../src-core/maintenance/log-files.js';
import { makeTempDir, removeDir } from './helpers/engine.js';

describe('log files', () => {
  it('rotates a log by size, keeping the live file and N archives', () => {
    const dir = makeTempDir('logs-rotate');
    try {
      const log = createFileLogger(dir, 'engine', false, { maxBytes: 4096, keep: 2 });
      for (let i = 0; i < 400; i++) log.info(`line ${i} ${'x'.repeat(60)}`);
      assert.deepEqual(fs.readdirSync(dir).sort(), ['engine.1.log', 'engine.2.log', 'engine.log']);
      for (const name of fs.readdirSync(dir)) assert.ok(fs.statSync(path.join(dir, name)).size <= 4096 + 200, `${name} stays near the limit`);
      assert.match(fs.readFileSync(path.join(dir, 'engine.log'), 'utf8'), /line 399 /, 'the newest lines are in the live file');
      assert.doesNotMatch(fs.readFileSync(path.join(dir, 'engine.2.log'), 'utf8'), /line 0 /, 'the oldest archive was dropped');
    } finally {
      removeDir(dir);
    }
  });

  it('rotateLogFile shifts archives and drops the one past the limit', () => {
    const dir = makeTempDir('logs-shift');
    try {
      const file = path.join(dir, 'cli.log');
      for (const n of [1, 2, 3]) {
        fs.writeFileSync(file, `generation ${n}`);
        rotateLogFile(file, 2);
      }
      assert.deepEqual(fs.readdirSync(dir).sort(), ['cli.1.log', 'cli.2.log']);
      assert.equal(fs.readFileSync(path.join(dir, 'cli.1.log'), 'utf8'), 'generation 3');
      assert.equal(fs.readFileSync(path.join(dir, 'cli.2.log'), 'utf8'), 'generation 2');
    } finally {
      removeDir(dir);
    }
  });

  it('prunes log files not written for a while, and says how many bytes', async () => {
    const dir = makeTempDir('logs-prune');
    try {
      const old = (Date.now() - 20 * 24 * 3600_000) / 1000;
      fs.writeFileSync(path.join(dir, 'remote-workers-111.log'), 'a'.repeat(1000));
      fs.writeFileSync(path.join(dir, 'engine.3.log'), 'b'.repeat(500));
      for (const name of ['remote-workers-111.log', 'engine.3.log']) fs.utimesSync(path.join(dir, name), old, old);
      fs.writeFileSync(path.join(dir, 'engine.log'), 'live');
      fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a log');
      fs.utimesSync(path.join(dir, 'notes.txt'), old, old);
      assert.deepEqual(await pruneOldLogs(dir), { removed: 2, bytesFreed: 1500 });
      assert.deepEqual(fs.readdirSync(dir).sort(), ['engine.log', 'notes.txt']);
      assert.deepEqual(await pruneOldLogs(path.join(dir, 'absent')), { removed: 0, bytesFreed: 0 });
    } finally {
      removeDir(dir);
    }
  });
});
