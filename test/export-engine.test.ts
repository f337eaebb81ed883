/**
 * Exports through the real engine (issue 16): its own redis-server, forked workers, a SQLite library
 * holding real photos. The CPU worker is killed (SIGKILL) in the middle of an export; the pool restarts
 * it, BullMQ hands the interrupted job out again, and the export finishes with every file exactly once,
 * none torn, no temp file left, each matching the hash its item recorded. Then `shoebox export` as a
 * person runs it (the CLI starting its own engine): long edge, GPS stripped, JSON summary.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { createExport, queueExportJobs } from '../src-core/export/plan-export.js';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import { ExportsRepo } from '../src-core/store/repos/exports-repo.js';
import type { Store } from '../src-core/store/store.js';
import type { Engine } from '../src-main/engine/engine.js';
import { lastJson, runCli } from './helpers/cli.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Copies real photos (orientation and GPS sets) `rounds` times into `dir`; answers their paths. */
function copyOriginals(dir: string, rounds: number): string[] {
  const sources = [
    ...readdirSync(path.join(photosDir, 'jpg', 'orientation')).map((n) => path.join(photosDir, 'jpg', 'orientation', n)),
    ...readdirSync(path.join(photosDir, 'jpg', 'gps')).map((n) => path.join(photosDir, 'jpg', 'gps', n)),
  ];
  const out: string[] = [];
  mkdirSync(dir, { recursive: true });
  for (let r = 0; r < rounds; r++) {
    for (const src of sources) {
      const dest = path.join(dir, `r${r}-${path.basename(src)}`);
      copyFileSync(src, dest);
      out.push(dest);
    }
  }
  return out;
}

async function register(store: Store, root: string, files: string[]): Promise<string[]> {
  await store.ingests.create('ing', [root]);
  const ids = files.map((_, i) => `photo-${i}`);
  await store.ingests.registerFiles('ing', files.map((file, i) => ({ kind: 'new' as const, photoId: ids[i]!, path: file, size: 1, mtimeMs: 1 })));
  for (const [i, id] of ids.entries()) await store.progress.saveResult(id, 0, 'quality', { score: 3 + (i % 3) * 0.8, parts: {} });
  return ids;
}

describe('export through the engine', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let engine: Engine;
  before(async () => {
    dataDir = makeTempDir('export-engine');
    engine = await startTestEngine(dataDir, { mlWorkers: 0 });
  });
  after(async () => {
    await engine?.stop({ force: true }).catch(() => undefined);
    removeDir(dataDir);
  });

  it('a worker killed mid-export: every file exactly once, none torn, nothing left over', async () => {
    const files = copyOriginals(path.join(dataDir, 'originals'), 3);
    const ids = await register(engine.store, path.join(dataDir, 'originals'), files);
    const repo = new ExportsRepo(engine.store.sql);
    const target = path.join(dataDir, 'export-out');
    const exp = await createExport(repo, { photoIds: ids, targetDir: target, options: { quality: 95, nameTemplate: '{seq}-{name}' } });
    await queueExportJobs(engine.lanes, await repo.items(exp.id));

    await waitFor(async () => (await repo.get(exp.id))!.done >= 3, 120_000, 'three photos exported');
    const beforeKill = new Map<string, string>();
    const pids = engine.pool.pids('cpu');
    assert.ok(pids.length > 0, 'a CPU worker runs');
    for (const pid of pids) process.kill(pid, 'SIGKILL');
    const atKill = (await repo.get(exp.id))!;
    assert.ok(atKill.pending > 0, `the export finished before the kill (${JSON.stringify(atKill)}): make it bigger`);
    for (const item of await repo.items(exp.id, 'done')) beforeKill.set(item.fileName, sha(path.join(target, item.fileName)));

    await waitFor(async () => (await repo.get(exp.id))!.state === 'done', 240_000, 'the export to finish after the kill');
    const done = (await repo.get(exp.id))!;
    const items = await repo.items(exp.id);
    const failures = items.filter((i) => i.state === 'failed').map((i) => `${i.fileName}: ${i.error}`);
    assert.deepEqual([done.done, done.failed, done.total], [ids.length, 0, ids.length], failures.join('\n'));
    assert.deepEqual(readdirSync(target).sort(), items.map((i) => i.fileName).sort(), 'exactly the export\'s files, no temp file');
    for (const item of items) {
      const file = path.join(target, item.fileName);
      assert.equal(sha(file), item.expectedSha256, `${item.fileName} is the file its item recorded`);
      // A torn JPEG fails a strict decode.
      await sharp(file, { failOn: 'truncated' }).raw().toBuffer();
    }
    for (const [name, hash] of beforeKill) assert.equal(sha(path.join(target, name)), hash, `${name} was written again after the kill`);
  });
});

describe('shoebox export (CLI)', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  before(async () => {
    dataDir = makeTempDir('export-cli');
    const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
    try {
      const gpsDir = path.join(dataDir, 'gps');
      mkdirSync(gpsDir);
      const files = ['DSCN0010.jpg', 'DSCN0012.jpg'].map((n) => {
        copyFileSync(path.join(photosDir, 'jpg', 'gps', n), path.join(gpsDir, n));
        return path.join(gpsDir, n);
      });
      await register(store, gpsDir, files);
    } finally {
      await store.close();
    }
  });
  after(() => removeDir(dataDir));

  it('exports a folder at a long edge without GPS and says so in JSON; refuses bad arguments clearly', async () => {
    const out = path.join(dataDir, 'out');
    const r = await runCli(['export', path.join(dataDir, 'gps'), '--to', out, '--long-edge', '300', '--strip-gps', '--format', 'jpeg', '--json', '--data', dataDir, '--cpu-workers', '1', '--ml-workers', '0']);
    assert.equal(r.code, 0, r.stderr);
    const summary = lastJson<{ state: string; done: number; total: number }>(r.stdout);
    assert.deepEqual([summary.state, summary.done, summary.total], ['done', 2, 2]);
    assert.deepEqual(readdirSync(out).sort(), ['DSCN0010.jpg', 'DSCN0012.jpg']);
    for (const name of readdirSync(out)) {
      const meta = await sharp(path.join(out, name)).metadata();
      assert.equal(Math.max(meta.width!, meta.height!), 300);
      const tags = execFileSync('exiftool', ['-G1', '-a', '-s', path.join(out, name)], { encoding: 'utf8' });
      assert.doesNotMatch(tags, /GPS/);
      assert.match(tags, /NIKON/);
    }
    // Followed without --json: a progress line per photo finished, then the summary; `exports list` lists it.
    const again = path.join(dataDir, 'out-text');
    const text = await runCli(['export', path.join(dataDir, 'gps'), '--to', again, '--long-edge', '64', '--data', dataDir, '--cpu-workers', '1', '--ml-workers', '0']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /2 photos queued on the maintenance lane/);
    assert.match(text.stdout, /^\[2\/2\]$/m);
    assert.match(text.stdout, /done {2}2\/2 done {2}→ /);
    const list = await runCli(['exports', 'list', '--data', dataDir]);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout.trim().split('\n').length, 2, list.stdout);
    const bad = await runCli(['export', path.join(dataDir, 'gps'), '--to', out, '--name', '{nope}', '--data', dataDir]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown name template token \{nope\}/);
    const none = await runCli(['export', '--to', out, '--data', dataDir]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /name photos or folders, or use --group-picks/);
  });
});
