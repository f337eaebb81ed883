/**
 * Culling as the API and the CLI see it: groups with their pick and reasons, the person's decisions.
 * The logic lives in src-core/culling; this file resolves what a person typed and shapes the answers.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CullGroup, CullPhoto } from '../../src-shared/api/culling-contract.js';
import { toFeatures } from '../../src-core/culling/features.js';
import { BURST_GAP_SETTING, pickPhoto, rejectPhoto, restoreDecisions } from '../../src-core/culling/culling-service.js';
import { DEFAULT_THRESHOLDS } from '../../src-core/culling/similarity.js';
import { GroupsRepo, type Decision, type GroupKind } from '../../src-core/store/repos/groups-repo.js';
import { OperationError } from './operations.js';
import type { Store } from '../../src-core/store/store.js';

export async function listCullGroups(
  store: Store,
  query: { kind?: GroupKind; afterId?: string | null; limit: number },
): Promise<{ groups: CullGroup[]; counts: { duplicate: number; burst: number; toReview: number }; nextAfterId: string | null }> {
  const repo = new GroupsRepo(store.sql);
  const views = await repo.listGroups(query);
  const rows = await repo.photoRows(views.flatMap((g) => g.members.map((m) => m.photoId)));
  const features = new Map(rows.map((r) => [r.id, toFeatures(r)]));
  const groups = views.map((g): CullGroup => {
    const personPick = g.members.find((m) => m.decision.picked);
    const photos = g.members.map((m): CullPhoto => {
      const f = features.get(m.photoId);
      return {
        photoId: m.photoId,
        path: m.path,
        thumbnailPath: m.thumbnailPath,
        previewPath: m.previewPath,
        width: f?.width ?? 0,
        height: f?.height ?? 0,
        pick: personPick ? m === personPick : m.machinePick && !m.decision.rejected,
        machinePick: m.machinePick,
        score: m.score,
        reasons: m.reasons,
        decision: m.decision,
        faces: (f?.faces ?? []).map((x) => ({ box: x.box, eyeState: x.eyeState })),
      };
    });
    return { id: g.id, kind: g.kind, reviewed: g.members.some((m) => m.decision.picked || m.decision.rejected), photos };
  });
  const counts = {
    duplicate: await repo.countGroups('duplicate'),
    burst: await repo.countGroups('burst'),
    toReview: await repo.countUnreviewed(query.kind),
  };
  return { groups, counts, nextAfterId: views.length === query.limit ? views[views.length - 1]!.id : null };
}

/** A photo named by the person: its id, or a path (relative to the working folder) to a file in the library. */
export async function resolvePhotoRef(store: Store, ref: string): Promise<string> {
  const repo = new GroupsRepo(store.sql);
  const candidates = [path.resolve(ref), ref];
  for (const c of candidates) {
    const byPath = await repo.photoIdByPath(c);
    if (byPath) return byPath;
  }
  if (await store.photos.get(ref)) return ref;
  throw new OperationError(
    fs.existsSync(ref) ? `${path.resolve(ref)} is not in the library; analyse it first` : `no photo "${ref}" in the library (give its path or photo id)`,
    'not-found',
  );
}

type DecisionList = ({ photoId: string } & Decision)[];
const asList = (m: Map<string, Decision>): DecisionList => [...m].map(([photoId, d]) => ({ photoId, ...d }));

/** A decision's answer: what it replaced (for undo) and the photos whose rating / reject mark changed. */
export interface CullChange {
  previous: DecisionList;
  marksChanged: string[];
}

export async function pickCull(store: Store, photoId: string): Promise<CullChange> {
  const { previous, marksChanged } = await pickPhoto(store, photoId);
  return { previous: asList(previous), marksChanged };
}

export async function rejectCull(store: Store, photoId: string): Promise<CullChange> {
  const { previous, marksChanged } = await rejectPhoto(store, photoId);
  return { previous: asList(previous), marksChanged };
}

export async function restoreCull(store: Store, decisions: readonly ({ photoId: string } & Decision)[]): Promise<{ marksChanged: string[] }> {
  return { marksChanged: await restoreDecisions(store, new Map(decisions.map(({ photoId, ...d }) => [photoId, d]))) };
}

export async function burstGapSeconds(store: Store): Promise<number> {
  const saved = Number(await new GroupsRepo(store.sql).getSetting(BURST_GAP_SETTING));
  return Number.isFinite(saved) && saved > 0 ? saved : DEFAULT_THRESHOLDS.burstGapMs / 1000;
}

export async function setBurstGapSeconds(store: Store, seconds: number): Promise<void> {
  await new GroupsRepo(store.sql).setSetting(BURST_GAP_SETTING, String(seconds));
}
