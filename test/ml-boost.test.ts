/**
 * Issue 19: the ML boost's rule (src-main/engine/ml-boost.ts) — one more ML worker only while the CPU
 * lanes are empty and the ML backlog is worth a worker; back as soon as it is not; never against the
 * governor. The process-level behaviour is in test/analyze-processes.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boostTarget, MIN_ML_BACKLOG, type BoostInputs } from '../src-main/engine/ml-boost.js';

const at = (s: Partial<BoostInputs>): number | null =>
  boostTarget({ mlWorkers: 1, configuredMlWorkers: 1, cpuBacklog: 0, mlWaiting: 0, fewerWorkers: false, ...s });

describe('ML boost rule', () => {
  it('adds one ML worker when the CPU lanes are empty and enough ML jobs wait', () => {
    assert.equal(at({ mlWaiting: MIN_ML_BACKLOG }), 2);
    assert.equal(at({ mlWorkers: 2, configuredMlWorkers: 2, mlWaiting: 500 }), 3);
  });

  it('does not boost while thumbnails are still being made, for a small backlog, or with the governor running fewer workers', () => {
    assert.equal(at({ cpuBacklog: 1, mlWaiting: 500 }), null);
    assert.equal(at({ mlWaiting: MIN_ML_BACKLOG - 1 }), null);
    assert.equal(at({ mlWaiting: 500, fewerWorkers: true }), null);
    assert.equal(at({ mlWorkers: 2, mlWaiting: 500, fewerWorkers: true }), null, 'the governor owns the size while it shrinks');
    assert.equal(at({ mlWorkers: 0, configuredMlWorkers: 0, mlWaiting: 500 }), null, 'a host without ML workers');
  });

  it('stays boosted through a trickle of new photos, and goes back when the backlog is gone or a batch arrives', () => {
    assert.equal(at({ mlWorkers: 2, mlWaiting: 5 }), null, 'still a backlog: stays');
    assert.equal(at({ mlWorkers: 2, mlWaiting: 5, cpuBacklog: 2 }), null, 'a photo or two from the watcher: stays');
    assert.equal(at({ mlWorkers: 2, mlWaiting: 0 }), 1);
    assert.equal(at({ mlWorkers: 2, mlWaiting: 300, cpuBacklog: MIN_ML_BACKLOG }), 1, 'new photos: thumbnails first again');
  });
});
