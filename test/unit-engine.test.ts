import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { formatFailedReason, parseFailedReason } from '../src-shared/errors.js';
import { nextJob, photoJobId } from '../src-shared/jobs.js';
import { ConfigError, loadConfig, parseStoreUrl, settingsFile } from '../src-core/config.js';
import { queuesFor } from '../src-main/engine/engine.js';
import { decideFile, needsContentHash } from '../src-main/engine/ingest/decide.js';
import { pollIntervalMs } from '../src-main/engine/ingest/ingest-runner.js';
import { scanFolders, type ScanStats } from '../src-main/engine/ingest/scan.js';
import { photoIdFromJobId } from '../src-main/engine/operations.js';
import { endpointFromUrl } from '../src-core/redis-endpoint.js';
import { nextJobFor } from '../src-main/engine/sweep.js';
import type { PhotoRecord } from '../src-shared/photo.js';
import { cappedJitterDelay } from '../src-worker/backoff.js';
import { ExclusiveRetryGate } from '../src-worker/stages/decode-gate.js';
import { makeTempDir, removeDir } from './helpers/engine.js';

describe('backoff', () => {
  it('grows exponentially with jitter and never passes the cap', () => {
    const low = () => 0;
    const high = () => 0.999999;
    assert.equal(cappedJitterDelay(1, 1000, 600_000, low), 500);
    assert.equal(cappedJitterDelay(2, 1000, 600_000, low), 1000);
    assert.equal(cappedJitterDelay(3, 1000, 600_000, high), 4000);
    assert.equal(cappedJitterDelay(30, 1000, 600_000, high), 600_000);
    const samples = new Set(Array.from({ length: 50 }, () => cappedJitterDelay(4, 1000, 600_000)));
    assert.ok(samples.size > 10, 'jitter spreads retries');
    for (const s of samples) assert.ok(s >= 4000 && s <= 8000);
  });
});

describe('failed reasons', () => {
  it('round-trip a code through BullMQ failedReason text', () => {
    assert.deepEqual(parseFailedReason(formatFailedReason({ code: 'corrupt-file', message: 'VipsJpeg: premature end' })), {
      code: 'corrupt-file',
      message: 'VipsJpeg: premature end',
    });
  });
  it('map a repeatedly stalled job to "worker crashed"', () => {
    assert.equal(parseFailedReason('job stalled more than allowable limit').code, 'worker-crashed');
  });
  it('keep unknown text as an internal error rather than dropping it', () => {
    assert.deepEqual(parseFailedReason('boom'), { code: 'internal', message: 'boom' });
  });
});

describe('job ids and the pipeline graph', () => {
  it('are deterministic per photo and revision, without ":"', () => {
    const id = photoJobId('photo.cpu', { photoId: 'abc123', revision: 2, ingestId: null });
    assert.equal(id, 'photo_cpu-abc123-r2');
    assert.equal(photoIdFromJobId(id), 'abc123');
    assert.equal(photoIdFromJobId('abc123'), 'abc123');
    assert.equal(nextJob('photo.cpu'), 'photo.ml');
    assert.equal(nextJob('photo.ml'), 'group');
    assert.equal(nextJob('group'), null);
  });
  it('the sweep picks the ML job once the CPU stages are done', () => {
    const base = { id: 'p', revision: 0, ingestId: null, state: 'processing' as const };
    assert.equal(nextJobFor({ ...base, stages: {} }), 'photo.cpu');
    assert.equal(nextJobFor({ ...base, stages: { preprocess: 'done', metadata: 'running' } }), 'photo.cpu');
    assert.equal(nextJobFor({ ...base, stages: { preprocess: 'done', metadata: 'done' } }), 'photo.ml');
  });
});

