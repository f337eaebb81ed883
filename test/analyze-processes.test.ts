/**
 * Issue 19: a standalone `shoebox analyze` starts no interactive worker — nothing can ask it for a
 * photo — while SHOEBOX_INTERACTIVE_WORKER=1 still gets one (which also shows this test sees it).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { lastJson, startCli } from './helpers/cli.js';
import { makeTempDir, removeDir } from './helpers/engine.js';
import { generatePhotos } from './helpers/generate-photos.js';
import { libraryProcesses } from './helpers/library-processes.js';

/** Runs `analyze` and collects the roles of the library's worker processes seen while it ran. */
async function rolesDuringAnalyze(photos: string, env: NodeJS.ProcessEnv): Promise<{ roles: Set<string>; completed: number }> {
  const dataDir = makeTempDir('analyze-procs');
  const roles = new Set<string>();
  try {
    const run = startCli(['analyze', photos, '--data', dataDir, '--json'], env);
    const timer = setInterval(() => {
      for (const p of libraryProcesses(dataDir)) if (p.role) roles.add(p.role);
    }, 100);
    const result = await run.done.finally(() => clearInterval(timer));
    assert.equal(result.code, 0, result.stderr);
    return { roles, completed: lastJson<{ completed: number }>(result.stdout).completed };
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

  it('runs the cpu and ml workers only, when SHOEBOX_INTERACTIVE_WORKER is not set', async () => {
    // undefined removes the test helpers' default of 0, so this is what a user's shell gets.
    const { roles, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_INTERACTIVE_WORKER: undefined });
    assert.equal(completed, 3);
    assert.ok(roles.has('cpu') && roles.has('ml'), `saw ${[...roles].join(', ')}`);
    assert.ok(!roles.has('interactive'), `saw ${[...roles].join(', ')}`);
  });

  it('starts one when SHOEBOX_INTERACTIVE_WORKER=1 asks for it', async () => {
    const { roles, completed } = await rolesDuringAnalyze(photos, { SHOEBOX_INTERACTIVE_WORKER: '1' });
    assert.equal(completed, 3);
    assert.ok(roles.has('interactive'), `saw ${[...roles].join(', ')}`);
  });
});
