/**
 * The cluster-faces follow-up through a real engine (its redis-server, forked workers, the real face
 * models, SQLite): analysed photos' faces become persons without any recluster, and a later photo's
 * faces join those persons, each to its own, shortly after that photo is analysed.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import type { Engine } from '../src-main/engine/engine.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const facesDir = path.resolve(here, '..', '..', '..', 'shared', 'faces');
const skip = fs.existsSync(facesDir) ? false : `${facesDir} is missing`;

describe('people through the engine', { skip }, () => {
  let dataDir: string;
  let engine: Engine;
  let repo: PeopleRepo;
  const photos = (names: string[], folder: string) => {
    const dir = path.join(dataDir, folder);
    fs.mkdirSync(dir, { recursive: true });
    for (const n of names) fs.copyFileSync(path.join(facesDir, n), path.join(dir, n));
    return dir;
  };
  /** Person id of each photo's faces, by file name. */
  const personsByFile = async () => {
    const out = new Map<string, Array<string | null>>();
    for (const person of await repo.listPersons()) {
      for (const f of await repo.facesWithPhotos({ personId: person.id })) out.set(path.basename(f.path), [...(out.get(path.basename(f.path)) ?? []), person.id]);
    }
    return out;
  };

  before(async () => {
    dataDir = makeTempDir('people-engine');
    engine = await startTestEngine(dataDir);
    repo = new PeopleRepo(engine.store.sql);
  });
  after(async () => {
    await engine?.stop();
    if (dataDir) removeDir(dataDir);
  });

  it('makes persons of the analysed photos, then a group photo\'s faces join them, each its own', async () => {
    await engine.ingest([photos(['obama-1.jpg', 'obama-2.jpg', 'obama-4.jpg', 'biden-1.jpg', 'biden-2.jpg'], 'first')], {});
    // Every photo's cluster-faces job has run when each has its faces stored and none is pending.
    const storedPhotos = async () => (await engine.store.sql.all<{ photo_id: string }>('SELECT DISTINCT photo_id FROM faces')).length;
    await waitFor(async () => (await storedPhotos()) === 5 && (await repo.pendingFaceIds()).length === 0, 120_000, 'the first photos\' faces clustered');
    const first = await personsByFile();
    const obama = first.get('obama-1.jpg')![0]!;
    const biden = first.get('biden-1.jpg')![0]!;
    assert.notEqual(obama, biden);
    assert.deepEqual([first.get('obama-2.jpg'), first.get('obama-4.jpg'), first.get('biden-2.jpg')], [[obama], [obama], [biden]]);
    // The painted background next to Biden in biden-2 is kept as a low-quality face, in no person.
    assert.equal((await repo.facesWithPhotos({ lowQuality: true })).length, 1);

    const asked = Date.now();
    await engine.ingest([photos(['group-obama_biden.jpg'], 'second')], { lane: 'high_priority' });
    const analysed = Date.now();
    await waitFor(async () => (await personsByFile()).get('group-obama_biden.jpg')?.length === 2, 60_000, 'the group photo\'s faces joining');
    const joinedAfterMs = Date.now() - analysed;
    const group = (await personsByFile()).get('group-obama_biden.jpg')!;
    assert.deepEqual([...group].sort(), [obama, biden].sort(), 'Obama and Biden each joined their own person');
    assert.equal((await repo.listPersons()).length, 2, 'no recluster, no new person: the girl waits in no person');
    assert.equal((await repo.facesWithPhotos({ unassigned: true })).length, 1);
    process.stdout.write(`# group photo: analysed ${analysed - asked} ms after it was asked for, faces joined ${joinedAfterMs} ms later\n`);
  });
});