describe('deciding what a scanned file needs', () => {
  const known: PhotoRecord = {
    id: 'p1', path: '/a.jpg', size: 100, mtimeMs: 1000, contentHash: 'h1', state: 'done', revision: 3, ingestId: null,
    failedStage: null, errorCode: null, error: null, note: null, createdAt: '', updatedAt: '',
  };
  const newId = () => 'fresh';
  it('new, unchanged, resume', () => {
    assert.equal(decideFile({ path: '/b.jpg', size: 1, mtimeMs: 1 }, undefined, null, newId).kind, 'new');
    assert.equal(decideFile({ path: '/a.jpg', size: 100, mtimeMs: 1000 }, known, null, newId).kind, 'unchanged');
    assert.equal(decideFile({ path: '/a.jpg', size: 100, mtimeMs: 1000 }, { ...known, state: 'processing' }, null, newId).kind, 'resume');
  });
  it('stat moved: the content hash decides between touched and changed', () => {
    const moved = { path: '/a.jpg', size: 100, mtimeMs: 2000 };
    assert.equal(needsContentHash(moved, known), true);
    assert.equal(decideFile(moved, known, 'h1', newId).kind, 'touched');
    assert.equal(decideFile(moved, known, 'h2', newId).kind, 'changed');
    assert.equal(needsContentHash({ path: '/a.jpg', size: 100, mtimeMs: 1000 }, known), false);
  });
});

describe('scanning folders', () => {
  const root = makeTempDir('scan');
  after(() => removeDir(root));

  it('finds photos by extension and by content, skips hidden/system folders, survives symlink loops', async () => {
    const jpeg = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).jpeg().toBuffer();
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#888' } }).png().toBuffer();
    fs.mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
    fs.mkdirSync(path.join(root, '.hidden'));
    fs.mkdirSync(path.join(root, '@eaDir'));
    fs.mkdirSync(path.join(root, 'x.jpg')); // a folder named like a photo
    fs.writeFileSync(path.join(root, 'a', 'one.jpg'), jpeg);
    fs.writeFileSync(path.join(root, 'a', 'b', 'no-extension'), png);
    fs.writeFileSync(path.join(root, 'a', 'b', 'notes.txt'), 'not a photo');
    fs.writeFileSync(path.join(root, 'a', 'b', 'with space & "quotes".jpg'), jpeg);
    fs.writeFileSync(path.join(root, '.hidden', 'secret.jpg'), jpeg);
    fs.writeFileSync(path.join(root, '@eaDir', 'thumb.jpg'), jpeg);
    fs.symlinkSync(root, path.join(root, 'a', 'b', 'loop')); // a link back up the tree
    const stats: ScanStats = { folders: 0, ignored: 0, unreadableFolders: [] };
    const found: string[] = [];
    for await (const file of scanFolders([root], stats)) found.push(path.relative(root, file.path));
    assert.deepEqual(found.sort(), ['a/b/no-extension', 'a/b/with space & "quotes".jpg', 'a/one.jpg']);
    assert.equal(stats.ignored, 1, 'notes.txt');
  });
});

