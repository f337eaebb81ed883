/**
 * `shoebox people [--json]`, `people name`, `people merge` as a person runs them: the real CLI process
 * on a real SQLite library whose faces were stored and clustered through the people repository.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import { libraryPaths } from '../src-core/paths.js';
import { PeopleRepo } from '../src-core/store/repos/people-repo.js';
import { clusterInTransaction } from '../src-worker/people/clusterer.js';
import { runCli } from './helpers/cli.js';
import { Identities, insertPhoto } from './helpers/people-fixtures.js';

let dataDir: string;
const ids = new Identities(5);

before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-people-cli-'));
  const store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
  const repo = new PeopleRepo(store.sql);
  const photos: Array<[string, string[]]> = [
    ['a1', ['ann']],
    ['a2', ['ann']],
    ['b1', ['bob']],
    ['b2', ['bob']],
    ['c1', ['cid']],
    ['dog', ['dog']],
  ];
  for (const [photoId, who] of photos) {
    await insertPhoto(store.sql, photoId);
    const { pending } = await repo.replacePhotoFaces(photoId, 1, who.map((w, i) => ids.face(w, i, w === 'dog' ? { gate: 'implausible-landmarks' } : {})));
    await clusterInTransaction(store.sql, pending);
  }
  await store.close();
});
after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

type Doc = { people: Array<{ id: string; name: string | null; faces: Array<{ path: string; box: number[] }> }>; unassigned: Array<{ path: string; box: number[] }> };

async function people(): Promise<Doc> {
  const r = await runCli(['people', '--json', '--data', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Doc;
}

test('people --json prints persons with their faces and the faces in no person', async () => {
  const doc = await people();
  assert.deepEqual(Object.keys(doc), ['people', 'unassigned']);
  assert.equal(doc.people.length, 2);
  for (const p of doc.people) {
    assert.deepEqual(Object.keys(p), ['id', 'name', 'faces']);
    assert.equal(p.name, null);
    assert.equal(p.faces.length, 2);
    for (const f of p.faces) {
      assert.deepEqual(Object.keys(f), ['path', 'box']);
      assert.equal(f.box.length, 4);
      assert.ok(f.box.every((v) => v >= 0 && v <= 1));
    }
  }
  // cid's single face waits in no person; the dog (gated out) is not offered at all.
  assert.deepEqual(doc.unassigned.map((f) => f.path), ['/photos/c1.jpg']);
});

test('people name and people merge change what people --json prints; a wrong person fails with its reason', async () => {
  const [first, second] = (await people()).people;
  let r = await runCli(['people', 'name', first!.id.slice(0, 8), 'Ann Smith', '--data', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  r = await runCli(['people', 'merge', second!.id, 'ann smith', '--data', dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const doc = await people();
  assert.equal(doc.people.length, 1);
  assert.equal(doc.people[0]!.name, 'Ann Smith');
  assert.equal(doc.people[0]!.faces.length, 4);
  r = await runCli(['people', 'name', 'nobody', 'X', '--data', dataDir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /no person "nobody"/);
});
