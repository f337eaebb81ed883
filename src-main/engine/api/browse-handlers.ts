import fs from 'node:fs';
import path from 'node:path';
import type { Job } from 'bullmq';
import { ApiError, type LaneJobDto } from '../../../src-shared/api/contract.js';
import { WORKER_CLASSES } from '../../../src-shared/lanes.js';
import { FoldersRepo, isInside } from '../../../src-core/store/repos/folders-repo.js';
import { SearchRepo } from '../../../src-core/store/repos/search-repo.js';
import type { Engine } from '../engine.js';
import type { Handlers } from './dispatch.js';
import { summaryOf, toIngestInfo, type BackgroundIngests, type HandlerEngine } from './handlers.js';

/** What these handlers need beyond the others: the queues (job lists) and the pool (jobs in hand). */
export type BrowseEngine = HandlerEngine & {
  lanes: Partial<Pick<Engine['lanes'], 'queue'>>;
  pool: Partial<Pick<Engine['pool'], 'jobsInHand'>>;
};

export type BrowseMethod =
  | 'library.query'
  | 'library.ids'
  | 'search.suggest'
  | 'library.timeline'
  | 'library.places'
  | 'folders.list'
  | 'folders.rescan'
  | 'folders.remove'
  | 'folders.exclude'
  | 'folders.include'
  | 'ingests.list'
  | 'lanes.jobs'
  | 'workers.holding';

function isFolder(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The handlers of the Library's search, timeline and map, the Folders view and the Queues job lists. */
export function createBrowseHandlers(engine: BrowseEngine, ingests: BackgroundIngests): Pick<Handlers, BrowseMethod> {
  const store = engine.store;
  const search = () => new SearchRepo(store.sql);
  const folders = () => new FoldersRepo(store.sql);

  /** Tiles for these ids in this order (one query). */
  const tilesFor = async (ids: string[]) => {
    if (ids.length === 0) return [];
    const items = new Map((await store.photos.listItems({ ids, limit: ids.length, offset: 0 })).map((i) => [i.id, i]));
    return ids.flatMap((id) => {
      const item = items.get(id);
      return item ? [summaryOf(item)] : [];
    });
  };

  const jobDto = async (job: Job, queue: string): Promise<LaneJobDto> => {
    const data = (job.data ?? {}) as { photoId?: unknown };
    const photoId = typeof data.photoId === 'string' ? data.photoId : null;
    // The stage a failed job stopped at is the photo's failed stage in the store.
    const photo = photoId ? await store.photos.get(photoId) : null;
    return {
      id: job.id ?? '',
      name: job.name,
      queue,
      photoId,
      path: photo?.path ?? null,
      thumbnail: null,
      stage: photo?.failedStage ?? null,
      attempts: job.attemptsMade,
      addedAt: job.timestamp,
      error: job.failedReason || null,
      stack: job.stacktrace?.length ? job.stacktrace.join('\n---\n') : null,
    };
  };

  return {
    'library.query': async ({ limit, offset, ...query }) => {
      const { ids, total } = await search().page(query, limit, offset);
      return { photos: await tilesFor(ids), total, offset };
    },
    'library.ids': async ({ limit, offset, ...query }) => search().page(query, limit, offset),
    'search.suggest': async ({ prefix, limit }) => ({ suggestions: await search().suggest(prefix, limit) }),
    'library.timeline': async (query) => search().days(query),
    'library.places': async (query) => search().places(query),

    'folders.list': async () => {
      const repo = folders();
      await repo.adoptIngestRoots(isFolder);
      return { folders: await repo.list(), exclusions: await repo.exclusions() };
    },
    'folders.exclude': async ({ path: folder }) => {
      const repo = folders();
      await repo.adoptIngestRoots(isFolder);
      const resolved = path.resolve(folder).replace(/[\\/]+$/, '');
      const library = await repo.list();
      if (!library.some((f) => isInside(resolved, f.path) && resolved !== f.path)) {
        throw new ApiError('bad-request', `"${resolved}" is not inside a folder of the library (to drop a whole folder, remove it)`);
      }
      return { removed: (await repo.exclude(resolved)).length };
    },
    'folders.include': async ({ path: folder }) => ({ included: await folders().include(folder) }),
    'folders.rescan': async ({ path: folder }) => {
      const resolved = path.resolve(folder);
      if (!isFolder(resolved)) throw new ApiError('not-found', `no such folder: ${resolved}`);
      ingests.start([resolved], { lane: 'default' });
      return { ok: true };
    },
    'folders.remove': async ({ path: folder }) => {
      const repo = folders();
      await repo.adoptIngestRoots(isFolder);
      if (!(await repo.has(folder))) throw new ApiError('not-found', `"${folder}" is not a folder of the library`);
      const removed = await repo.remove(folder);
      return { removed: removed.length };
    },
    'ingests.list': async ({ limit }) => {
      const records = await store.ingests.list(limit);
      return { ingests: await Promise.all(records.map(async (r) => toIngestInfo(r, await store.ingests.totals(r.id)))) };
    },

    'lanes.jobs': async ({ lane, state, limit }) => {
      const queueOf = engine.lanes.queue;
      if (!queueOf) throw new ApiError('no-engine', 'the queues are not running');
      const jobs: LaneJobDto[] = [];
      let total = 0;
      for (const workerClass of WORKER_CLASSES) {
        const queue = queueOf.call(engine.lanes, workerClass, lane);
        total += (await queue.getJobCounts(state))[state] ?? 0;
        for (const job of await queue.getJobs([state], 0, limit - 1, false)) if (job) jobs.push(await jobDto(job, queue.name));
      }
      jobs.sort((a, b) => b.addedAt - a.addedAt);
      const shown = jobs.slice(0, limit);
      const thumbs = new Map((await tilesFor(shown.flatMap((j) => (j.photoId ? [j.photoId] : [])))).map((t) => [t.id, t.thumbnail]));
      return { jobs: shown.map((j) => ({ ...j, thumbnail: j.photoId ? thumbs.get(j.photoId) ?? null : null })), total };
    },
    'workers.holding': async () => {
      const inHand = engine.pool.jobsInHand?.call(engine.pool) ?? [];
      const tiles = new Map((await tilesFor([...new Set(inHand.flatMap((h) => (h.photoId ? [h.photoId] : [])))])).map((t) => [t.id, t]));
      return {
        holding: inHand.map((h) => {
          const tile = h.photoId ? tiles.get(h.photoId) : undefined;
          return { ...h, path: tile?.path ?? null, thumbnail: tile?.thumbnail ?? null };
        }),
      };
    },
  };
}
