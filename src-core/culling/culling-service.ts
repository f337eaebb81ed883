/**
 * Culling over the store: the incremental step for one photo (the `group` job), the full regroup (a
 * maintenance job under the exclusive lock) and the person's decisions. Each write is one transaction,
 * so a process killed mid-way leaves the groups as they were before, never half a group.
 */
import type { SqlDb } from '../store/sql/sql-db.js';
import { GroupsRepo, GROUP_KINDS, NO_DECISION, type Decision, type GroupKind, type PersonLink } from '../store/repos/groups-repo.js';
import { toFeatures, type FaceFeature, type PhotoFeatures } from './features.js';
import { components, planJoin, type Edge } from './grouping.js';
import { rankGroup } from './ranking.js';
import { classifyPair, DEFAULT_THRESHOLDS, type GroupingThresholds } from './similarity.js';

/**
 * What culling needs of the library's store: the SQL surface its repository runs on, and the
 * k-nearest-neighbour query over the descriptors (the engine's Store has both).
 */
export interface Store {
  readonly sql: SqlDb;
  readonly photos: { similar(photoId: string, k: number): Promise<{ photoId: string; distance: number }[]> };
}

/** Neighbours asked of the vector index per photo. */
export const NEIGHBOURS_K = 64;
export const BURST_GAP_SETTING = 'burstGapSeconds';

/** Fills in face sharpness that the stored analysis lacks (measured from the preview by the worker). */
export type FaceSharpnessProbe = (previewPath: string, faces: readonly FaceFeature[]) => Promise<(number | null)[]>;

/** Reads the sub-seconds of a photo's capture time from its file (EXIF SubSecTimeOriginal). */
export type SubSecondsProbe = (photoPath: string) => Promise<number | null>;

/** Raw Laplacian variance of the preview at a fixed working size (the group job's frame-sharpness measure). */
export type FrameSharpnessProbe = (previewPath: string) => Promise<number | null>;

/** What the worker measures from files when the stored analysis lacks it. */
export interface Probes {
  faceSharpness?: FaceSharpnessProbe;
  subSeconds?: SubSecondsProbe;
  frameSharpness?: FrameSharpnessProbe;
}

export interface CullingOptions extends Probes {
  thresholds?: Partial<GroupingThresholds>;
  /** Called inside the group job's transaction after its first group write (the kill test pauses here). */
  insideTransaction?: () => Promise<void>;
}

export async function thresholdsFor(repo: GroupsRepo, override: Partial<GroupingThresholds> = {}): Promise<GroupingThresholds> {
  const gap = Number(await repo.getSetting(BURST_GAP_SETTING));
  return { ...DEFAULT_THRESHOLDS, ...(Number.isFinite(gap) && gap > 0 ? { burstGapMs: gap * 1000 } : {}), ...override };
}

async function loadFeatures(repo: GroupsRepo, ids: readonly string[], probes: Probes = {}): Promise<Map<string, PhotoFeatures>> {
  const out = new Map<string, PhotoFeatures>();
  for (const row of await repo.photoRows(ids)) {
    const needsSub = probes.subSeconds && row.takenAt && !row.subMsRead;
    const needsLap = probes.frameSharpness && row.previewPath && row.frameLap === null;
    if (needsSub || needsLap) {
      // Once per revision: burst frames taken within one second differ only in their sub-seconds.
      if (needsSub) row.subMs = await probes.subSeconds!(row.path).catch(() => null);
      if (needsLap) row.frameLap = await probes.frameSharpness!(row.previewPath!).catch(() => null);
      await repo.setCapture(row.id, row.revision, row.subMs, row.frameLap);
    }
    const f = toFeatures(row);
    if (probes.faceSharpness && f.previewPath && f.faces.some((x) => x.sharpness === null)) {
      const measured = await probes.faceSharpness(f.previewPath, f.faces).catch(() => null);
      if (measured) f.faces = f.faces.map((x, i) => (x.sharpness === null ? { ...x, sharpness: measured[i] ?? null } : x));
    }
    out.set(f.id, f);
  }
  return out;
}