describe('configuration', () => {
  const dir = makeTempDir('config');
  after(() => removeDir(dir));

  it('flags win over environment, which wins over saved settings, which win over defaults', () => {
    fs.writeFileSync(settingsFile(dir), JSON.stringify({ cpuWorkers: 3, mlWorkers: 2 }));
    assert.equal(loadConfig({ data: dir }, {}).cpuWorkers, 3);
    assert.equal(loadConfig({ data: dir }, { SHOEBOX_CPU_WORKERS: '5' }).cpuWorkers, 5);
    assert.equal(loadConfig({ data: dir, cpuWorkers: 7 }, { SHOEBOX_CPU_WORKERS: '5' }).cpuWorkers, 7);
    assert.equal(loadConfig({ data: dir }, {}).mlWorkers, 2);
  });
  it('rejects bad values with the setting named', () => {
    assert.throws(() => loadConfig({ data: dir }, { SHOEBOX_CPU_WORKERS: 'many' }), (e: Error) => e instanceof ConfigError && /SHOEBOX_CPU_WORKERS/.test(e.message));
    assert.throws(() => loadConfig({ data: dir, cpuWorkers: 0 }, {}), (e: Error) => e instanceof ConfigError && /cpuWorkers/.test(e.message));
    assert.throws(() => parseStoreUrl('mysql://x'), ConfigError);
    assert.throws(() => loadConfig({ data: dir }, { SHOEBOX_INTERACTIVE_WORKER: 'maybe' }), (e: Error) => e instanceof ConfigError && /SHOEBOX_INTERACTIVE_WORKER/.test(e.message));
    assert.throws(() => loadConfig({ data: dir }, { SHOEBOX_BACKGROUND_NICENESS: '25' }), (e: Error) => e instanceof ConfigError && /backgroundNiceness/.test(e.message));
  });
  it('the interactive worker takes the high_priority lanes from the bulk workers, which run niced', () => {
    const on = loadConfig({ data: dir }, {});
    assert.equal(on.interactiveWorker, true);
    assert.equal(on.backgroundNiceness, 10);
    const names = (role: 'cpu' | 'ml' | 'interactive', config = on) => queuesFor(role, config).map((q) => `${q.workerClass}-${q.lane}×${q.concurrency}`);
    assert.deepEqual(names('cpu'), [`cpu-default×${on.cpuConcurrency}`, 'cpu-learning×1', 'cpu-maintenance×1']);
    assert.deepEqual(names('ml'), [`ml-default×${on.mlConcurrency}`, 'ml-learning×1', 'ml-maintenance×1']);
    assert.deepEqual(names('interactive'), [`cpu-high_priority×${on.cpuConcurrency}`, `ml-high_priority×${on.mlConcurrency}`]);
    const off = loadConfig({ data: dir }, { SHOEBOX_INTERACTIVE_WORKER: 'off' });
    assert.deepEqual(names('cpu', off), [`cpu-high_priority×1`, `cpu-default×${off.cpuConcurrency}`, 'cpu-learning×1', 'cpu-maintenance×1']);
    // A CPU-only helper machine: its interactive process loads no models.
    assert.deepEqual(names('interactive', { ...on, mlWorkers: 0 }), [`cpu-high_priority×${on.cpuConcurrency}`]);
  });
  it('parses store and Redis URLs', () => {
    assert.deepEqual(parseStoreUrl('postgres://u@h:5432/db?schema=lib2'), { kind: 'postgres', url: 'postgres://u@h:5432/db', schema: 'lib2' });
    assert.deepEqual(endpointFromUrl('redis://:secret@10.0.0.5:6380/2'), {
      kind: 'tcp', host: '10.0.0.5', port: 6380, username: null, password: 'secret', tls: false, caFile: null, db: 2,
    });
  });
});

describe('the decode gate (a retry that lost libvips\' words runs alone)', () => {
  it('shared work runs side by side; alone waits for it, runs with nothing beside it, then lets the rest go', async () => {
    const gate = new ExclusiveRetryGate();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const step = (name: string, ms: number) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`${name}:start${gate.runningAlone ? ':alone' : ''}`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      log.push(`${name}:end`);
      return name;
    };
    const a = gate.shared(step('a', 30));
    const b = gate.shared(step('b', 30));
    await new Promise((resolve) => setTimeout(resolve, 5));
    const retry = gate.alone(async () => {
      assert.equal(running, 0, 'nothing else runs while alone');
      return step('retry', 10)();
    });
    const c = gate.shared(step('c', 5)); // arrives during the retry's wait: runs after it
    assert.deepEqual(await Promise.all([a, b, retry, c]), ['a', 'b', 'retry', 'c']);
    assert.equal(most, 2);
    assert.deepEqual(log, ['a:start', 'b:start', 'a:end', 'b:end', 'retry:start:alone', 'retry:end', 'c:start', 'c:end']);
  });
});

describe('ingest polling', () => {
  it('a photo someone waits for is polled often; a large ingest at most every 250 ms', () => {
    assert.ok(pollIntervalMs(1) <= 30);
    assert.ok(pollIntervalMs(100) > pollIntervalMs(1));
    assert.equal(pollIntervalMs(20_000), 250);
  });
});

describe('progress ETA', () => {
  it('reads like a person would write it, and waits for a rate', async () => {
    const { formatEta } = await import('../src-main/cli/progress.js');
    assert.equal(formatEta(null), '…');
    assert.equal(formatEta(Infinity), '…');
    assert.equal(formatEta(42.4), '42s');
    assert.equal(formatEta(425), '7m 05s');
    assert.equal(formatEta(4320), '1h 12m');
  });
});
