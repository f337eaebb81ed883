import type { PhotosRepo } from '../src-core/store/repos/photos-repo.js';

/**
 * TEST-ONLY fault injection, so the failure paths can be walked with real processes:
 *
 *   SHOEBOX_TEST_FAULT=<fault>:<stage>:<path fragment>[;<fault>:<stage>:<path fragment>…]
 *
 * `crash`: the worker process kills itself (SIGKILL) when it starts <stage> of a photo whose path
 * contains <path fragment>; `hang`: the stage never finishes on its own (its time limit must end it).
 * `slow:<step>:<ms>`: a step of a long job (`model-upgrade`: each photo) waits <ms> first, so a test can
 * kill the worker half-way through it.
 * Unset in normal use, where this costs one environment lookup per stage. Never set it on a real library.
 */
type Fault = { kind: 'crash' | 'hang' | 'slow'; stage: string; pathFragment: string };

function parseFault(value: string): Fault {
  const [kind, stage, ...rest] = value.split(':');
  const pathFragment = rest.join(':');
  if ((kind !== 'crash' && kind !== 'hang' && kind !== 'slow') || !stage || !pathFragment || (kind === 'slow' && !/^\d+$/.test(pathFragment))) {
    throw new Error(`SHOEBOX_TEST_FAULT must be crash|hang:<stage>:<path fragment> or slow:<step>:<ms>, got "${value}"`);
  }
  return { kind, stage, pathFragment };
}

const faults = (process.env.SHOEBOX_TEST_FAULT ?? '').split(';').filter(Boolean).map(parseFault);

/** Called by the stage runner as a stage starts; does nothing unless SHOEBOX_TEST_FAULT names it. */
export async function crashIfAskedByTest(photos: Pick<PhotosRepo, 'get'>, photoId: string, stage: string): Promise<void> {
  if (!faults.some((f) => f.stage === stage && f.kind !== 'slow')) return;
  const photo = await photos.get(photoId);
  const fault = faults.find((f) => f.stage === stage && f.kind !== 'slow' && photo?.path.includes(f.pathFragment));
  if (!fault) return;
  if (fault.kind === 'crash') process.kill(process.pid, 'SIGKILL');
  else await new Promise<never>(() => undefined);
}

/** Waits when SHOEBOX_TEST_FAULT has `slow:<step>:<ms>` for this step; a no-op otherwise. */
export async function slowIfAskedByTest(step: string): Promise<void> {
  const fault = faults.find((f) => f.kind === 'slow' && f.stage === step);
  if (fault) await new Promise((resolve) => setTimeout(resolve, Number(fault.pathFragment)));
}
