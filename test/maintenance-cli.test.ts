/**
 * `shoebox maintenance` from the command line on a real library: run a task now (an engine is started
 * for it and stopped), then read the last runs and the missing photos, in `maintenance` and `status`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastJson, runCli } from './helpers/cli.js';
import { makeTempDir, removeDir } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

describe('shoebox maintenance (CLI)', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let lib: string;
  before(async () => {
    dataDir = makeTempDir('maint-cli');
    lib = makeTempDir('maint-cli-lib');
    for (const name of ['Nikon_D70.jpg', 'Pentax_K10D.jpg']) fs.writeFileSync(path.join(lib, name), fs.readFileSync(path.join(photosDir, 'jpg', name)));
    const analyzed = await runCli(['analyze', lib, '--data', dataDir, '--json', '--no-progress']);
    assert.equal(analyzed.code, 0, analyzed.stderr);
  });
  after(() => {
    removeDir(dataDir);
    removeDir(lib);
  });

  it('runs the library check now and reports the missing photo', async () => {
    fs.rmSync(path.join(lib, 'Pentax_K10D.jpg'));
    const run = await runCli(['maintenance', 'run', 'library-check', '--data', dataDir, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const { task, result } = lastJson<{ task: string; result: { checked: number; missing: number; relinked: number } }>(run.stdout);
    assert.equal(task, 'library-check');
    assert.deepEqual([result.checked, result.missing, result.relinked], [2, 1, 0]);

    const report = await runCli(['maintenance', '--data', dataDir, '--json']);
    assert.equal(report.code, 0, report.stderr);
    const parsed = JSON.parse(report.stdout) as { tasks: Array<{ task: string; everyHours: number | null; lastRun: { ok: boolean } | null }>; missing: Array<{ path: string }> };
    assert.deepEqual(parsed.missing.map((m) => m.path), [path.join(lib, 'Pentax_K10D.jpg')]);
    const check = parsed.tasks.find((t) => t.task === 'library-check')!;
    assert.equal(check.everyHours, 6);
    assert.equal(check.lastRun?.ok, true);
    assert.equal(parsed.tasks.find((t) => t.task === 'cleanup')!.lastRun, null);

    const text = await runCli(['status', '--data', dataDir]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Maintenance:\n\s+library-check\s+last \S+ ok in/);
    assert.match(text.stdout, /1 photo\(s\) missing from disk/);
    const json = JSON.parse((await runCli(['status', '--data', dataDir, '--json'])).stdout) as { maintenance: { missingPhotos: number } };
    assert.equal(json.maintenance.missingPhotos, 1);
  });

  it('rejects an unknown task with a usage error naming the choices', async () => {
    const bad = await runCli(['maintenance', 'run', 'defrag', '--data', dataDir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /defrag.*library-check/s);
  });
});
