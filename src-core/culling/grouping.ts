/**
 * Groups from pairwise relations, pure. Two entry points that agree with each other:
 *   - `planJoin`: one photo arrives (incremental `group` job) — it joins the group of a related
 *     neighbour, merges the groups of several, or starts a new group with unrelated-so-far neighbours.
 *   - `components`: the full regroup — connected components over every related pair.
 * Duplicates do not chain: a copy of a copy of a copy can drift into another picture (an 8 % crop
 * and the next burst frame panned 8 % further are each "one small crop" apart), so a photo belongs to
 * a duplicate group only when it is related to at least DUPLICATE_MIN_SHARE of its other members.
 * Bursts chain on purpose (frames 0.4 s apart, a series of any length).
 * Both honour the person's links: `apart` (split out) removes the pair's relation and keeps the split
 * photo out of the other's group; `together` (merged) adds one.
 */
import type { GroupKind, PersonLink } from '../store/repos/groups-repo.js';

export interface Edge {
  a: string;
  b: string;
  kind: GroupKind;
}

export const DUPLICATE_MIN_SHARE = 0.5;

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

export class UnionFind {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    let root = this.parent.get(x) ?? x;
    if (root === x) {
      if (!this.parent.has(x)) this.parent.set(x, x);
      return x;
    }
    root = this.find(root);
    this.parent.set(x, root);
    return root;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
  groups(): string[][] {
    const by = new Map<string, string[]>();
    for (const x of this.parent.keys()) {
      const r = this.find(x);
      const list = by.get(r) ?? [];
      list.push(x);
      by.set(r, list);
    }
    return [...by.values()].map((g) => g.sort());
  }
}

/** Connected components (≥ 2 photos) of one kind's relation, with the person's links applied. */
export function components(edges: readonly Edge[], links: readonly PersonLink[], kind: GroupKind): string[][] {
  const apart = new Set(links.filter((l) => l.kind === kind && l.relation === 'apart').map((l) => pairKey(l.photoA, l.photoB)));
  const uf = new UnionFind();
  for (const e of edges) if (e.kind === kind && !apart.has(pairKey(e.a, e.b))) uf.union(e.a, e.b);
  for (const l of links) if (l.kind === kind && l.relation === 'together') uf.union(l.photoA, l.photoB);
  const out: string[][] = [];
  for (const group of uf.groups()) {
    // A photo the person split out stays out even when another path leads back into the group.
    const members = new Set(group);
    for (const l of links) {
      if (l.kind === kind && l.relation === 'apart' && members.has(l.photoA) && members.has(l.photoB)) members.delete(l.photoA);
    }
    if (kind === 'duplicate') pruneLoose(members, edges, links);
    if (members.size >= 2) out.push([...members].sort());
  }
  return out.sort((x, y) => x[0]!.localeCompare(y[0]!));
}

/** Drops, weakest first, duplicate members related to under DUPLICATE_MIN_SHARE of the others (a person's merge counts as related). */
function pruneLoose(members: Set<string>, edges: readonly Edge[], links: readonly PersonLink[]): void {
  const related = new Set<string>();
  for (const e of edges) if (e.kind === 'duplicate') related.add(pairKey(e.a, e.b));
  const merged = new Set(links.filter((l) => l.kind === 'duplicate' && l.relation === 'together').flatMap((l) => [l.photoA, l.photoB]));
  for (;;) {
    if (members.size < 3) return;
    let worst: string | null = null;
    let worstShare = 1;
    for (const m of members) {
      if (merged.has(m)) continue;
      let n = 0;
      for (const o of members) if (o !== m && related.has(pairKey(m, o))) n++;
      const share = n / (members.size - 1);
      if (share < worstShare || (share === worstShare && worst !== null && m > worst)) {
        worst = m;
        worstShare = share;
      }
    }
    if (worst === null || worstShare >= DUPLICATE_MIN_SHARE) return;
    members.delete(worst);
  }
}

export interface JoinPlan {
  kind: GroupKind;
  /** The group kept (the oldest among those involved), or null: start a new one. */
  keepGroupId: string | null;
  /** Groups folded into the kept one. */
  mergedGroupIds: string[];
  /** Every member of the resulting group, the arriving photo included. */
  members: string[];
}

/**
 * What one arriving photo does to the groups of one kind.
 * @param related   neighbours related to the photo by this kind (already classified).
 * @param groupOf   current group of each photo (of this kind) that has one, with members and creation order.
 */
export function planJoin(
  photoId: string,
  kind: GroupKind,
  related: readonly string[],
  groupOf: ReadonlyMap<string, { groupId: string; createdAt: string }>,
  membersOfGroup: ReadonlyMap<string, readonly string[]>,
  links: readonly PersonLink[],
): JoinPlan | null {
  const apart = new Set(links.filter((l) => l.kind === kind && l.relation === 'apart').map((l) => pairKey(l.photoA, l.photoB)));
  const together = links.filter((l) => l.kind === kind && l.relation === 'together').map((l) => (l.photoA === photoId ? l.photoB : l.photoA === photoId ? null : l.photoB === photoId ? l.photoA : null));
  const partners = [...new Set([...related, ...together.filter((x): x is string => x !== null)])].filter((n) => n !== photoId && !apart.has(pairKey(photoId, n)));
  const own = groupOf.get(photoId);
  if (!partners.length) return null;
  const groups = new Map<string, string>();
  if (own) groups.set(own.groupId, own.createdAt);
  const partnerSet = new Set(partners);
  for (const n of partners) {
    const g = groupOf.get(n);
    if (!g || groups.has(g.groupId)) continue;
    if (kind === 'duplicate' && g.groupId !== own?.groupId) {
      // Related to too few of the group's photos: a near copy of one of them, not of the picture.
      const others = (membersOfGroup.get(g.groupId) ?? []).filter((m) => m !== photoId);
      const hits = others.filter((m) => partnerSet.has(m)).length;
      if (others.length && hits / others.length < DUPLICATE_MIN_SHARE) continue;
    }
    groups.set(g.groupId, g.createdAt);
  }
  const ordered = [...groups.entries()].sort((a, b) => a[1].localeCompare(b[1]) || a[0].localeCompare(b[0])).map(([id]) => id);
  // Partners in a group the photo did not qualify for stay where they are.
  const members = new Set<string>([photoId, ...partners.filter((n) => !groupOf.has(n) || groups.has(groupOf.get(n)!.groupId))]);
  if (members.size < 2 && !ordered.length) return null;
  for (const g of ordered) for (const m of membersOfGroup.get(g) ?? []) members.add(m);
  return { kind, keepGroupId: ordered[0] ?? null, mergedGroupIds: ordered.slice(1), members: [...members].sort() };
}