/** The photos related to `self` by each kind: its nearest neighbours, same-content copies and same-camera frames near in time. */
async function relatedOf(
  store: Store,
  repo: GroupsRepo,
  self: PhotoFeatures,
  t: GroupingThresholds,
  probes: Probes,
): Promise<{ edges: Edge[]; features: Map<string, PhotoFeatures> }> {
  const reach = Math.max(t.dupDistance, t.burstDistance);
  const candidates = new Set<string>();
  for (const n of await store.photos.similar(self.id, NEIGHBOURS_K)) if (n.distance <= reach) candidates.add(n.photoId);
  if (self.contentHash) for (const id of await repo.photosWithContentHash(self.contentHash)) candidates.add(id);
  const [make, model] = self.camera?.split('\u0000') ?? [];
  if (make && model && self.takenMs !== null) {
    const iso = (ms: number): string => new Date(ms).toISOString().slice(0, 19);
    for (const id of await repo.photosTakenBetween(make, model, iso(self.takenMs - t.burstGapMs), iso(self.takenMs + t.burstGapMs))) candidates.add(id);
  }
  candidates.delete(self.id);
  const features = await loadFeatures(repo, [...candidates], probes);
  features.set(self.id, self);
  const edges: Edge[] = [];
  for (const id of candidates) {
    const other = features.get(id);
    if (!other) continue;
    const kind = classifyPair(self, other, t);
    if (kind) edges.push({ a: self.id, b: id, kind });
  }
  return { edges, features };
}

/** Ranks the members and writes the group whole (inside the caller's transaction). */
async function rankAndWrite(tx: GroupsRepo, kind: GroupKind, keepId: string | null, memberIds: readonly string[], known: Map<string, PhotoFeatures>): Promise<string> {
  const missing = memberIds.filter((id) => !known.has(id));
  const more = await loadFeatures(tx, missing);
  const feats = memberIds.map((id) => known.get(id) ?? more.get(id)).filter((f): f is PhotoFeatures => !!f);
  const ranked = rankGroup(feats, kind);
  return tx.writeGroup({ id: keepId, kind, members: ranked.map((r) => ({ photoId: r.photoId, score: r.score, reasons: r.reasons, machinePick: r.pick })) });
}

export interface GroupPhotoResult {
  /** Group id per kind the photo is now in. */
  groups: Partial<Record<GroupKind, string>>;
  skipped?: string;
}

