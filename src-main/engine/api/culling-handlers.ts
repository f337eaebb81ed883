import { cullingApi } from '../../../src-shared/api/culling-contract.js';
import { ApiError } from '../../../src-shared/api/contract.js';
import { mergeGroups, splitOut } from '../../../src-core/culling/culling-service.js';
import { burstGapSeconds, listCullGroups, pickCull, rejectCull, restoreCull, setBurstGapSeconds } from '../culling-ops.js';
import type { Lanes } from '../../../src-core/queues.js';
import { GroupsRepo } from '../../../src-core/store/repos/groups-repo.js';
import type { Store } from '../../../src-core/store/store.js';
import type { Handlers } from './dispatch.js';

type CullingMethod = keyof typeof cullingApi;

async function requirePhoto(store: Store, photoId: string): Promise<void> {
  if (!(await store.photos.get(photoId))) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
}

type CullingLanes = Pick<Lanes, 'addMaintenance' | 'addPresetApply'>;

/** The engine's lanes when they can queue jobs (a test's fake engine may not). */
export function cullingLanes(lanes: unknown): CullingLanes | null {
  const l = lanes as Partial<Lanes> | null;
  return typeof l?.addMaintenance === 'function' && typeof l.addPresetApply === 'function' ? (lanes as Lanes) : null;
}

/** Handlers of the culling calls; `lanes` null where no engine runs (a regroup cannot be queued then). */
export function createCullingHandlers(store: Store, lanes: CullingLanes | null): Pick<Handlers, CullingMethod> {
  const queueRegroup = async (): Promise<boolean> => {
    if (!lanes) return false;
    await lanes.addMaintenance({ task: 'regroup' }, `maintenance-regroup-${Date.now()}`);
    return true;
  };
  /**
   * A pick, reject or undo that changed a photo's rating / reject mark has its sidecar rewritten (as the
   * Library's marks are), so Lightroom and darktable see the same reject. Where no engine runs, the mark is
   * stored and the next sidecar write of the photo carries it.
   */
  const rewriteSidecars = async (photoIds: readonly string[]): Promise<void> => {
    if (!lanes || !photoIds.length) return;
    const marks = await new GroupsRepo(store.sql).decisions(photoIds);
    await lanes.addPresetApply(
      photoIds.map((photoId) => {
        const d = marks.get(photoId);
        return { lane: 'high_priority' as const, data: { photoId, presetId: null, marks: { rating: d?.rejected ? -1 : (d?.rating ?? null) } } };
      }),
    );
  };
  return {
    'culling.groups': async ({ kind, afterId, limit }) => listCullGroups(store, { kind, afterId: afterId ?? null, limit }),
    'culling.pick': async ({ photoId }) => {
      await requirePhoto(store, photoId);
      const { previous, marksChanged } = await pickCull(store, photoId);
      await rewriteSidecars(marksChanged);
      return { previous };
    },
    'culling.reject': async ({ photoId }) => {
      await requirePhoto(store, photoId);
      const { previous, marksChanged } = await rejectCull(store, photoId);
      await rewriteSidecars(marksChanged);
      return { previous };
    },
    'culling.restore': async ({ decisions }) => {
      for (const d of decisions) await requirePhoto(store, d.photoId);
      await rewriteSidecars((await restoreCull(store, decisions)).marksChanged);
      return { ok: true };
    },
    'culling.split': async ({ photoId, kind }) => {
      await requirePhoto(store, photoId);
      return splitOut(store, photoId, kind);
    },
    'culling.merge': async ({ intoGroupId, fromGroupId }) => {
      if (intoGroupId === fromGroupId) throw new ApiError('bad-request', 'a group cannot be merged into itself');
      try {
        return await mergeGroups(store, intoGroupId, fromGroupId);
      } catch (error) {
        const message = (error as Error).message;
        throw new ApiError(message.startsWith('no group') ? 'not-found' : 'bad-request', message);
      }
    },
    'culling.settings': async ({ burstGapSeconds: next }) => {
      if (next === undefined || next === (await burstGapSeconds(store))) return { burstGapSeconds: await burstGapSeconds(store), regroupQueued: false };
      await setBurstGapSeconds(store, next);
      return { burstGapSeconds: next, regroupQueued: await queueRegroup() };
    },
    'culling.regroup': async () => ({ queued: await queueRegroup() }),
  };
}
