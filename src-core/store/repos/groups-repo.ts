/**
 * Culling groups: near-duplicate and burst groups of photos, the machine's ranking inside each group,
 * and the person's own decisions about them.
 *
 * Two stores that never overwrite each other:
 *   - the machine's: `cull_groups` + `cull_members` (group, score, reasons, machine pick). A regroup
 *     rewrites them whole.
 *   - the person's: `cull_decisions` (the pick per photo), the rating and reject in `photo_marks` (the
 *     same marks the Library grid sets and the XMP sidecar carries: a reject there is a reject here), and `cull_links` (a photo
 *     split out of a group: `apart`; two groups merged: `together`), keyed by photo, never by group id,
 *     so they survive a regroup that gives the groups new ids. Nothing here deletes a file.
 */
import { randomBytes } from 'node:crypto';
import type { NamedMigration, SqlDb } from '../sql/sql-db.js';


export const GROUP_KINDS = ['duplicate', 'burst'] as const;
export type GroupKind = (typeof GROUP_KINDS)[number];

export const GROUPS_MIGRATIONS: readonly NamedMigration[] = [
  {
    id: 'groups/001-tables',
    sql: `
      CREATE TABLE cull_groups (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX cull_groups_kind_idx ON cull_groups(kind, id);
      CREATE TABLE cull_members (
        photo_id TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        kind TEXT NOT NULL,
        group_id TEXT NOT NULL REFERENCES cull_groups(id) ON DELETE CASCADE,
        score {{float}} NOT NULL,
        reasons TEXT NOT NULL,
        machine_pick INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (photo_id, kind)
      );
      CREATE INDEX cull_members_group_idx ON cull_members(group_id);
      CREATE TABLE cull_decisions (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        picked INTEGER NOT NULL,
        rejected INTEGER NOT NULL,
        rating INTEGER,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE cull_links (
        kind TEXT NOT NULL,
        photo_a TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        photo_b TEXT NOT NULL REFERENCES photos(id) ON DELETE CASCADE,
        relation TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (kind, photo_a, photo_b)
      );
      CREATE INDEX cull_links_b_idx ON cull_links(photo_b);
      CREATE TABLE cull_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE INDEX cull_metadata_taken_idx ON photo_metadata(taken_at);
      CREATE TABLE cull_capture (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL,
        sub_ms INTEGER
      );
    `,
  },
  // The group job's own sharpness measure of the preview (raw Laplacian variance, see frame-sharpness.ts).
  { id: 'groups/002-frame-sharpness', sql: `ALTER TABLE cull_capture ADD COLUMN lap {{float}}` },
  // Which revision of a photo its own group job placed (the sweep's marker: a group job a crash lost
  // is queued again). A library analysed before this marker existed counts as grouped.
  {
    id: 'groups/003-grouped',
    sql: `
      CREATE TABLE cull_grouped (
        photo_id TEXT PRIMARY KEY REFERENCES photos(id) ON DELETE CASCADE,
        revision INTEGER NOT NULL
      );
      INSERT INTO cull_grouped (photo_id, revision) SELECT id, revision FROM photos WHERE state = 'done';
    `,
  },
  // One rating and one reject per photo: culling's moved into photo_marks (what the Library grid sets and
  // the sidecar carries; −1 is Lightroom's reject). A mark the person set in the Library wins.
  {
    id: 'groups/004-decisions-into-marks',
    sql: `
      INSERT INTO photo_marks (photo_id, rating, label, updated_at)
        SELECT photo_id, CASE WHEN rejected = 1 THEN -1 ELSE rating END, NULL, updated_at FROM cull_decisions
         WHERE rejected = 1 OR rating IS NOT NULL
      ON CONFLICT (photo_id) DO UPDATE SET rating = excluded.rating WHERE photo_marks.rating IS NULL;
      ALTER TABLE cull_decisions DROP COLUMN rejected;
      ALTER TABLE cull_decisions DROP COLUMN rating;
    `,
  },
];

/** One photo's membership as the machine wrote it. */
export interface MemberRow {
  photoId: string;
  groupId: string;
  kind: GroupKind;
  score: number;
  reasons: string[];
  machinePick: boolean;
}

export interface Decision {
  picked: boolean;
  rejected: boolean;
  /** 0–5 stars, null when the person gave none. */
  rating: number | null;
}

export const NO_DECISION: Decision = { picked: false, rejected: false, rating: null };