/** The incremental step: the photo joins, merges or starts a group of each kind, in one transaction. */
export async function groupPhoto(store: Store, photoId: string, options: CullingOptions = {}): Promise<GroupPhotoResult> {
  const repo = new GroupsRepo(store.sql);
  const t = await thresholdsFor(repo, options.thresholds);
  const [row] = await repo.photoRows([photoId]);
  if (!row) return { groups: {}, skipped: 'photo no longer in the library' };
  const self = (await loadFeatures(repo, [photoId], options)).get(photoId)!;
  if (!self.vector) return { groups: {}, skipped: 'no descriptor yet' };
  const { edges, features } = await relatedOf(store, repo, self, t, options);
  return repo.transaction(async (tx) => {
    await tx.markGrouped(photoId, row.revision);
    const groups: GroupPhotoResult['groups'] = {};
    for (const kind of GROUP_KINDS) {
      const related = edges.filter((e) => e.kind === kind).map((e) => e.b);
      const links = await tx.links(kind, [photoId]);
      const memberships = await tx.membershipsOf([photoId, ...related], kind);
      const created = await tx.groupCreatedAt([...new Set(memberships.map((m) => m.groupId))]);
      const groupOf = new Map(memberships.map((m) => [m.photoId, { groupId: m.groupId, createdAt: created.get(m.groupId) ?? '' }]));
      const membersOf = await tx.memberIdsOf([...created.keys()]);
      const plan = planJoin(photoId, kind, related, groupOf, membersOf, links);
      if (!plan) {
        // Related to nothing (now): a re-analysed photo that changed leaves the group it was in.
        await tx.removeMember(photoId, kind);
        continue;
      }
      // The group as a whole, re-checked pair by pair: a member only loosely related (see
      // grouping.ts) leaves, and what is left is written; a split-off part becomes its own group.
      const missing = plan.members.filter((id) => !features.has(id));
      for (const [id, f] of await loadFeatures(tx, missing)) features.set(id, f);
      const memberFeatures = plan.members.map((id) => features.get(id)).filter((f): f is PhotoFeatures => !!f);
      const internal: Edge[] = [];
      for (let i = 0; i < memberFeatures.length; i++) {
        for (let j = i + 1; j < memberFeatures.length; j++) {
          const k = classifyPair(memberFeatures[i]!, memberFeatures[j]!, t);
          // A member's old relations count even when the pair reads as the other kind now.
          if (k) internal.push({ a: memberFeatures[i]!.id, b: memberFeatures[j]!.id, kind });
        }
      }
      const allLinks = await tx.links(kind, plan.members);
      const parts = components(internal, allLinks, kind);
      const own = parts.find((p) => p.includes(photoId));
      if (!own) {
        // Not related enough to any group: a group it was in loses it.
        await tx.removeMember(photoId, kind);
      }
      const ownId = own ? await rankAndWrite(tx, kind, plan.keepGroupId, own, features) : null;
      if (ownId) groups[kind] = ownId;
      await options.insideTransaction?.();
      let spareId = own ? null : plan.keepGroupId;
      for (const part of parts) {
        if (part === own) continue;
        await rankAndWrite(tx, kind, spareId, part, features);
        spareId = null;
      }
    }
    return { groups };
  });
}

export interface RegroupResult {
  photos: number;
  groups: Record<GroupKind, number>;
}

/**
 * The full regroup (thresholds changed): every pair recomputed, every machine group rewritten in one
 * transaction. The person's decisions and links are read, never written.
 */
export async function regroupAll(store: Store, options: CullingOptions & { pageSize?: number } = {}): Promise<RegroupResult> {
  const repo = new GroupsRepo(store.sql);
  const t = await thresholdsFor(repo, options.thresholds);
  const edges: Edge[] = [];
  let photos = 0;
  for (let after: string | null = null; ; ) {
    const ids = await repo.analysedPhotoIds(after, options.pageSize ?? 200);
    if (!ids.length) break;
    after = ids[ids.length - 1]!;
    const page = await loadFeatures(repo, ids, { subSeconds: options.subSeconds, frameSharpness: options.frameSharpness });
    for (const id of ids) {
      const self = page.get(id);
      if (!self?.vector) continue;
      photos++;
      // Each pair once: kept by its smaller id.
      for (const e of (await relatedOf(store, repo, self, t, { subSeconds: options.subSeconds, frameSharpness: options.frameSharpness })).edges) if (e.a < e.b) edges.push(e);
    }
  }
  const plans: { kind: GroupKind; members: string[] }[] = [];
  for (const kind of GROUP_KINDS) for (const members of components(edges, await repo.links(kind, null), kind)) plans.push({ kind, members });
  const involved = [...new Set(plans.flatMap((p) => p.members))];
  const features = await loadFeatures(repo, involved, options);
  const counts: Record<GroupKind, number> = { duplicate: 0, burst: 0 };
  await repo.transaction(async (tx) => {
    for (const kind of GROUP_KINDS) await tx.clearMachineGroups(kind);
    for (const plan of plans) {
      await rankAndWrite(tx, plan.kind, null, plan.members, features);
      counts[plan.kind]++;
    }
  });
  return { photos, groups: counts };
}

// ── the person's decisions ───────────────────────────────────────────────

/**
 * What a decision changed: the decisions before it (for undo) and the photos whose rating / reject mark
 * changed (their XMP sidecars are to be rewritten).
 */
