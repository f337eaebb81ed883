/**
 * People bench (not a test): with N faces already stored and clustered into persons, how long do 100
 * new faces (100 photos, as 100 cluster-faces jobs) take to join their persons? Also checks that the
 * library was not reclustered (the stored faces' assignments are untouched).
 *
 *   node dist/test/bench/people-bench.js [--faces 50000] [--new 100] [--store sqlite|postgres]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore } from '../../src-core/store/open-store.js';
import { PeopleRepo } from '../../src-core/store/repos/people-repo.js';
import { clusterInTransaction } from '../../src-worker/people/clusterer.js';
import { Identities } from '../helpers/people-fixtures.js';
import { postgresBackend } from '../helpers/store-backends.js';

export interface PeopleBenchResult {
  store: string;
  storedFaces: number;
  persons: number;
  newFaces: number;
  vectorIndex: string;
  fillSeconds: number;
  assignSeconds: number;
  msPerFace: number;
  joined: number;
  untouched: boolean;
}

export async function benchPeople(options: { faces: number; newFaces: number; store: 'sqlite' | 'postgres' }): Promise<PeopleBenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-people-bench-'));
  const pg = options.store === 'postgres' ? postgresBackend() : null;
  const store = await openStore(pg ? await pg.setup() : { kind: 'sqlite', sqlitePath: path.join(dir, 'library.db') });
  try {
    const ids = new Identities(3);
    const perPerson = 25;
    const personCount = Math.ceil(options.faces / perPerson);
    const t0 = performance.now();
    // The stored library: one face per photo, persons already made (written directly, as a finished clustering leaves them).
    const now = new Date().toISOString();
    for (let p = 0; p < personCount; p++) {
      await store.sql.transaction(async (tx) => {
        const repo = new PeopleRepo(tx);
        const personId = await repo.createPerson();
        for (let k = 0; k < perPerson && p * perPerson + k < options.faces; k++) {
          const photoId = `p${p}-${k}`;
          await tx.run(`INSERT INTO photos (id, path, size, mtime_ms, state, revision, created_at, updated_at) VALUES (?, ?, 1, 1, 'done', 1, ?, ?)`, [photoId, `/bench/${photoId}.jpg`, now, now]);
          const { ids: [faceId] } = await repo.replacePhotoFaces(photoId, 1, [ids.face(`who${p}`)]);
          await repo.assign(faceId!, personId, 'machine');
          await repo.markClustered(faceId!);
        }
      });
    }
    const fillSeconds = (performance.now() - t0) / 1000;
    const before = await new PeopleRepo(store.sql).counts();
    // 100 new photos of known people, each clustered as its cluster-faces job does (its own transaction).
    const fresh: string[] = [];
    for (let i = 0; i < options.newFaces; i++) {
      const photoId = `new-${i}`;
      await store.sql.run(`INSERT INTO photos (id, path, size, mtime_ms, state, revision, created_at, updated_at) VALUES (?, ?, 1, 1, 'done', 1, ?, ?)`, [photoId, `/bench/${photoId}.jpg`, now, now]);
      fresh.push(...(await new PeopleRepo(store.sql).replacePhotoFaces(photoId, 1, [ids.face(`who${i % personCount}`)])).pending);
    }
    const t1 = performance.now();
    let joined = 0;
    for (const faceId of fresh) joined += (await clusterInTransaction(store.sql, [faceId])).joined;
    const assignSeconds = (performance.now() - t1) / 1000;
    const after = await new PeopleRepo(store.sql).counts();
    return {
      store: options.store,
      storedFaces: options.faces,
      persons: personCount,
      newFaces: options.newFaces,
      vectorIndex: store.sql.vec0 ? 'sqlite-vec vec0' : 'exact scan',
      fillSeconds: Math.round(fillSeconds * 10) / 10,
      assignSeconds: Math.round(assignSeconds * 100) / 100,
      msPerFace: Math.round((assignSeconds * 1000) / options.newFaces),
      joined,
      // Nothing reclustered: the same persons, the old assignments plus the new faces.
      untouched: after.persons === before.persons && after.assigned === before.assigned + joined,
    };
  } finally {
    await store.close();
    await pg?.teardown();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { faces: { type: 'string', default: '50000' }, new: { type: 'string', default: '100' }, store: { type: 'string', default: 'sqlite' } } });
  const result = await benchPeople({ faces: Number(values.faces), newFaces: Number(values.new), store: values.store === 'postgres' ? 'postgres' : 'sqlite' });
  console.log(JSON.stringify(result, null, 2));
}