/** A link the person made: `apart` (photo_a was split out of photo_b's group) or `together` (merged). */
export interface PersonLink {
  kind: GroupKind;
  photoA: string;
  photoB: string;
  relation: 'apart' | 'together';
}

/** A group as written by the machine: its members in rank order, with scores and reasons. */
export interface GroupPlan {
  /** Keep this id (the group exists), or null for a new group. */
  id: string | null;
  kind: GroupKind;
  members: { photoId: string; score: number; reasons: string[]; machinePick: boolean }[];
}

/** What grouping and ranking read of a photo, from the tables the analysis wrote. */
export interface CullPhotoRow {
  id: string;
  path: string;
  revision: number;
  /** File size in bytes and modification time (ms): a copy's compression and age. */
  size: number;
  mtimeMs: number;
  contentHash: string | null;
  dhash: string | null;
  width: number | null;
  height: number | null;
  takenAt: string | null;
  /** Milliseconds within takenAt's second (EXIF SubSecTimeOriginal), read by the group job; null when not recorded or not read yet. */
  subMs: number | null;
  /** Whether the group job has looked for sub-seconds at this revision. */
  subMsRead: boolean;
  /** The group job's raw Laplacian variance of the preview at 512 px; null until measured. */
  frameLap: number | null;
  make: string | null;
  model: string | null;
  previewPath: string | null;
  thumbnailPath: string | null;
  /** Parsed JSON of the stage results, null when the stage has not run. */
  detect: unknown;
  quality: unknown;
  embed: unknown;
}

export interface GroupView {
  id: string;
  kind: GroupKind;
  updatedAt: string;
  members: (MemberRow & { path: string; thumbnailPath: string | null; previewPath: string | null; decision: Decision })[];
}

const now = (): string => new Date().toISOString();
export const newGroupId = (): string => `g-${randomBytes(8).toString('hex')}`;

