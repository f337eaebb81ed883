/** The people calls of the API contract (src-shared/api/contract.ts, "people" block). */
import { ApiError, type PhotoSummary } from '../../../src-shared/api/contract.js';
import { PeopleError, PeopleRepo } from '../../../src-core/store/repos/people-repo.js';
import { clusterFacesJobId } from '../../../src-shared/people-jobs.js';
import type { JobsOptions } from 'bullmq';
import { libraryPaths } from '../../../src-core/paths.js';
import { PeopleService } from '../people/people-service.js';
import type { Store } from '../../../src-core/store/store.js';
import type { Handlers } from './dispatch.js';
import { summaryOf } from './handlers.js';

type PeopleMethod = Extract<keyof Handlers, `people.${string}`>;

/** What the people handlers need from the engine; `lanes.queue` only for a recluster. */
export interface PeopleEngine {
  store: Store;
  config: { dataDir: string };
  lanes: unknown;
}

interface MaintenanceQueue {
  add(name: string, data: unknown, opts: JobsOptions): Promise<unknown>;
}

function apiError(error: unknown): never {
  if (error instanceof PeopleError) throw new ApiError(error.code === 'invalid-request' ? 'bad-request' : 'not-found', error.message);
  throw error;
}

export function createPeopleHandlers(engine: PeopleEngine): Pick<Handlers, PeopleMethod> {
  const people = new PeopleService(engine.store.sql, libraryPaths(engine.config.dataDir).cacheDir);
  const guard =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      fn(...args).catch(apiError);
  /**
   * Quick re-analysis after a correction (issue 17): "not this person" sends the face back to the
   * clusterer, so the photo's cluster-faces stage runs again at once on high_priority (where it finds
   * its place, never the person it was taken from) instead of waiting for another photo's job.
   */
  const reclusterPhotoNow = async (faceId: string): Promise<void> => {
    const lanes = engine.lanes as { queue?: (workerClass: 'cpu', lane: 'high_priority') => MaintenanceQueue } | null;
    if (!lanes?.queue) return; // no engine: the next cluster-faces job or recluster picks it up
    const [face] = await new PeopleRepo(engine.store.sql).facesWithPhotos({ faceId });
    const photo = face ? await engine.store.photos.get(face.photoId) : null;
    if (!photo) return;
    const data = { photoId: photo.id, revision: photo.revision };
    await lanes
      .queue('cpu', 'high_priority')
      .add('people.cluster-faces', data, { jobId: `${clusterFacesJobId(data)}-fix-${Date.now().toString(36)}`, attempts: 3, removeOnComplete: true, removeOnFail: false });
  };
  return {
    'people.list': guard(async ({ includeHidden }) => people.list(includeHidden)),
    'people.get': guard(async ({ personId }) => people.person(personId)),
    'people.faces': guard(async ({ which }) => ({ faces: await people.faces(which) })),
    'people.photos': guard(async ({ personIds, limit, offset }) => {
      const ids = await people.photoIds(personIds);
      const items = [];
      // The store's id pre-filter takes a page of ids at a time.
      for (let i = 0; i < ids.length; i += 500) items.push(...(await engine.store.photos.listItems({ ids: ids.slice(i, i + 500), limit: 500, offset: 0 })));
      const photos: PhotoSummary[] = items.map(summaryOf).sort((a, b) => (a.takenAt ?? '~').localeCompare(b.takenAt ?? '~') || a.path.localeCompare(b.path));
      return { photos: photos.slice(offset, offset + limit), total: photos.length, offset };
    }),
    'people.photoFaces': guard(async ({ photoId }) => ({ faces: await people.photoFaces(photoId) })),
    'people.name': guard(async ({ personId, name }) => {
      await people.setName(personId, name);
      return { ok: true as const };
    }),
    'people.merge': guard(async ({ from, into }) => {
      await people.merge(from, into);
      return { ok: true as const };
    }),
    'people.moveFace': guard(async ({ faceId, personId }) => {
      await people.moveFace(faceId, personId);
      return { ok: true as const };
    }),
    'people.notThisPerson': guard(async ({ faceId, personId }) => {
      await people.notThisPerson(faceId, personId);
      await reclusterPhotoNow(faceId);
      return { ok: true as const };
    }),
    'people.hide': guard(async ({ personId, hidden }) => {
      await people.setHidden(personId, hidden);
      return { ok: true as const };
    }),
    'people.recluster': async () => {
      const lanes = engine.lanes as { queue?: (workerClass: 'cpu', lane: 'maintenance') => MaintenanceQueue } | null;
      if (!lanes?.queue) throw new ApiError('no-engine', 'a recluster needs a running engine');
      await lanes.queue('cpu', 'maintenance').add('people.recluster', { reason: 'asked for' }, { jobId: `people_recluster-${Date.now()}`, attempts: 1, removeOnComplete: true, removeOnFail: false });
      return { ok: true as const };
    },
  };
}
