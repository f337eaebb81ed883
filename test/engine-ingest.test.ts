import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { lastJson, runCli } from './helpers/cli.js';
import { isAlive, makeTempDir, removeDir } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';
import { libraryProcesses } from './helpers/library-processes.js';
import { openStore } from '../src-core/store/open-store.js';

interface Summary {
  photos: number;
  completed: number;
  failed: number;
  skipped: number;
  analysed: number;
  seconds: number;
  dataDir: string;
}

/** Every file under the shared photos that is a photo by extension (what the scan must find). */
function countShared(): number {
  let n = 0;
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(jpe?g|tiff?|heic|heif|png)$/i.test(entry.name)) n++;
    }
  };
  walk(photosDir);
  return n;
}

describe('shoebox analyze on the shared photos (CLI, bundled Redis, SQLite)', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let first: Summary;

  before(async () => {
    dataDir = makeTempDir('ingest');
    const result = await runCli(['analyze', photosDir, '--data', dataDir, '--json']);
    assert.equal(result.code, 0, `analyze failed: ${result.stderr}`);
    first = lastJson<Summary>(result.stdout);
  });
  after(() => removeDir(dataDir));

  it('finds every photo; broken files fail alone and everything else completes', () => {
    assert.equal(first.photos, countShared());
    assert.equal(first.completed + first.failed, first.photos);
    assert.equal(first.failed, 1, 'only corrupted.jpg is undecodable in the shared set');
    assert.equal(first.dataDir, dataDir);
  });

  it('lists the failure with its stage and a specific reason', async () => {
    const result = await runCli(['failed', '--data', dataDir, '--json']);
    assert.equal(result.code, 0);
    const failed = JSON.parse(result.stdout) as Array<{ path: string; stage: string; errorCode: string; error: string; jobId: string }>;
    assert.equal(failed.length, 1);
    assert.equal(path.basename(failed[0]!.path), 'corrupted.jpg');
    assert.equal(failed[0]!.stage, 'preprocess');
    assert.equal(failed[0]!.errorCode, 'corrupt-file');
    assert.match(failed[0]!.error, /premature end|corrupt/i);
    assert.match(failed[0]!.jobId, /^photo_cpu-[0-9a-f]+-r0$/);
  });

  it('records per-photo stage states, metadata and derivatives (inspect)', async () => {
    const result = await runCli(['inspect', path.join(photosDir, 'jpg', 'gps', 'DSCN0010.jpg'), '--data', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const detail = JSON.parse(result.stdout);
    assert.equal(detail.state, 'done');
    for (const stage of ['preprocess', 'metadata', 'detect', 'tag', 'embed', 'quality', 'persist']) {
      assert.equal(detail.stages[stage].state, 'done', `stage ${stage}: ${JSON.stringify(detail.stages[stage])}`);
    }
    assert.equal(detail.metadata.make, 'NIKON');
    assert.ok(Math.abs(detail.metadata.gps.lat - 43.467448) < 1e-4);
    assert.match(detail.hashes.dhash, /^[0-9a-f]{16}$/);
    assert.match(detail.hashes.contentHash, /^[0-9a-f]{40}$/);
    const thumbnail = path.join(dataDir, 'cache', 'thumbs', detail.hashes.contentHash.slice(0, 2), `${detail.hashes.contentHash}.jpg`);
    assert.ok(fs.existsSync(thumbnail), thumbnail);
    assert.ok(detail.quality.score >= 0 && detail.quality.score <= 5);
    assert.ok(detail.embedding.dims > 0);
  });

  it('leaves nothing running: redis-server and workers are gone', async () => {
    // From the kernel's view: nothing bound to the library's Redis socket, no worker launched for it.
    assert.deepEqual(libraryProcesses(dataDir), []);
    // And every worker pid the run recorded is gone (or, reused since, is no worker of this library).
    const store = await openStore({ kind: 'sqlite', sqlitePath: path.join(dataDir, 'library.sqlite') });
    try {
      const pids = (await store.engineState.listWorkers()).map((w) => w.pid).filter((pid): pid is number => pid !== null);
      const stillWorkers = pids.filter((pid) => isAlive(pid) && /src-worker/.test(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
      assert.deepEqual(stillWorkers, []);
    } finally {
      await store.close();
    }
    assert.equal(fs.existsSync(path.join(dataDir, 'engine.json')), false);
  });

  it('a re-run on the unchanged folder does no analysis work and says so', async () => {
    const result = await runCli(['analyze', photosDir, '--data', dataDir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Nothing changed since the last analysis/);
    const json = lastJson<Summary>((await runCli(['analyze', photosDir, '--data', dataDir, '--json'])).stdout);
    assert.equal(json.analysed, 0);
    assert.equal(json.skipped, first.completed);
    assert.equal(json.failed, 1, 'the broken file stays failed until retried');
  });
});

describe('changed and new files are analysed again; touched ones are not', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let photos: string;
  before(() => {
    dataDir = makeTempDir('changes');
    photos = makeTempDir('changes-photos');
    for (const name of ['Canon_40D.jpg', 'Nikon_D70.jpg', 'Pentax_K10D.jpg']) fs.copyFileSync(path.join(photosDir, 'jpg', name), path.join(photos, name));
  });
  after(() => {
    removeDir(dataDir);
    removeDir(photos);
  });

  it('uses size + mtime + content hash to decide', async () => {
    const first = lastJson<Summary>((await runCli(['analyze', photos, '--data', dataDir, '--json'])).stdout);
    assert.equal(first.completed, 3);
    // touched: same bytes, new mtime → no work
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(photos, 'Canon_40D.jpg'), future, future);
    // changed: new content
    await sharp(path.join(photosDir, 'jpg', 'Kodak_CX7530.jpg')).jpeg({ quality: 70 }).toFile(path.join(photos, 'Nikon_D70.jpg.tmp'));
    fs.renameSync(path.join(photos, 'Nikon_D70.jpg.tmp'), path.join(photos, 'Nikon_D70.jpg'));
    // new
    fs.copyFileSync(path.join(photosDir, 'jpg', 'Sony_HDR-HC3.jpg'), path.join(photos, 'new.jpg'));
    const second = lastJson<Summary>((await runCli(['analyze', photos, '--data', dataDir, '--json'])).stdout);
    assert.equal(second.photos, 4);
    assert.equal(second.analysed, 2, 'the changed and the new file');
    assert.equal(second.completed, 2);
    assert.equal(second.skipped, 2, 'the untouched and the touched file');
  });
});

describe('the same ingest on Postgres instead of SQLite', { skip: needsSharedPhotos }, () => {
  const schema = `shoebox_engine_${process.pid}_${Date.now() % 100000}`;
  const base = process.env.SHOEBOX_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  let dataDir: string;
  let photos: string;
  before(() => {
    dataDir = makeTempDir('pg');
    photos = makeTempDir('pg-photos');
    for (const name of ['Canon_40D.jpg', 'Nikon_D70.jpg', 'corrupted.jpg']) fs.copyFileSync(path.join(photosDir, 'jpg', name), path.join(photos, name));
  });
  after(async () => {
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: base });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
    removeDir(dataDir);
    removeDir(photos);
  });

  it('analyses, fails the broken file alone, and later commands find the store without --store', { skip: process.env.SHOEBOX_SKIP_POSTGRES === '1' }, async () => {
    const store = `${base}?schema=${schema}`;
    const result = await runCli(['analyze', photos, '--data', dataDir, '--store', store, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const summary = lastJson<Summary>(result.stdout);
    assert.equal(summary.completed, 2);
    assert.equal(summary.failed, 1);
    const failed = JSON.parse((await runCli(['failed', '--data', dataDir, '--json'])).stdout);
    assert.equal(failed[0].errorCode, 'corrupt-file');
    const again = lastJson<Summary>((await runCli(['analyze', photos, '--data', dataDir, '--json'])).stdout);
    assert.equal(again.analysed, 0, 'the library remembered its Postgres store');
  });
});