function parseJson(text: string | null | undefined): unknown {
  if (text == null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

interface MemberDbRow {
  photo_id: string;
  group_id: string;
  kind: string;
  score: number | string;
  reasons: string;
  machine_pick: number | string;
}

function toMember(r: MemberDbRow): MemberRow {
  return {
    photoId: r.photo_id,
    groupId: r.group_id,
    kind: r.kind as GroupKind,
    score: Number(r.score),
    reasons: (parseJson(r.reasons) as string[] | null) ?? [],
    machinePick: Number(r.machine_pick) === 1,
  };
}

/** A decision as read: the pick from cull_decisions, the mark (−1 reject, 0–5 stars) from photo_marks. */
interface DecisionDbRow {
  photo_id: string;
  picked: number | string | null;
  mark: number | string | null;
}

/** The columns a query selects for a DecisionDbRow, given the aliases of cull_decisions and photo_marks. */
const decisionColumns = (c: string, k: string): string => `${c}.picked, ${k}.rating AS mark`;

function toDecision(r: DecisionDbRow): Decision {
  const mark = r.mark == null ? null : Number(r.mark);
  return { picked: Number(r.picked ?? 0) === 1, rejected: mark === -1, rating: mark !== null && mark >= 0 ? mark : null };
}

/** The photo_marks rating a decision stands for. */
function markOf(decision: Decision): number | null {
  return decision.rejected ? -1 : decision.rating;
}

export class GroupsRepo {
  constructor(private readonly db: SqlDb) {}

  /** Same repository on a transaction handle. */
  static on(tx: SqlDb): GroupsRepo {
    return new GroupsRepo(tx);
  }

  transaction<T>(fn: (repo: GroupsRepo) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new GroupsRepo(tx)));
  }

  // ── what the analysis stored ──────────────────────────────────────────

  /** The analysis results of these photos (current revision only), in no particular order. */
  async photoRows(photoIds: readonly string[]): Promise<CullPhotoRow[]> {
    const out: CullPhotoRow[] = [];
    for (let i = 0; i < photoIds.length; i += 500) {
      const ids = photoIds.slice(i, i + 500);
      if (!ids.length) continue;
      const rows = await this.db.all<{
        id: string;
        path: string;
        revision: number | string;
        size: number | string;
        mtime_ms: number | string;
        content_hash: string | null;
        dhash: string | null;
        width: number | string | null;
        height: number | string | null;
        taken_at: string | null;
        sub_ms: number | string | null;
        cc_rev: number | string | null;
        cc_lap: number | string | null;
        make: string | null;
        model: string | null;
        preview_path: string | null;
        thumbnail_path: string | null;
        rd: string | null;
        rq: string | null;
        re: string | null;
      }>(
        `SELECT p.id, p.path, p.revision, p.size, p.mtime_ms, p.content_hash, d.dhash, d.width, d.height, m.taken_at, m.make, m.model,
                d.preview_path, d.thumbnail_path, rd.json AS rd, rq.json AS rq, re.json AS re, cc.sub_ms, cc.revision AS cc_rev, cc.lap AS cc_lap
           FROM photos p
           LEFT JOIN photo_derivatives d ON d.photo_id = p.id
           LEFT JOIN photo_metadata m ON m.photo_id = p.id
           LEFT JOIN photo_results rd ON rd.photo_id = p.id AND rd.stage = 'detect'
           LEFT JOIN photo_results rq ON rq.photo_id = p.id AND rq.stage = 'quality'
           LEFT JOIN photo_results re ON re.photo_id = p.id AND re.stage = 'embed'
           LEFT JOIN cull_capture cc ON cc.photo_id = p.id AND cc.revision = p.revision
          WHERE p.id IN (${placeholders(ids.length)})`,
        ids,
      );
      for (const r of rows) {
        out.push({
          id: r.id,
          path: r.path,
          revision: Number(r.revision),
          size: Number(r.size),
          mtimeMs: Number(r.mtime_ms),
          contentHash: r.content_hash,
          dhash: r.dhash,
          width: r.width == null ? null : Number(r.width),
          height: r.height == null ? null : Number(r.height),
          takenAt: r.taken_at,
          subMs: r.sub_ms == null ? null : Number(r.sub_ms),
          subMsRead: r.cc_rev != null,
          frameLap: r.cc_lap == null ? null : Number(r.cc_lap),
          make: r.make,
          model: r.model,
          previewPath: r.preview_path,
          thumbnailPath: r.thumbnail_path,
          detect: parseJson(r.rd),
          quality: parseJson(r.rq),
          embed: parseJson(r.re),
        });
      }
    }
    return out;
  }

  /**
   * Photos of this camera taken within [from, to] (ISO local time, compared on the first 19 characters
   * so a recorded UTC offset does not matter), for burst chaining.
   */
  async photosTakenBetween(make: string, model: string, from: string, to: string, limit = 200): Promise<string[]> {
    const rows = await this.db.all<{ photo_id: string }>(
      `SELECT photo_id FROM photo_metadata
        WHERE taken_at >= ? AND taken_at < ? AND make = ? AND model = ?
        ORDER BY taken_at, photo_id LIMIT ?`,
      [from.slice(0, 19), `${to.slice(0, 19)}~`, make, model, limit],
    );
    return rows.map((r) => r.photo_id);
  }

  /** Every photo that finished analysis with a descriptor, keyset-paged by id (for the full regroup). */
  async analysedPhotoIds(afterId: string | null, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT p.id FROM photos p JOIN photo_results re ON re.photo_id = p.id AND re.stage = 'embed'
        WHERE p.state = 'done' AND p.id > ? ORDER BY p.id LIMIT ?`,
      [afterId ?? '', limit],
    );
    return rows.map((r) => r.id);
  }

  /** Records what the group job measured of a photo: capture sub-seconds (null: none recorded) and frame sharpness. */
  async setCapture(photoId: string, revision: number, subMs: number | null, lap: number | null): Promise<void> {
    await this.db.run(
      `INSERT INTO cull_capture (photo_id, revision, sub_ms, lap) VALUES (?, ?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision, sub_ms = excluded.sub_ms, lap = excluded.lap`,
      [photoId, revision, subMs, lap],
    );
  }

  /** Other photos with exactly the same bytes. */
  async photosWithContentHash(contentHash: string, limit = 100): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>('SELECT id FROM photos WHERE content_hash = ? ORDER BY id LIMIT ?', [contentHash, limit]);
    return rows.map((r) => r.id);
  }

  async photoIdByPath(path: string): Promise<string | null> {
    const row = await this.db.get<{ id: string }>('SELECT id FROM photos WHERE path = ?', [path]);
    return row?.id ?? null;
  }

  // ── the machine's groups ──────────────────────────────────────────────

  async membershipsOf(photoIds: readonly string[], kind?: GroupKind): Promise<MemberRow[]> {
    if (!photoIds.length) return [];
    const out: MemberRow[] = [];
    for (let i = 0; i < photoIds.length; i += 500) {
      const ids = photoIds.slice(i, i + 500);
      const rows = await this.db.all<MemberDbRow>(
        `SELECT photo_id, group_id, kind, score, reasons, machine_pick FROM cull_members
          WHERE photo_id IN (${placeholders(ids.length)})${kind ? ' AND kind = ?' : ''}`,
        kind ? [...ids, kind] : ids,
      );
      out.push(...rows.map(toMember));
    }
    return out;
  }

  /** When each of these groups was created (the oldest survives a merge). */
  async groupCreatedAt(groupIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (!groupIds.length) return out;
    const rows = await this.db.all<{ id: string; created_at: string }>(
      `SELECT id, created_at FROM cull_groups WHERE id IN (${placeholders(groupIds.length)})`,
      [...groupIds],
    );
    for (const r of rows) out.set(r.id, r.created_at);
    return out;
  }

  /** Member photo ids of each of these groups. */
  async memberIdsOf(groupIds: readonly string[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>();
    if (!groupIds.length) return out;
    const rows = await this.db.all<{ group_id: string; photo_id: string }>(
      `SELECT group_id, photo_id FROM cull_members WHERE group_id IN (${placeholders(groupIds.length)}) ORDER BY photo_id`,
      [...groupIds],
    );
    for (const r of rows) out.set(r.group_id, [...(out.get(r.group_id) ?? []), r.photo_id]);
    return out;
  }

  async membersOf(groupId: string): Promise<MemberRow[]> {
    const rows = await this.db.all<MemberDbRow>(
      `SELECT photo_id, group_id, kind, score, reasons, machine_pick FROM cull_members WHERE group_id = ? ORDER BY score DESC, photo_id`,
      [groupId],
    );
    return rows.map(toMember);
  }

  async groupKind(groupId: string): Promise<GroupKind | null> {
    const row = await this.db.get<{ kind: string }>('SELECT kind FROM cull_groups WHERE id = ?', [groupId]);
    return (row?.kind as GroupKind | undefined) ?? null;
  }

  /**
   * Writes a group whole: creates it (or keeps its id), replaces its members with these, and takes
   * each member out of any other group of the same kind (which is removed when fewer than two remain).
   * Returns the group's id. Call inside a transaction.
   */
  async writeGroup(plan: GroupPlan): Promise<string> {
    const at = now();
    const id = plan.id ?? newGroupId();
    await this.db.run(
      `INSERT INTO cull_groups (id, kind, created_at, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at`,
      [id, plan.kind, at, at],
    );
    const photoIds = plan.members.map((m) => m.photoId);
    const before = await this.membershipsOf(photoIds, plan.kind);
    const touched = new Set(before.map((m) => m.groupId).filter((g) => g !== id));
    await this.db.run(`DELETE FROM cull_members WHERE group_id = ?`, [id]);
    if (photoIds.length) {
      await this.db.run(`DELETE FROM cull_members WHERE kind = ? AND photo_id IN (${placeholders(photoIds.length)})`, [plan.kind, ...photoIds]);
    }
    for (const m of plan.members) {
      await this.db.run(
        `INSERT INTO cull_members (photo_id, kind, group_id, score, reasons, machine_pick, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [m.photoId, plan.kind, id, m.score, JSON.stringify(m.reasons), m.machinePick ? 1 : 0, at],
      );
    }
    for (const other of touched) await this.dropIfSmall(other);
    await this.dropIfSmall(id);
    return id;
  }

  /** The photo's own group job has placed this revision (inside its transaction). */
  async markGrouped(photoId: string, revision: number): Promise<void> {
    await this.db.run(
      `INSERT INTO cull_grouped (photo_id, revision) VALUES (?, ?) ON CONFLICT (photo_id) DO UPDATE SET revision = excluded.revision`,
      [photoId, revision],
    );
  }

  /** Analysed photos (with a descriptor) whose current revision no group job has placed, keyset-paged by id. */
  async ungroupedPhotos(afterId: string | null, limit: number): Promise<{ id: string; revision: number }[]> {
    const rows = await this.db.all<{ id: string; revision: number | string }>(
      `SELECT p.id, p.revision FROM photos p
         JOIN photo_results re ON re.photo_id = p.id AND re.stage = 'embed'
         LEFT JOIN cull_grouped g ON g.photo_id = p.id AND g.revision = p.revision
        WHERE p.state = 'done' AND g.photo_id IS NULL AND p.id > ? ORDER BY p.id LIMIT ?`,
      [afterId ?? '', limit],
    );
    return rows.map((r) => ({ id: r.id, revision: Number(r.revision) }));
  }

  /** Takes a photo out of its group of this kind; returns the group it left (null when none). */
  async removeMember(photoId: string, kind: GroupKind): Promise<string | null> {
    const [m] = await this.membershipsOf([photoId], kind);
    if (!m) return null;
    await this.db.run('DELETE FROM cull_members WHERE photo_id = ? AND kind = ?', [photoId, kind]);
    await this.dropIfSmall(m.groupId);
    return m.groupId;
  }

  /** A group of fewer than two photos is no group: removed with its last member's row. */
  private async dropIfSmall(groupId: string): Promise<void> {
    const row = await this.db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM cull_members WHERE group_id = ?', [groupId]);
    if (Number(row?.n ?? 0) < 2) {
      await this.db.run('DELETE FROM cull_members WHERE group_id = ?', [groupId]);
      await this.db.run('DELETE FROM cull_groups WHERE id = ?', [groupId]);
    }
  }

  /** Forgets every machine group of this kind (the full regroup writes them again). Person's data stays. */
  async clearMachineGroups(kind: GroupKind): Promise<void> {
    await this.db.run('DELETE FROM cull_members WHERE kind = ?', [kind]);
    await this.db.run('DELETE FROM cull_groups WHERE kind = ?', [kind]);
  }

  /** Groups (≥ 2 photos) with their members, best first, keyset-paged by group id. */
  async listGroups(query: { kind?: GroupKind; afterId?: string | null; limit: number }): Promise<GroupView[]> {
    const params: (string | number)[] = [query.afterId ?? ''];
    if (query.kind) params.push(query.kind);
    params.push(query.limit);
    const groups = await this.db.all<{ id: string; kind: string; updated_at: string }>(
      `SELECT id, kind, updated_at FROM cull_groups WHERE id > ?${query.kind ? ' AND kind = ?' : ''} ORDER BY id LIMIT ?`,
      params,
    );
    if (!groups.length) return [];
    const ids = groups.map((g) => g.id);
    const rows = await this.db.all<MemberDbRow & { path: string; thumbnail_path: string | null; preview_path: string | null } & Partial<DecisionDbRow>>(
      `SELECT m.photo_id, m.group_id, m.kind, m.score, m.reasons, m.machine_pick, p.path, d.thumbnail_path, d.preview_path,
              ${decisionColumns('c', 'k')}
         FROM cull_members m
         JOIN photos p ON p.id = m.photo_id
         LEFT JOIN photo_derivatives d ON d.photo_id = m.photo_id
         LEFT JOIN cull_decisions c ON c.photo_id = m.photo_id
         LEFT JOIN photo_marks k ON k.photo_id = m.photo_id
        WHERE m.group_id IN (${placeholders(ids.length)})
        ORDER BY m.group_id, m.score DESC, m.photo_id`,
      ids,
    );
    const byGroup = new Map<string, GroupView['members']>();
    for (const r of rows) {
      const list = byGroup.get(r.group_id) ?? [];
      list.push({
        ...toMember(r),
        path: r.path,
        thumbnailPath: r.thumbnail_path,
        previewPath: r.preview_path,
        decision: toDecision(r as DecisionDbRow),
      });
      byGroup.set(r.group_id, list);
    }
    return groups
      .map((g) => ({ id: g.id, kind: g.kind as GroupKind, updatedAt: g.updated_at, members: byGroup.get(g.id) ?? [] }))
      .filter((g) => g.members.length >= 2);
  }

  async countGroups(kind?: GroupKind): Promise<number> {
    // A group whose photos left the library (rows cascade away) is no group under two photos.
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM cull_groups g
        WHERE ${kind ? 'g.kind = ? AND ' : ''}(SELECT COUNT(*) FROM cull_members m WHERE m.group_id = g.id) >= 2`,
      kind ? [kind] : [],
    );
    return Number(row?.n ?? 0);
  }

  /** Groups in which the person has not picked or rejected anything yet. */
  async countUnreviewed(kind?: GroupKind): Promise<number> {
    const row = await this.db.get<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM cull_groups g
        WHERE ${kind ? 'g.kind = ? AND ' : ''}(SELECT COUNT(*) FROM cull_members m2 WHERE m2.group_id = g.id) >= 2 AND NOT EXISTS (
          SELECT 1 FROM cull_members m
            LEFT JOIN cull_decisions c ON c.photo_id = m.photo_id
            LEFT JOIN photo_marks k ON k.photo_id = m.photo_id
           WHERE m.group_id = g.id AND (c.picked = 1 OR k.rating = -1))`,
      kind ? [kind] : [],
    );
    return Number(row?.n ?? 0);
  }

  // ── the person's decisions ────────────────────────────────────────────

  async decisions(photoIds: readonly string[]): Promise<Map<string, Decision>> {
    const out = new Map<string, Decision>();
    if (!photoIds.length) return out;
    const rows = await this.db.all<DecisionDbRow>(
      `SELECT p.id AS photo_id, ${decisionColumns('c', 'k')}
         FROM photos p
         LEFT JOIN cull_decisions c ON c.photo_id = p.id
         LEFT JOIN photo_marks k ON k.photo_id = p.id
        WHERE p.id IN (${placeholders(photoIds.length)}) AND (c.photo_id IS NOT NULL OR k.rating IS NOT NULL)`,
      [...photoIds],
    );
    for (const r of rows) out.set(r.photo_id, toDecision(r));
    return out;
  }

  /**
   * Stores a decision: the pick in cull_decisions, the reject / stars in photo_marks (the colour label there is
   * kept). Returns whether the mark changed, so the caller can have the photo's sidecar rewritten.
   */
  async setDecision(photoId: string, decision: Decision): Promise<{ markChanged: boolean }> {
    const at = now();
    await this.db.run(
      `INSERT INTO cull_decisions (photo_id, picked, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (photo_id) DO UPDATE SET picked = excluded.picked, updated_at = excluded.updated_at`,
      [photoId, decision.picked ? 1 : 0, at],
    );
    const mark = markOf(decision);
    const { changes } = await this.db.run(
      `INSERT INTO photo_marks (photo_id, rating, label, updated_at) VALUES (?, ?, NULL, ?)
       ON CONFLICT (photo_id) DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at
        WHERE photo_marks.rating IS DISTINCT FROM excluded.rating`,
      [photoId, mark, at],
    );
    return { markChanged: changes > 0 };
  }

  async addLink(link: PersonLink): Promise<void> {
    // Stored with photo_a < photo_b for `together` (symmetric); `apart` keeps its direction (a was split out).
    const [a, b] = link.relation === 'together' && link.photoB < link.photoA ? [link.photoB, link.photoA] : [link.photoA, link.photoB];
    await this.db.run(
      `INSERT INTO cull_links (kind, photo_a, photo_b, relation, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (kind, photo_a, photo_b) DO UPDATE SET relation = excluded.relation`,
      [link.kind, a, b, link.relation, now()],
    );
    if (link.relation === 'together') {
      // A merge overrides an earlier split of the same two photos (either direction).
      await this.db.run(`DELETE FROM cull_links WHERE kind = ? AND relation = 'apart' AND ((photo_a = ? AND photo_b = ?) OR (photo_a = ? AND photo_b = ?))`, [
        link.kind,
        a,
        b,
        b,
        a,
      ]);
    }
  }

  /** The person's links touching these photos (all of them when photoIds is null). */
  async links(kind: GroupKind, photoIds: readonly string[] | null): Promise<PersonLink[]> {
    const rows = photoIds
      ? photoIds.length
        ? await this.db.all<{ kind: string; photo_a: string; photo_b: string; relation: string }>(
            `SELECT kind, photo_a, photo_b, relation FROM cull_links WHERE kind = ?
               AND (photo_a IN (${placeholders(photoIds.length)}) OR photo_b IN (${placeholders(photoIds.length)}))`,
            [kind, ...photoIds, ...photoIds],
          )
        : []
      : await this.db.all<{ kind: string; photo_a: string; photo_b: string; relation: string }>(
          'SELECT kind, photo_a, photo_b, relation FROM cull_links WHERE kind = ?',
          [kind],
        );
    return rows.map((r) => ({ kind: r.kind as GroupKind, photoA: r.photo_a, photoB: r.photo_b, relation: r.relation as PersonLink['relation'] }));
  }

  // ── settings ──────────────────────────────────────────────────────────

  async getSetting(key: string): Promise<string | null> {
    const row = await this.db.get<{ value: string }>('SELECT value FROM cull_settings WHERE key = ?', [key]);
    return row?.value ?? null;
  }

  async setSetting(key: string, value: string): Promise<void> {
    await this.db.run(`INSERT INTO cull_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, [key, value]);
  }
}
