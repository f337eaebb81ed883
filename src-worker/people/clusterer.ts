/**
 * Faces into persons, incrementally, the way Immich's person.service does it (DBSCAN-like):
 * a face is a *core* face when at least `minFaces` faces (itself included) lie within `maxDistance`;
 * every face joins the nearest person among its neighbours; a core face with no person near starts
 * one, and its unassigned neighbours join it. Only new faces are looked at (each once), so a photo's
 * faces join their person seconds after its analysis and the library is never reclustered for it.
 *
 * Rules the machine never breaks: two faces of one photo are never put in the same person; a face is
 * never put into a person it was said not to be; a person's own assignments are never touched.
 */
import type { PeopleRepo } from '../../src-core/store/repos/people-repo.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';
import { PeopleRepo as Repo } from '../../src-core/store/repos/people-repo.js';

export interface ClusterOptions {
  /** Faces (the face itself included) within maxDistance for a face to start a person. */
  minFaces: number;
  /** Cosine distance (1 − cos) under which two faces may be the same person. */
  maxDistance: number;
  /** Neighbours looked at per face. */
  neighbourLimit?: number;
}

/** Calibrated on ../shared/faces (README "People"): same person 0.26–0.99 (median 0.50), different ≥ 0.735. */
export const DEFAULT_CLUSTER_OPTIONS: ClusterOptions = { minFaces: 2, maxDistance: 0.68, neighbourLimit: 64 };

export interface ClusterHooks {
  /** Called after a person row was written and before its faces are (tests kill the process here). */
  afterPersonCreated?: (personId: string) => void | Promise<void>;
}

export interface ClusterOutcome {
  looked: number;
  joined: number;
  created: number;
  left: number;
}

/** Whether the face may be put into this person by the machine. */
async function allowed(repo: PeopleRepo, faceId: string, photoId: string, personId: string): Promise<boolean> {
  if ((await repo.negativesOf(faceId)).has(personId)) return false;
  return !(await repo.personsInPhoto(photoId, faceId)).has(personId);
}

/** Clusters these faces (gated ones; assigned ones are skipped), on the repo's connection or transaction. */
export async function clusterFaceIds(repo: PeopleRepo, faceIds: readonly string[], options: ClusterOptions, hooks: ClusterHooks = {}): Promise<ClusterOutcome> {
  const outcome: ClusterOutcome = { looked: 0, joined: 0, created: 0, left: 0 };
  const limit = options.neighbourLimit ?? 64;
  for (const faceId of faceIds) {
    const face = await repo.face(faceId);
    if (!face || face.gate !== 'ok') continue;
    outcome.looked++;
    if (face.personId) {
      await repo.markClustered(faceId);
      continue;
    }
    const neighbours = await repo.neighbours(faceId, options.maxDistance, limit);
    let target: string | null = null;
    for (const n of neighbours) {
      if (n.personId && (await allowed(repo, faceId, face.photoId, n.personId))) {
        target = n.personId;
        break;
      }
    }
    if (target) {
      await repo.assign(faceId, target, 'machine');
      outcome.joined++;
    } else if (neighbours.length + 1 >= options.minFaces) {
      const personId = await repo.createPerson();
      await hooks.afterPersonCreated?.(personId);
      await repo.assign(faceId, personId, 'machine');
      outcome.created++;
      // Non-core neighbours waiting without a person join the one their core face just started.
      for (const n of neighbours) {
        if (n.personId) continue;
        if (await allowed(repo, n.faceId, n.photoId, personId)) {
          await repo.assign(n.faceId, personId, 'machine');
          await repo.markClustered(n.faceId);
          outcome.joined++;
        }
      }
    } else {
      outcome.left++;
    }
    await repo.markClustered(faceId);
  }
  return outcome;
}

/** Clusters the faces given in one transaction: a process killed in the middle leaves nothing half done. */
export async function clusterInTransaction(db: SqlDb, faceIds: readonly string[], options = DEFAULT_CLUSTER_OPTIONS, hooks: ClusterHooks = {}): Promise<ClusterOutcome> {
  return db.transaction(async (tx) => {
    const repo = new Repo(tx);
    await repo.lockClustering();
    return clusterFaceIds(repo, faceIds, options, hooks);
  });
}

/**
 * Full recluster (a maintenance job, under the exclusive lock): what the machine decided is forgotten,
 * what a person said stays (names, merges, moved faces, negatives, hidden persons), and every gated
 * face is clustered again: faces a person placed first (they anchor their persons), then the rest;
 * a second pass gives faces left alone a chance to join persons started after them.
 */
export async function reclusterAll(db: SqlDb, options = DEFAULT_CLUSTER_OPTIONS): Promise<ClusterOutcome & { persons: number }> {
  return db.transaction(async (tx) => {
    const repo = new Repo(tx);
    await repo.lockClustering();
    await repo.resetMachineClustering();
    const pending = await repo.pendingFaceIds();
    const first = await clusterFaceIds(repo, pending, options);
    const leftAlone = (await Promise.all(pending.map((id) => repo.face(id)))).filter((f) => f && !f.personId).map((f) => f!.id);
    const second = await clusterFaceIds(repo, leftAlone, options);
    await repo.deleteEmptyMachinePersons();
    const persons = (await repo.counts()).persons;
    return {
      looked: first.looked,
      joined: first.joined + second.joined,
      created: first.created + second.created,
      left: second.left,
      persons,
    };
  });
}