export interface DecisionChange {
  previous: Map<string, Decision>;
  marksChanged: string[];
}

/** "This one": the photo becomes the person's pick; the other picks of its groups are cleared. */
export async function pickPhoto(store: Store, photoId: string): Promise<DecisionChange> {
  return new GroupsRepo(store.sql).transaction(async (tx) => {
    const groups = (await tx.membershipsOf([photoId])).map((m) => m.groupId);
    const mates = new Set<string>([photoId]);
    for (const ids of (await tx.memberIdsOf(groups)).values()) for (const id of ids) mates.add(id);
    const before = await tx.decisions([...mates]);
    const previous = new Map([...mates].map((id) => [id, before.get(id) ?? NO_DECISION]));
    const marksChanged: string[] = [];
    for (const id of mates) {
      const d = previous.get(id)!;
      const next = id === photoId ? { ...d, picked: true, rejected: false } : d.picked ? { ...d, picked: false } : null;
      if (next && (await tx.setDecision(id, next)).markChanged) marksChanged.push(id);
    }
    return { previous, marksChanged };
  });
}

export async function rejectPhoto(store: Store, photoId: string): Promise<DecisionChange> {
  return new GroupsRepo(store.sql).transaction(async (tx) => {
    const d = (await tx.decisions([photoId])).get(photoId) ?? NO_DECISION;
    const { markChanged } = await tx.setDecision(photoId, { ...d, rejected: true, picked: false });
    return { previous: new Map([[photoId, d]]), marksChanged: markChanged ? [photoId] : [] };
  });
}

/** Puts decisions back as they were (the UI's undo); returns the photos whose mark changed. */
export async function restoreDecisions(store: Store, decisions: ReadonlyMap<string, Decision>): Promise<string[]> {
  return new GroupsRepo(store.sql).transaction(async (tx) => {
    const marksChanged: string[] = [];
    for (const [id, d] of decisions) if ((await tx.setDecision(id, d)).markChanged) marksChanged.push(id);
    return marksChanged;
  });
}

/** "Not part of this group": the photo leaves, and stays out on every regroup. */
export async function splitOut(store: Store, photoId: string, kind: GroupKind): Promise<{ leftGroup: string | null }> {
  return new GroupsRepo(store.sql).transaction(async (tx) => {
    const [m] = await tx.membershipsOf([photoId], kind);
    if (!m) return { leftGroup: null };
    const others = ((await tx.memberIdsOf([m.groupId])).get(m.groupId) ?? []).filter((id) => id !== photoId);
    for (const other of others) await tx.addLink({ kind, photoA: photoId, photoB: other, relation: 'apart' });
    await tx.removeMember(photoId, kind);
    if (others.length >= 2) await rankAndWrite(tx, kind, m.groupId, others, new Map());
    return { leftGroup: m.groupId };
  });
}

/** "These belong together": the second group folds into the first; remembered for every regroup. */
export async function mergeGroups(store: Store, intoGroupId: string, fromGroupId: string): Promise<{ groupId: string }> {
  return new GroupsRepo(store.sql).transaction(async (tx) => {
    const [kindA, kindB] = [await tx.groupKind(intoGroupId), await tx.groupKind(fromGroupId)];
    if (!kindA || !kindB) throw new Error(`no group ${!kindA ? intoGroupId : fromGroupId}`);
    if (kindA !== kindB) throw new Error(`a ${kindA} group and a ${kindB} group cannot be merged`);
    const members = await tx.memberIdsOf([intoGroupId, fromGroupId]);
    const a = members.get(intoGroupId) ?? [];
    const b = members.get(fromGroupId) ?? [];
    const link: PersonLink = { kind: kindA, photoA: a[0]!, photoB: b[0]!, relation: 'together' };
    await tx.addLink(link);
    const id = await rankAndWrite(tx, kindA, intoGroupId, [...new Set([...a, ...b])], new Map());
    return { groupId: id };
  });
}
