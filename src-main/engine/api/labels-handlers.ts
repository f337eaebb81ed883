/** The few-shot label calls of the API (issue 17, src-shared/api/labels-contract.ts). */
import { ApiError } from '../../../src-shared/api/contract.js';
import type { LABELS_API, LabelPhotoDto } from '../../../src-shared/api/labels-contract.js';
import { LabelService } from '../../../src-core/learning/label-service.js';
import { LabelError } from '../../../src-core/store/repos/labels-repo.js';
import type { Lanes } from '../../../src-core/queues.js';
import type { Handlers } from './dispatch.js';
import type { HandlerEngine } from './handlers.js';

type LabelHandlers = Pick<Handlers, keyof typeof LABELS_API>;

function apiError(error: unknown): never {
  if (error instanceof LabelError) throw new ApiError(error.code === 'not-found' ? 'not-found' : 'bad-request', error.message);
  throw error;
}

export function labelHandlers(engine: HandlerEngine): LabelHandlers {
  // A handler engine without queues (a test's fake) recalculates in place.
  const lanes = engine.lanes as Partial<Pick<Lanes, 'addPrototypes' | 'addEvaluate'>>;
  const labels = new LabelService(engine.store, lanes.addPrototypes && lanes.addEvaluate ? (lanes as Pick<Lanes, 'addPrototypes' | 'addEvaluate'>) : null);
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      fn(...args).catch(apiError);
  /** Tiles for photo ids in one query per page of ids. */
  const thumbnails = async (ids: string[]): Promise<Map<string, string | null>> => {
    const out = new Map<string, string | null>();
    for (let i = 0; i < ids.length; i += 500) {
      for (const item of await engine.store.photos.listItems({ ids: ids.slice(i, i + 500), limit: 500, offset: 0 })) out.set(item.id, item.thumbnailPath);
    }
    return out;
  };
  return {
    'labels.list': guard(async () => ({ labels: await labels.list() })),
    'labels.get': guard(async ({ label, limit }) => {
      const page = await labels.page(label, limit);
      const thumbs = await thumbnails([...page.examples.map((e) => e.photoId), ...page.suggestions.map((s) => s.photoId)]);
      const examples: LabelPhotoDto[] = page.examples.map((e) => ({ photoId: e.photoId, path: e.path, thumbnail: thumbs.get(e.photoId) ?? null, score: null, kind: e.kind }));
      const suggestions: LabelPhotoDto[] = page.suggestions.map((s) => ({ photoId: s.photoId, path: s.path, thumbnail: thumbs.get(s.photoId) ?? null, score: s.score, kind: null }));
      return { label: page.label, threshold: page.threshold, model: page.model, examples, suggestions, runs: page.runs };
    }),
    'labels.mark': guard(async ({ label, photoIds, kind }) => {
      const r = await labels.mark(label, photoIds, kind, 'person');
      return { recalculation: r.recalculation };
    }),
    'labels.unmark': guard(async ({ label, photoId }) => labels.unmark(label, photoId)),
    'labels.evaluate': guard(async ({ label }) => ({ queued: (await labels.evaluate(label)) === 'queued' })),
  };
}
