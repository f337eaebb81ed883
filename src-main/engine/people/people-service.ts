/**
 * What the API and the CLI do with people: read persons and faces (with face thumbnails), and carry
 * out what a person says (name, merge, move a face, "not this person", hide). Each correction runs in
 * one transaction with the clustering lock, so it never interleaves with a cluster-faces job.
 */
import { PeopleError, PeopleRepo, type FaceWithPhoto, type PersonSummary } from '../../../src-core/store/repos/people-repo.js';
import type { SqlDb } from '../../../src-core/store/sql/sql-db.js';
import { faceThumbnail } from './face-thumbs.js';

export interface FaceView {
  id: string;
  photoId: string;
  path: string;
  box: [number, number, number, number];
  personId: string | null;
  source: 'machine' | 'person' | null;
  gate: string;
  takenAt: string | null;
  thumb: string | null;
}

export interface PersonView extends PersonSummary {
  coverThumb: string | null;
}

export class PeopleService {
  constructor(
    private readonly db: SqlDb,
    private readonly cacheDir: string,
  ) {}

  private get repo(): PeopleRepo {
    return new PeopleRepo(this.db);
  }

  private async view(face: FaceWithPhoto, withThumb: boolean): Promise<FaceView> {
    return {
      id: face.id,
      photoId: face.photoId,
      path: face.path,
      box: face.box,
      personId: face.personId,
      source: face.source,
      gate: face.gate,
      takenAt: face.takenAt,
      thumb: withThumb && face.previewPath ? await faceThumbnail(this.cacheDir, face.previewPath, face.box) : null,
    };
  }

  async list(includeHidden = false): Promise<{ people: PersonView[]; unassigned: number; lowQuality: number }> {
    const repo = this.repo;
    const people = await repo.listPersons({ includeHidden });
    const views: PersonView[] = [];
    for (const p of people) {
      const cover = p.coverFaceId ? (await repo.facesWithPhotos({ faceId: p.coverFaceId }))[0] : undefined;
      views.push({ ...p, coverThumb: cover?.previewPath ? await faceThumbnail(this.cacheDir, cover.previewPath, cover.box) : null });
    }
    return { people: views, unassigned: (await repo.facesWithPhotos({ unassigned: true })).length, lowQuality: (await repo.facesWithPhotos({ lowQuality: true })).length };
  }

  async person(personId: string): Promise<{ person: PersonView; faces: FaceView[] }> {
    const repo = this.repo;
    const person = await repo.person(personId);
    if (!person) throw new PeopleError('person-not-found', `no person with id "${personId}"`);
    const faces = await Promise.all((await repo.facesWithPhotos({ personId })).map((f) => this.view(f, true)));
    const cover = faces.find((f) => f.id === person.coverFaceId);
    return { person: { ...person, coverThumb: cover?.thumb ?? null }, faces };
  }

  async faces(which: 'unassigned' | 'low-quality', withThumbs = true): Promise<FaceView[]> {
    const rows = await this.repo.facesWithPhotos(which === 'unassigned' ? { unassigned: true } : { lowQuality: true });
    return Promise.all(rows.map((f) => this.view(f, withThumbs)));
  }

  /** Faces of one photo with their person's name (the photo detail's chips). */
  async photoFaces(photoId: string): Promise<Array<FaceView & { personName: string | null }>> {
    const repo = this.repo;
    const names = new Map((await repo.listPersons({ includeHidden: true })).map((p) => [p.id, p.name]));
    const rows = (await repo.photoFaces(photoId)).map((f) => f.id);
    const out: Array<FaceView & { personName: string | null }> = [];
    for (const id of rows) {
      const [f] = await repo.facesWithPhotos({ faceId: id });
      if (!f) continue;
      out.push({ ...(await this.view(f, true)), personName: f.personId ? (names.get(f.personId) ?? null) : null });
    }
    return out;
  }

  async photoIds(personIds: readonly string[]): Promise<string[]> {
    return this.repo.photoIdsWithPersons(personIds);
  }

  /** A person named by id, by a unique id prefix (≥ 4 characters), or by their name (case-insensitive, unique). */
  async resolvePerson(ref: string): Promise<string> {
    const people = await this.repo.listPersons({ includeHidden: true });
    const exact = people.find((p) => p.id === ref);
    if (exact) return exact.id;
    const byName = people.filter((p) => p.name !== null && p.name.toLowerCase() === ref.toLowerCase());
    const byPrefix = ref.length >= 4 ? people.filter((p) => p.id.startsWith(ref)) : [];
    const found = byName.length ? byName : byPrefix;
    if (found.length === 1) return found[0]!.id;
    if (found.length > 1) throw new PeopleError('invalid-request', `"${ref}" matches ${found.length} persons: use the id`);
    throw new PeopleError('person-not-found', `no person "${ref}" (an id, an id prefix or a name)`);
  }

  private correct(fn: (repo: PeopleRepo) => Promise<void>): Promise<void> {
    return this.db.transaction(async (tx) => {
      const repo = new PeopleRepo(tx);
      await repo.lockClustering();
      await fn(repo);
    });
  }

  setName(personId: string, name: string | null): Promise<void> {
    const clean = name === null ? null : name.trim();
    if (clean !== null && (clean.length === 0 || clean.length > 200)) throw new PeopleError('invalid-request', 'a name is 1–200 characters');
    return this.correct((r) => r.setName(personId, clean));
  }
  merge(from: string, into: string): Promise<void> {
    return this.correct((r) => r.merge(from, into));
  }
  moveFace(faceId: string, personId: string): Promise<void> {
    return this.correct((r) => r.moveFace(faceId, personId));
  }
  notThisPerson(faceId: string, personId: string): Promise<void> {
    return this.correct((r) => r.notThisPerson(faceId, personId));
  }
  setHidden(personId: string, hidden: boolean): Promise<void> {
    return this.correct((r) => r.setHidden(personId, hidden));
  }
}
