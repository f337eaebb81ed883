/**
 * The worker's job-handler registry: every job name has a handler, an unknown name or a bad payload fails
 * at once (no retries), and a photo job that finished its part queues the next job of the pipeline on its lane.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnrecoverableError, type Job } from 'bullmq';
import { JOB_NAMES } from '../src-shared/jobs.js';
import type { PhotoJobSpec } from '../src-core/queues.js';
import { handlerFor, photoJobHandler, type WorkerServices } from '../src-worker/jobs/job-handler.js';
import { JOB_HANDLERS } from '../src-worker/jobs/registry.js';

/** Services with a Lanes stand-in that records what would be queued (no Redis needed for the wiring). */
function services(photoState = 'processing'): { services: WorkerServices; queued: PhotoJobSpec[] } {
  const queued: PhotoJobSpec[] = [];
  const lanes = { addPhotoJobs: async (specs: PhotoJobSpec[]) => void queued.push(...specs) };
  // The photo as the store knows it when the job ends (the follow-up is queued only if it still applies).
  const photos = { get: async (id: string) => (id === 'p1' ? { id, revision: 2, state: photoState } : null) };
  return { services: { lanes, photos, cacheDir: '/nowhere', stageTimeoutMs: 1000 } as unknown as WorkerServices, queued };
}

const job = (name: string, data: unknown) => ({ name, data, id: `${name}-1` }) as unknown as Job;
const photo = { photoId: 'p1', revision: 2, ingestId: null };

describe('job handlers', () => {
  it('has a handler for every job name', () => {
    assert.deepEqual(Object.keys(JOB_HANDLERS).sort(), [...JOB_NAMES].sort());
    for (const name of JOB_NAMES) assert.equal(typeof handlerFor(JOB_HANDLERS, name), 'function');
  });

  it('fails an unknown job name without retries', () => {
    assert.throws(() => handlerFor(JOB_HANDLERS, 'photo.teleport'), (e: unknown) => e instanceof UnrecoverableError && /photo\.teleport/.test(e.message));
    assert.throws(() => handlerFor(JOB_HANDLERS, 'toString'), UnrecoverableError);
  });

  it('fails a bad photo payload without retries and without running the job', async () => {
    let ran = false;
    const handler = photoJobHandler('photo.cpu', async () => ((ran = true), { outcome: 'done' }));
    const { services: s, queued } = services();
    await assert.rejects(handler(job('photo.cpu', { photoId: '', revision: -1 }), 'default', s), UnrecoverableError);
    assert.equal(ran, false);
    assert.deepEqual(queued, []);
  });

  it('queues the next job of the pipeline on the same lane when the photo job is done, and only then', async () => {
    const { services: s, queued } = services();
    const cpuDone = photoJobHandler('photo.cpu', async () => ({ outcome: 'done' }));
    assert.deepEqual(await cpuDone(job('photo.cpu', photo), 'high_priority', s), { outcome: 'done' });
    assert.deepEqual(queued, [{ name: 'photo.ml', lane: 'high_priority', data: photo }]);

    const cpuStale = photoJobHandler('photo.cpu', async () => ({ outcome: 'stale', why: 'photo was cancelled' }));
    await cpuStale(job('photo.cpu', photo), 'default', s);
    const mlDone = photoJobHandler('photo.ml', async () => ({ outcome: 'done' }));
    await mlDone(job('photo.ml', photo), 'default', s);
    assert.deepEqual(queued[1], { name: 'group', lane: 'default', data: photo }, 'an analysed photo is grouped next');
    const groupDone = photoJobHandler('group', async () => ({ outcome: 'done' }));
    await groupDone(job('group', photo), 'default', s);
    assert.equal(queued.length, 2, 'nothing after a stale job or the last job of the pipeline');
  });

  it('queues no follow-up for a photo cancelled while its job ran', async () => {
    const { services: s, queued } = services('cancelled');
    const cpuDone = photoJobHandler('photo.cpu', async () => ({ outcome: 'done' }));
    await cpuDone(job('photo.cpu', photo), 'default', s);
    assert.deepEqual(queued, []);
  });
});
