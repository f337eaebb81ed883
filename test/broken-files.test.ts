import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LANES } from '../src-shared/lanes.js';
import type { PhotoDetail, PhotoRecord } from '../src-shared/photo.js';
import type { Engine } from '../src-main/engine/engine.js';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import { isUnspecificVipsError, mapDecodeError } from '../src-worker/stages/preprocess.js';
import { buildBrokenCorpus, type BrokenCase, type BrokenCorpus } from './helpers/broken-corpus.js';
import { cliInvocation, lastJson, TEST_ENV } from './helpers/cli.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';

interface Row {
  name: string;
  outcome: string;
  reason: string;
  ok: boolean;
  why: string;
}

function printTable(rows: Row[]): void {
  const w0 = Math.max(4, ...rows.map((r) => r.name.length));
  const w1 = Math.max(7, ...rows.map((r) => r.outcome.length));
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padEnd(w1)}  ${c}`;
  const out = [line('case', 'outcome', 'reason'), line('-'.repeat(w0), '-'.repeat(w1), '-'.repeat(6))];
  for (const r of rows) out.push(line(r.name, r.outcome, r.reason.replace(/\s+/g, ' ').slice(0, 150)) + (r.ok ? '' : `   ✗ ${r.why}`));
  process.stdout.write(`\n${out.join('\n')}\n\n`);
}

/**
 * The broken-file corpus through a real engine (redis-server, forked workers, SQLite): every case
 * ends as expected, alone — the good photos next to them complete and no worker process dies.
 */
describe('broken files: each fails alone, with a reason a person understands', () => {
  let root: string;
  let dataDir: string;
  let corpus: BrokenCorpus;
  let engine: Engine;

  before(async () => {
    root = makeTempDir('broken');
    dataDir = path.join(root, 'data');
    corpus = await buildBrokenCorpus(path.join(root, 'corpus'));
    engine = await startTestEngine(dataDir, { cpuConcurrency: 2 });
  });
  after(async () => {
    await engine?.stop();
    removeDir(root);
  });

  it('every case of the corpus ends as expected and no other photo is affected', { timeout: 180_000 }, async () => {
    const special = (kind: BrokenCase['special']) => corpus.cases.find((c) => c.special === kind)!.files[0] as string;
    const deleted = special('delete-after-scan');
    const rewritten = special('rewrite-after-scan');

    // Hold the work until the scan has registered every file, then change the files under it.
    await engine.lanes.pause(LANES);
    const ingest = engine.ingest([corpus.dir]);
    await waitFor(async () => (await engine.store.photos.getByPaths([deleted, rewritten])).size === 2, 60_000, 'the scan to register the files');
    const registered = (await engine.store.photos.getByPaths([rewritten])).get(rewritten)!;
    fs.rmSync(deleted);
    fs.writeFileSync(rewritten, corpus.rewriteWith);
    await engine.lanes.resume(LANES);
    const summary = await ingest;
    assert.equal(summary.interrupted, false);

    const all: PhotoRecord[] = await engine.store.photos.list({ limit: 10_000, offset: 0 });
    const byPath = new Map(all.map((p) => [p.path, p]));
    const details = new Map<string, PhotoDetail>();
    const detailOf = async (p: PhotoRecord): Promise<PhotoDetail> => {
      if (!details.has(p.id)) details.set(p.id, (await engine.store.photos.getDetail(p.id))!);
      return details.get(p.id)!;
    };
    const findRow = (file: string | Buffer): PhotoRecord | undefined => {
      if (typeof file === 'string') return byPath.get(file);
      // A name that is not UTF-8 has no exact string form: match the folder and the readable part.
      const text = file.toString('utf8');
      return all.find((p) => path.dirname(p.path) === path.dirname(text) && path.basename(p.path).startsWith('non'));
    };

    const rows: Row[] = [];
    for (const c of corpus.cases) {
      for (const file of c.files) {
        const photo = findRow(file);
        const row: Row = { name: c.files.length > 1 ? `${c.name} [${path.basename(String(file))}]` : c.name, outcome: 'no row', reason: '', ok: true, why: '' };
        const fail = (why: string) => {
          row.ok = false;
          row.why = why;
        };
        if (photo) {
          const detail = await detailOf(photo);
          row.outcome = photo.state === 'done' ? 'completed' : photo.state === 'failed' ? `failed: ${photo.errorCode}` : photo.state;
          const metaNote = detail.stages.find((s) => s.stage === 'metadata')?.note;
          row.reason = photo.state === 'failed' ? photo.error ?? '' : [detail.derivatives ? `format ${detail.derivatives.format}` : '', metaNote ? `metadata: ${metaNote}` : ''].filter(Boolean).join('; ');
          const e = c.expect;
          if (e.outcome === 'not-a-photo') fail('should not be a photo');
          else if (e.outcome === 'completed-or-failed') {
            if (photo.state !== 'done' && !(photo.state === 'failed' && photo.errorCode === e.code)) fail(`expected completed or failed ${e.code}, got ${photo.state} ${photo.errorCode}: ${photo.error}`);
          } else if (e.outcome === 'completed') {
            if (photo.state !== 'done') fail(`expected completed, got ${photo.state} ${photo.errorCode}: ${photo.error}`);
            if (e.format && detail.derivatives?.format !== e.format) fail(`expected format ${e.format}, got ${detail.derivatives?.format}`);
            if (e.metadataNote && !e.metadataNote.test(metaNote ?? '')) fail(`metadata note ${JSON.stringify(metaNote)} does not match ${e.metadataNote}`);
          } else {
            if (photo.state !== 'failed' || photo.errorCode !== e.code) fail(`expected failed ${e.code}, got ${photo.state} ${photo.errorCode}: ${photo.error}`);
            if (e.reason && !e.reason.test(photo.error ?? '')) fail(`reason does not match ${e.reason}`);
            if (e.withinMs !== undefined) {
              const ms = detail.stages.find((s) => s.stage === 'preprocess')?.ms ?? Infinity;
              row.reason += ` (rejected in ${ms} ms)`;
              if (ms > e.withinMs) fail(`took ${ms} ms, more than ${e.withinMs}`);
            }
          }
        } else {
          row.outcome = 'not a photo (skipped by the scan)';
          if (c.expect.outcome !== 'not-a-photo') fail('no row in the library: the file was lost by the scan');
        }
        rows.push(row);
      }
    }
    // The rewritten file: analysed as it is now (the new content), one row, same revision.
    const rewrittenNow = (await engine.store.photos.getByPaths([rewritten])).get(rewritten)!;
    const rewriteRow = rows.find((r) => r.name.startsWith('rewritten'))!;
    rewriteRow.reason += `; content hash ${rewrittenNow.contentHash?.slice(0, 8)} (new bytes), revision ${rewrittenNow.revision}`;
    printTable(rows);

    const bad = rows.filter((r) => !r.ok);
    assert.deepEqual(bad.map((r) => `${r.name}: ${r.why}`), [], 'every case ends as expected');

    // Nothing else was affected: the controls completed, every failure has a specific code, no worker died.
    for (const control of corpus.controls) assert.equal(byPath.get(control)?.state, 'done', `control ${control}`);
    for (const p of all) {
      assert.ok(p.state === 'done' || p.state === 'failed', `${p.path}: left ${p.state}`);
      if (p.state === 'failed') assert.ok(p.errorCode && p.errorCode !== 'internal' && p.error, `${p.path}: unspecific failure ${p.errorCode}: ${p.error}`);
    }
    const photoFiles = corpus.cases.filter((c) => c.expect.outcome !== 'not-a-photo').reduce((n, c) => n + c.files.length, 0) + corpus.controls.length;
    assert.equal(all.length, photoFiles, 'one row per photo file: none lost, none twice (the symlink loop is walked once)');
    assert.equal(summary.photos, photoFiles);
    assert.equal(summary.completed + summary.failed, photoFiles);
    assert.equal(rewrittenNow.id, registered.id);
    assert.equal(rewrittenNow.contentHash, (await import('node:crypto')).createHash('sha1').update(corpus.rewriteWith).digest('hex'));
    assert.equal(await engine.store.health.countDuplicateRows(), 0);
    const restarts = engine.pool.statuses().map((s) => `${s.id}: ${s.restarts}`);
    assert.ok(engine.pool.statuses().every((s) => s.restarts === 0), `no worker died: ${restarts.join(', ')}`);
  });

  it('a decode error that lost libvips\' words ("Unknown error", a race on its global error buffer) still gets a specific reason', () => {
    for (const lost of [new Error('Unknown error'), new Error(''), new Error('\n')]) {
      const mapped = mapDecodeError(lost, 'jpeg');
      assert.equal(mapped.code, 'corrupt-file');
      assert.doesNotMatch(mapped.message, /unknown error/i);
      assert.match(mapped.message, /jpeg image is damaged and could not be decoded/);
    }
    assert.equal(isUnspecificVipsError(new Error('VipsJpeg: premature end of JPEG image')), false);
  });

  it('a file without read permission fails with permission-denied (root: run with CAP_DAC_OVERRIDE/READ_SEARCH dropped)', { timeout: 120_000 }, async (t) => {
    const folder = path.join(root, 'perm');
    fs.mkdirSync(folder, { recursive: true });
    const unreadable = path.join(folder, 'unreadable.jpg');
    fs.copyFileSync(corpus.controls[1]!, unreadable);
    fs.copyFileSync(corpus.controls[2]!, path.join(folder, 'readable.jpg'));
    fs.chmodSync(unreadable, 0o000);
    const permData = path.join(root, 'perm-data');
    const { command, args } = cliInvocation();
    let argv = [command, ...args, 'analyze', folder, '--json', '--data', permData];
    if (process.getuid?.() === 0) {
      // Root reads any file through CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: drop them from the
      // bounding set (setpriv) so the engine and its workers run as a root that permissions apply to.
      const probe = spawnSync('setpriv', ['--bounding-set=-dac_override,-dac_read_search', 'cat', unreadable]);
      if (probe.error || probe.status === 0) {
        process.stdout.write('running as root and setpriv cannot drop CAP_DAC_OVERRIDE here: root reads any file, so this case cannot be staged\n');
        t.skip('root cannot be denied read access on this machine');
        return;
      }
      argv = ['setpriv', '--bounding-set=-dac_override,-dac_read_search', ...argv];
    }
    const result = spawnSync(argv[0]!, argv.slice(1), {
      env: { ...process.env, ...TEST_ENV, SHOEBOX_CPU_WORKERS: '1', SHOEBOX_ML_WORKERS: '1' },
      encoding: 'utf8',
      timeout: 100_000,
    });
    assert.equal(result.status, 0, result.stderr);
    const summary = lastJson<{ photos: number; completed: number; failed: number }>(result.stdout);
    assert.deepEqual([summary.photos, summary.completed, summary.failed], [2, 1, 1]);
    const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(permData).sqlite });
    try {
      const [failed] = await store.photos.listFailed(10, 0);
      process.stdout.write(`permission case: ${failed?.errorCode}: ${failed?.error}\n`);
      assert.equal(failed?.path, unreadable);
      assert.equal(failed?.errorCode, 'permission-denied');
      assert.match(failed!.error, /no permission to read the file: .*unreadable\.jpg \(EACCES\)/);
      assert.equal(await store.health.countDuplicateRows(), 0);
    } finally {
      await store.close();
    }
  });
});
