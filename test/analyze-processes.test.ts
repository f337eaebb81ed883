/**
 * Issue 19: a standalone `shoebox analyze` starts no interactive worker — nothing can ask it for a
 * photo — while SHOEBOX_INTERACTIVE_WORKER=1 still gets one (which also shows this test sees it); the
 * ML workers are the core count's either way (a second one bought no speed with the reading text gate),
 * until the CPU lanes are empty with an ML backlog: then the ML boost adds one (SHOEBOX_ML_BOOST=0: never).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { defaultWorkerCounts } from '../src-core/config.js';
import { MIN_ML_BACKLOG } from '../src-main/engine/ml-boost.js';
import { lastJson, startCli } from './helpers/cli.js';
import { makeTempDir, removeDir } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { libraryProcesses } from './helpers/library-processes.js';

/** Runs `analyze` and collects the roles of the library's worker processes seen while it ran, and how many processes had each. */
async function rolesDuringAnalyze(photos: string, env: NodeJS.ProcessEnv): Promise<{ roles: Set<string>; pids: Map<string, Set<number>>; completed: number }> {
  const dataDir = makeTempDir('analyze-procs');
  const roles = new Set<string>();
  const pids = new Map<string, Set<number>>();
  try {
    const run = startCli(['analyze', photos, '--data', dataDir, '--json'], env);
    const timer = setInterval(() => {
      for (const p of libraryProcesses(dataDir)) {
        if (!p.role) continue;
        roles.add(p.role);
        pids.set(p.role, (pids.get(p.role) ?? new Set()).add(p.pid));
      }
    }, 100);
    const result = await run.done.finally(() => clearInterval(timer));
    assert.equal(result.code, 0, result.stderr);
    return { roles, pids, completed: lastJson<{ completed: number }>(result.stdout).completed };
  } finally {
    removeDir(dataDir);
  }
}

describe('standalone analyze and the interactive worker', () => {
  let photos: string;
  before(async () => {
    photos = makeTempDir('analyze-procs-photos');
    await generatePhotos(photos, 3, { width: 640, height: 480 });
  });
  after(() => removeDir(photos));

  it('runs the cpu and ml workers only, the core count\'s ML workers, when SHOEBOX_INTERACTIVE_WORKER is not set', async () => {
    // undefined removes the test helpers' defaults, so this is what a user's shell gets.
    const { roles, pids, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_INTERACTIVE_WORKER: undefined, SHOEBOX_ML_WORKERS: undefined, SHOEBOX_ML_BOOST: undefined });
    assert.equal(completed, 3);
    assert.ok(roles.has('cpu') && roles.has('ml'), `saw ${[...roles].join(', ')}`);
    assert.ok(!roles.has('interactive'), `saw ${[...roles].join(', ')}`);
    assert.equal(pids.get('ml')?.size, defaultWorkerCounts().ml, 'no ML worker takes the interactive worker\'s slot');
  });

  it('starts one when SHOEBOX_INTERACTIVE_WORKER=1 asks for it, and keeps the ML workers of the core count', async () => {
    const { roles, pids, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_INTERACTIVE_WORKER: '1', SHOEBOX_ML_WORKERS: undefined });
    assert.equal(completed, 3);
    assert.ok(roles.has('interactive'), `saw ${[...roles].join(', ')}`);
    assert.equal(pids.get('ml')?.size, defaultWorkerCounts().ml);
  });
});

describe('standalone analyze and the ML boost', () => {
  let photos: string;
  // Small photos: the CPU lane finishes them long before the ML lane, which is what the boost is for.
  const count = MIN_ML_BACKLOG * 3;
  before(async () => {
    photos = makeTempDir('analyze-boost-photos');
    await generatePhotos(photos, count, { width: 640, height: 480 });
  });
  after(() => removeDir(photos));

  it('starts one more ML worker once the CPU lane is empty and the ML backlog is large, and analyses every photo', async () => {
    const { pids, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_ML_WORKERS: '1', SHOEBOX_ML_BOOST: undefined });
    assert.equal(completed, count);
    assert.equal(pids.get('ml')?.size, 2, 'the configured ML worker and the boost');
  });

  it('keeps the configured ML workers with SHOEBOX_ML_BOOST=0', async () => {
    const { pids, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_ML_WORKERS: '1', SHOEBOX_ML_BOOST: '0' });
    assert.equal(completed, count);
    assert.equal(pids.get('ml')?.size, 1);
  });
});
