/**
 * `shoebox models` from the command line on a real library: the active model and the choices, a switch
 * with no engine running (one is started for the upgrade and stopped after the cut-over), the vectors
 * per model before and after, and a bad model name as a usage error naming the choices.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastJson, runCli } from './helpers/cli.js';
import { makeTempDir, removeDir } from './helpers/engine.js';
import { needsSharedPhotos, photosDir } from './helpers/photos.js';

type Counts = { active: Record<string, number>; staged: Record<string, number> };
type ModelsJson = { models: Array<{ kind: string; active: string; state: string; available: string[] }>; vectors: Counts; faceVectors: Counts };

describe('shoebox models (CLI)', { skip: needsSharedPhotos }, () => {
  let dataDir: string;
  let lib: string;
  before(async () => {
    dataDir = makeTempDir('models-cli');
    lib = makeTempDir('models-cli-lib');
    for (const name of ['Nikon_D70.jpg', 'Pentax_K10D.jpg', 'Canon_40D.jpg']) fs.writeFileSync(path.join(lib, name), fs.readFileSync(path.join(photosDir, 'jpg', name)));
    const analyzed = await runCli(['analyze', lib, '--data', dataDir, '--json', '--no-progress']);
    assert.equal(analyzed.code, 0, analyzed.stderr);
  });
  after(() => {
    removeDir(dataDir);
    removeDir(lib);
  });

  it('shows the active model, switches to another one, and leaves no vector of the old one', async () => {
    const before = JSON.parse((await runCli(['models', '--data', dataDir, '--json'])).stdout) as ModelsJson;
    assert.equal(before.models[0]!.active, 'shoebox-global-v1');
    assert.deepEqual(before.models[0]!.available, ['shoebox-global-v1', 'shoebox-global-v2']);
    assert.deepEqual(before.vectors, { active: { 'shoebox-global-v1': 3 }, staged: {} });
    // The face model is listed too, with its own choices.
    assert.deepEqual(before.models.map((m) => [m.kind, m.active, m.available]), [
      ['descriptor', 'shoebox-global-v1', ['shoebox-global-v1', 'shoebox-global-v2']],
      ['face', 'face-feature-v1', ['face-feature-v1', 'face-feature-v2']],
    ]);

    const use = await runCli(['models', 'use', 'shoebox-global-v2', '--data', dataDir, '--json']);
    assert.equal(use.code, 0, use.stderr);
    const result = lastJson<{ started: boolean; status: { active: string; state: string; result: { replaced: number } } }>(use.stdout);
    assert.equal(result.started, true);
    assert.equal(result.status.state, 'done');
    assert.equal(result.status.active, 'shoebox-global-v2');
    assert.equal(result.status.result.replaced, 3);

    const after = JSON.parse((await runCli(['models', '--data', dataDir, '--json'])).stdout) as ModelsJson;
    assert.deepEqual(after.vectors, { active: { 'shoebox-global-v2': 3 }, staged: {} });
    const text = await runCli(['models', '--data', dataDir]);
    assert.match(text.stdout, /descriptor\s+shoebox-global-v2 \(active\); last upgrade finished/);

    const again = await runCli(['models', 'use', 'shoebox-global-v2', '--data', dataDir]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /already the active descriptor model/);
  });

  it('switches the face model the same way', async () => {
    const faceRows = async () => (JSON.parse((await runCli(['models', '--data', dataDir, '--json'])).stdout) as ModelsJson).faceVectors;
    const faces = Object.values((await faceRows()).active).reduce((a, b) => a + b, 0);
    const use = await runCli(['models', 'use', 'face-feature-v2', '--data', dataDir, '--json']);
    assert.equal(use.code, 0, use.stderr);
    const result = lastJson<{ started: boolean; status: { kind: string; active: string; state: string } }>(use.stdout);
    assert.deepEqual([result.started, result.status.kind, result.status.state, result.status.active], [true, 'face', 'done', 'face-feature-v2']);
    assert.deepEqual(await faceRows(), { active: faces > 0 ? { 'face-feature-v2': faces } : {}, staged: {} });
    const text = await runCli(['models', '--data', dataDir]);
    assert.match(text.stdout, /descriptor\s+shoebox-global-v2 \(active\)/);
    assert.match(text.stdout, /face\s+face-feature-v2 \(active\); last upgrade finished/);
  });

  it('rejects an unknown model with a usage error naming the choices', async () => {
    const bad = await runCli(['models', 'use', 'clip-vit', '--data', dataDir]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /clip-vit.*shoebox-global-v1/s);
  });
});
