import type { PhotosRepo } from '../src-core/store/repos/photos-repo.js';

/**
 * TEST-ONLY fault injection, so the failure paths can be walked with real processes:
 *
 *   SHOEBOX_TEST_FAULT=<fault>:<stage>:<path fragment>[;<fault>:<stage>:<path fragment>…]
 *
 * `crash`: the worker process kills itself (SIGKILL) when it starts <stage> of a photo whose path
 * contains <path fragment>; `hang`: the stage never finishes on its own (its time limit must end it).
 * Unset in normal use, where this costs one environment lookup per stage. Never set it on a real library.
 */
type Fault = { kind: 'crash' | 'hang'; stage: string; pathFragment: string };

function parseFault(value: string): Fault {
  const [kind, stage, ...rest] = value.split(':');
  const pathFragment = rest.join(':');
  if ((kind !== 'crash' && kind !== 'hang') || !stage || !pathFragment) {
    throw new Error(`SHOEBOX_TEST_FAULT must be crash|hang:<stage>:<path fragment>, got "${value}"`);
  }
  return { kind, stage, pathFragment };
}

const faults = (process.env.SHOEBOX_TEST_FAULT ?? '').split(';').filter(Boolean).map(parseFault);

/** Called by the stage runner as a stage starts; does nothing unless SHOEBOX_TEST_FAULT names it. */
export async function crashIfAskedByTest(photos: Pick<PhotosRepo, 'get'>, photoId: string, stage: string): Promise<void> {
  if (!faults.some((f) => f.stage === stage)) return;
  const photo = await photos.get(photoId);
  const fault = faults.find((f) => f.stage === stage && photo?.path.includes(f.pathFragment));
  if (!fault) return;
  if (fault.kind === 'crash') process.kill(process.pid, 'SIGKILL');
  else await new Promise<never>(() => undefined);
}
