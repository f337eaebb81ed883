/**
 * One contract suite for the Store interface, run against SQLite (a temp folder) and Postgres
 * (a throwaway schema in SHOEBOX_TEST_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432/test).
 * The Postgres half fails when Postgres cannot be reached, unless SHOEBOX_SKIP_POSTGRES=1.
 */
import assert from 'node:assert/strict';
import { DEFAULT_DESCRIPTOR_MODEL } from '../src-shared/vector-models.js';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import type { PhotoDerivatives, PhotoMetadata } from '../src-shared/photo.js';
import { PHOTO_STATES, STAGES } from '../src-shared/stages.js';
import { openStore } from '../src-core/store/open-store.js';
import type { FileDecision, Store, StoreConfig, WorkerStatus } from '../src-core/store/store.js';
import { POSTGRES_URL, postgresBackend, sqliteBackend } from './helpers/store-backends.js';
import { assertLibraryAccounted } from './helpers/accounting.js';


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let counter = 0;
/** Ids unique across tests and runs; lower-case hex so every store sorts them alike. */
const uid = (label: string): string => `${label}-${randomBytes(4).toString('hex')}-${String(++counter).padStart(4, '0')}`;

const metadata = (overrides: Partial<PhotoMetadata> = {}): PhotoMetadata => ({
  takenAt: '2021-06-01T12:30:00+02:00',
  make: 'Canon',
  model: 'EOS R6',
  lens: 'RF 24-105mm',
  orientation: 6,
  width: 5472,
  height: 3648,
  iso: 400,
  exposureTime: 0.004,
  fNumber: 4,
  focalLength: 50.5,
  gps: { lat: 48.8566, lon: 2.3522, alt: null },
  rating: 3,
  keywords: ['paris', 'holiday'],
  ...overrides,
});

const derivatives = (overrides: Partial<PhotoDerivatives> = {}): PhotoDerivatives => ({
  thumbnailPath: 'ab/abc.thumb.webp',
  previewPath: 'ab/abc.preview.webp',
  width: 3648,
  height: 5472,
  dhash: '0f0f0f0f0f0f0f0f',
  format: 'jpeg',
  ...overrides,
});

for (const backend of [sqliteBackend(), postgresBackend()]) {
  describe(`Store contract: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let config: StoreConfig;
    let store: Store;
    let opened = false;

    before(async () => {
      config = await backend.setup();
      try {
        store = await openStore(config);
        opened = true;
      } catch (error) {
        // Fails (does not skip) when the database cannot be reached.
        if (backend.name === 'postgres') {
          throw new Error(
            `cannot open the Postgres store at ${POSTGRES_URL} (set SHOEBOX_TEST_POSTGRES_URL, or SHOEBOX_SKIP_POSTGRES=1 to skip)`,
            { cause: error },
          );
        }
        throw error;
      }
    });

    after(async () => {
      if (!opened) {
        if (backend.name === 'sqlite') await backend.teardown();
        return;
      }
      await store.close();
      await backend.teardown();
    });

    /** A fresh ingest with `count` new photos registered; returns their ids. */
    async function seed(count: number, ingestId = uid('ing')): Promise<{ ingestId: string; ids: string[] }> {
      await store.ingests.create(ingestId, ['/photos']);
      const ids = Array.from({ length: count }, () => uid('p'));
      await store.ingests.registerFiles(
        ingestId,
        ids.map((id) => ({ kind: 'new', photoId: id, path: `/photos/${id}.jpg`, size: 1000, mtimeMs: 1_600_000_000_000.5 })),
      );
      return { ingestId, ids };
    }

    it('reports its kind, migrates again (also concurrently) as a no-op, and passes the integrity check', async () => {
      assert.equal(store.kind, backend.name);
      const [a, b] = await Promise.all([openStore(config), openStore(config)]);
      try {
        await Promise.all([a.migrate(), b.migrate(), store.migrate()]);
      } finally {
        await a.close();
        await b.close();
      }
      assert.equal(await store.health.integrityCheck(), 'ok');
      await assertLibraryAccounted(store);
    });

    it('creates, updates, gets and lists ingests', async () => {
      const first = uid('ing');
      const created = await store.ingests.create(first, ['/a', '/b']);
      assert.equal(created.id, first);
      assert.deepEqual(created.roots, ['/a', '/b']);
      assert.equal(created.state, 'scanning');
      assert.equal(created.finishedAt, null);
      assert.ok(!Number.isNaN(Date.parse(created.startedAt)));

      await store.ingests.setState(first, 'running');
      assert.equal((await store.ingests.get(first))?.state, 'running');
      assert.equal((await store.ingests.get(first))?.finishedAt, null);
      await store.ingests.setState(first, 'done');
      const done = await store.ingests.get(first);
      assert.equal(done?.state, 'done');
      assert.ok(done?.finishedAt && !Number.isNaN(Date.parse(done.finishedAt)));

      assert.equal(await store.ingests.get('no-such-ingest'), null);

      await sleep(5);
      const second = uid('ing');
      await store.ingests.create(second, ['/c']);
      const listed = await store.ingests.list(2);
      assert.equal(listed.length, 2);
      assert.deepEqual(
        listed.map((i) => i.id),
        [second, first],
      );
      assert.equal((await store.ingests.list(1)).length, 1);
    });

    it('registers new files and finds them by path', async () => {
      const { ingestId, ids } = await seed(3);
      for (const id of ids) {
        const photo = await store.photos.get(id);
        assert.ok(photo);
        assert.equal(photo.path, `/photos/${id}.jpg`);
        assert.equal(photo.size, 1000);
        assert.equal(photo.mtimeMs, 1_600_000_000_000.5);
        assert.equal(photo.state, 'queued');
        assert.equal(photo.revision, 0);
        assert.equal(photo.ingestId, ingestId);
        assert.equal(photo.contentHash, null);
        assert.equal(photo.failedStage, null);
        assert.equal(photo.errorCode, null);
        assert.equal(photo.error, null);
        assert.equal(photo.note, null);
        assert.ok(!Number.isNaN(Date.parse(photo.createdAt)));
        assert.ok(!Number.isNaN(Date.parse(photo.updatedAt)));
      }
      assert.equal(await store.photos.get('no-such-photo'), null);

      const byPath = await store.photos.getByPaths([`/photos/${ids[0]}.jpg`, `/photos/${ids[2]}.jpg`, '/nowhere.jpg']);
      assert.equal(byPath.size, 2);
      assert.equal(byPath.get(`/photos/${ids[0]}.jpg`)?.id, ids[0]);
      assert.equal(byPath.get(`/photos/${ids[2]}.jpg`)?.id, ids[2]);
      assert.equal(byPath.has('/nowhere.jpg'), false);
      assert.equal((await store.photos.getByPaths([])).size, 0);

      const totals = await store.ingests.totals(ingestId);
      assert.deepEqual(totals, { photos: 3, queued: 3, processing: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 });
      assert.equal(await store.ingests.unfinishedCount(ingestId), 3);
    });

    it('applies changed, touched, unchanged and resume decisions, and counts ingest totals', async () => {
      const { ids } = await seed(5);
      const [changed, touched, unchanged, resumed, failedBefore] = ids as [string, string, string, string, string];
      // Earlier analysis: changed/touched/unchanged finished; failedBefore failed; resumed never ran.
      for (const id of [changed, touched, unchanged]) {
        await store.progress.setContentHash(id, 0, `hash-${id}`);
        await store.progress.startStage(id, 0, 'metadata');
        await store.progress.finishStage(id, 0, 'metadata', { state: 'done', ms: 12 });
        await store.progress.saveMetadata(id, 0, metadata());
        await store.progress.saveDerivatives(id, 0, derivatives());
        await store.progress.saveResult(id, 0, 'tag', { tags: ['cat'] });
        await store.progress.completePhoto(id, 0);
      }
      await store.progress.failStage(failedBefore, 0, 'preprocess', { code: 'corrupt-file', message: 'bad' }, 3);
      const touchedBefore = await store.photos.get(touched);
      const unchangedBefore = await store.photos.get(unchanged);

      const second = uid('ing');
      await store.ingests.create(second, ['/photos']);
      const fresh = uid('p');
      const decisions: FileDecision[] = [
        { kind: 'changed', photoId: changed, size: 2000, mtimeMs: 1_700_000_000_000.25 },
        { kind: 'touched', photoId: touched, size: 1001, mtimeMs: 1_700_000_000_001 },
        { kind: 'unchanged', photoId: unchanged },
        { kind: 'resume', photoId: resumed },
        { kind: 'new', photoId: fresh, path: `/photos/${fresh}.jpg`, size: 10, mtimeMs: 5 },
      ];
      await store.ingests.registerFiles(second, decisions);
      // The same photo registered again in the same ingest (another batch) counts once.
      await store.ingests.registerFiles(second, [{ kind: 'unchanged', photoId: unchanged }]);

      const c = await store.photos.getDetail(changed);
      assert.ok(c);
      assert.equal(c.revision, 1);
      assert.equal(c.state, 'queued');
      assert.equal(c.size, 2000);
      assert.equal(c.mtimeMs, 1_700_000_000_000.25);
      assert.equal(c.contentHash, null);
      assert.equal(c.ingestId, second);
      assert.deepEqual(c.stages, []);
      assert.equal(c.metadata, null);
      assert.equal(c.derivatives, null);
      assert.deepEqual(c.results, {});

      const t = await store.photos.getDetail(touched);
      assert.ok(t);
      assert.equal(t.size, 1001);
      assert.equal(t.mtimeMs, 1_700_000_000_001);
      assert.equal(t.state, 'done');
      assert.equal(t.revision, 0);
      assert.equal(t.contentHash, `hash-${touched}`);
      assert.equal(t.ingestId, touchedBefore?.ingestId);
      assert.equal(t.stages.length, 1);
      assert.ok(t.metadata);

      assert.deepEqual(await store.photos.get(unchanged), unchangedBefore);

      const r = await store.photos.get(resumed);
      assert.equal(r?.ingestId, second);
      assert.equal(r?.state, 'queued');
      assert.equal(r?.revision, 0);

      // failedBefore is not part of the second ingest.
      assert.deepEqual(await store.ingests.totals(second), {
        photos: 5,
        queued: 3,
        processing: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
        skipped: 2,
      });
      assert.equal(await store.ingests.unfinishedCount(second), 3);

      await store.progress.startStage(changed, 1, 'preprocess');
      await store.progress.completePhoto(changed, 1);
      await store.progress.failStage(fresh, 0, 'preprocess', { code: 'unsupported-format', message: 'not an image' }, 1);
      await store.progress.startStage(resumed, 0, 'preprocess');
      assert.deepEqual(await store.ingests.totals(second), {
        photos: 5,
        queued: 0,
        processing: 1,
        completed: 1,
        failed: 1,
        cancelled: 0,
        skipped: 2,
      });
      assert.equal(await store.ingests.unfinishedCount(second), 1);
      assert.deepEqual(await store.photos.cancel([resumed]), [resumed]);
      assert.equal((await store.ingests.totals(second)).cancelled, 1);
      assert.equal(await store.ingests.unfinishedCount(second), 0);
      await assertLibraryAccounted(store);
    });

    it('ignores job writes for an old revision and for cancelled photos', async () => {
      const { ids } = await seed(2);
      const [id, cancelled] = ids as [string, string];
      const bumped = await store.photos.bumpRevision(id, null);
      assert.equal(bumped?.revision, 1);

      await store.progress.startStage(id, 0, 'preprocess');
      await store.progress.finishStage(id, 0, 'preprocess', { state: 'done', ms: 5, note: 'old' });
      await store.progress.setContentHash(id, 0, 'old-hash');
      await store.progress.saveMetadata(id, 0, metadata());
      await store.progress.saveDerivatives(id, 0, derivatives());
      await store.progress.saveResult(id, 0, 'detect', { boxes: [] });
      await store.progress.completePhoto(id, 0);
      let detail = await store.photos.getDetail(id);
      assert.ok(detail);
      assert.equal(detail.state, 'queued');
      assert.equal(detail.revision, 1);
      assert.equal(detail.contentHash, null);
      assert.equal(detail.note, null);
      assert.deepEqual(detail.stages, []);
      assert.equal(detail.metadata, null);
      assert.equal(detail.derivatives, null);
      assert.deepEqual(detail.results, {});
      await store.progress.failStage(id, 0, 'preprocess', { code: 'internal', message: 'late' }, 1);
      assert.equal((await store.photos.get(id))?.state, 'queued');

      // The current revision goes through.
      await store.progress.setContentHash(id, 1, 'new-hash');
      await store.progress.completePhoto(id, 1);
      detail = await store.photos.getDetail(id);
      assert.equal(detail?.contentHash, 'new-hash');
      assert.equal(detail?.state, 'done');

      // A cancelled photo stays cancelled, whatever the revision.
      assert.deepEqual(await store.photos.cancel([cancelled]), [cancelled]);
      await store.progress.startStage(cancelled, 0, 'preprocess');
      await store.progress.finishStage(cancelled, 0, 'preprocess', { state: 'done', ms: 5 });
      await store.progress.saveMetadata(cancelled, 0, metadata());
      await store.progress.saveDerivatives(cancelled, 0, derivatives());
      await store.progress.saveResult(cancelled, 0, 'detect', { boxes: [] });
      await store.progress.setContentHash(cancelled, 0, 'hash');
      await store.progress.failStage(cancelled, 0, 'preprocess', { code: 'internal', message: 'x' }, 1);
      await store.progress.completePhoto(cancelled, 0);
      const c = await store.photos.getDetail(cancelled);
      assert.equal(c?.state, 'cancelled');
      assert.equal(c?.contentHash, null);
      assert.equal(c?.errorCode, null);
      assert.deepEqual(c?.stages, []);
      assert.equal(c?.metadata, null);
      assert.equal(c?.derivatives, null);
      assert.deepEqual(c?.results, {});
    });

    it('tracks stage progress: attempts, processing state, notes', async () => {
      const { ids } = await seed(1);
      const id = ids[0]!;
      await store.progress.startStage(id, 0, 'preprocess');
      let detail = await store.photos.getDetail(id);
      assert.equal(detail?.state, 'processing');
      assert.equal(detail?.stages.length, 1);
      assert.equal(detail?.stages[0]?.state, 'running');
      assert.equal(detail?.stages[0]?.attempts, 1);
      await store.progress.startStage(id, 0, 'preprocess');
      await store.progress.finishStage(id, 0, 'preprocess', { state: 'done', ms: 42 });
      await store.progress.finishStage(id, 0, 'metadata', { state: 'skipped', ms: 0, note: 'unchanged since the last analysis' });
      detail = await store.photos.getDetail(id);
      assert.ok(detail);
      assert.equal(detail.state, 'processing');
      assert.equal(detail.note, 'unchanged since the last analysis');
      const [pre, meta] = detail.stages;
      assert.equal(pre?.stage, 'preprocess');
      assert.equal(pre?.state, 'done');
      assert.equal(pre?.ms, 42);
      assert.equal(pre?.attempts, 2);
      assert.equal(pre?.errorCode, null);
      assert.equal(meta?.stage, 'metadata');
      assert.equal(meta?.state, 'skipped');
      assert.equal(meta?.attempts, 0);
      await store.progress.completePhoto(id, 0);
      assert.equal((await store.photos.get(id))?.state, 'done');
      // completePhoto only moves queued/processing photos.
      const { ids: others } = await seed(1);
      await store.progress.failStage(others[0]!, 0, null, { code: 'internal', message: 'boom' }, null);
      await store.progress.completePhoto(others[0]!, 0);
      assert.equal((await store.photos.get(others[0]!))?.state, 'failed');
    });

    it('keeps one row per photo per stage when writes are repeated', async () => {
      const { ids } = await seed(1);
      const id = ids[0]!;
      await store.progress.startStage(id, 0, 'metadata');
      await store.progress.finishStage(id, 0, 'metadata', { state: 'done', ms: 1 });
      await store.progress.finishStage(id, 0, 'metadata', { state: 'done', ms: 2 });
      await store.progress.saveMetadata(id, 0, metadata());
      await store.progress.saveMetadata(id, 0, metadata({ make: 'Nikon', gps: { lat: 1.5, lon: -2.25, alt: 100 }, keywords: [] }));
      await store.progress.saveDerivatives(id, 0, derivatives());
      await store.progress.saveDerivatives(id, 0, derivatives({ dhash: 'ffffffffffffffff' }));
      await store.progress.saveResult(id, 0, 'tag', { tags: ['a'] });
      await store.progress.saveResult(id, 0, 'tag', { tags: ['b'] });
      await store.progress.failStage(id, 0, 'detect', { code: 'stage-timeout', message: 'slow' }, 100);
      await store.progress.failStage(id, 0, 'detect', { code: 'stage-timeout', message: 'slow again' }, 200);

      const detail = await store.photos.getDetail(id);
      assert.ok(detail);
      assert.deepEqual(
        detail.stages.map((s) => s.stage),
        ['metadata', 'detect'],
      );
      assert.equal(detail.stages[0]?.ms, 2);
      assert.equal(detail.stages[1]?.error, 'slow again');
      assert.equal(detail.stages[1]?.ms, 200);
      assert.deepEqual(detail.metadata, metadata({ make: 'Nikon', gps: { lat: 1.5, lon: -2.25, alt: 100 }, keywords: [] }));
      assert.equal(detail.derivatives?.dhash, 'ffffffffffffffff');
      assert.deepEqual(detail.results, { tag: { tags: ['b'] } });
      await assertLibraryAccounted(store);
    });

    it('lists failed photos with stage, code, message and attempts, newest first', async () => {
      const { ingestId, ids } = await seed(2);
      const [a, b] = ids as [string, string];
      await store.progress.startStage(a, 0, 'detect');
      await store.progress.startStage(a, 0, 'detect');
      await store.progress.failStage(a, 0, 'detect', { code: 'out-of-memory', message: 'ran out of memory' }, 77);
      await sleep(5);
      await store.progress.failStage(b, 0, null, { code: 'missing-file', message: 'the file is gone' }, null);

      const photo = await store.photos.get(a);
      assert.equal(photo?.state, 'failed');
      assert.equal(photo?.failedStage, 'detect');
      assert.equal(photo?.errorCode, 'out-of-memory');
      assert.equal(photo?.error, 'ran out of memory');
      const stage = (await store.photos.getDetail(a))?.stages.find((s) => s.stage === 'detect');
      assert.equal(stage?.state, 'failed');
      assert.equal(stage?.errorCode, 'out-of-memory');
      assert.equal(stage?.ms, 77);

      const failed = (await store.photos.listFailed(1000, 0)).filter((f) => f.photoId === a || f.photoId === b);
      assert.deepEqual(
        failed.map((f) => f.photoId),
        [b, a],
      );
      const [fb, fa] = failed;
      assert.deepEqual(fa, {
        photoId: a,
        path: `/photos/${a}.jpg`,
        revision: 0,
        stage: 'detect',
        errorCode: 'out-of-memory',
        error: 'ran out of memory',
        attempts: 2,
        failedAt: photo?.updatedAt,
        ingestId,
      });
      assert.equal(fb?.stage, null);
      assert.equal(fb?.attempts, 0);
      assert.equal(fb?.errorCode, 'missing-file');
      const paged = await store.photos.listFailed(1, 0);
      assert.equal(paged.length, 1);
      assert.equal(paged[0]?.photoId, b);
      assert.equal((await store.photos.listFailed(1, 1))[0]?.photoId, a);
    });

    it('requeues failed and cancelled photos, nothing else', async () => {
      const { ids } = await seed(3);
      const [failed, cancelled, queued] = ids as [string, string, string];
      await store.progress.startStage(failed, 0, 'preprocess');
      await store.progress.finishStage(failed, 0, 'preprocess', { state: 'done', ms: 1 });
      await store.progress.startStage(failed, 0, 'metadata');
      await store.progress.failStage(failed, 0, 'metadata', { code: 'internal', message: 'oops' }, 4);
      const requeued = await store.photos.requeue(failed);
      assert.ok(requeued);
      assert.equal(requeued.state, 'queued');
      assert.equal(requeued.revision, 0);
      assert.equal(requeued.failedStage, null);
      assert.equal(requeued.errorCode, null);
      assert.equal(requeued.error, null);
      assert.equal(requeued.note, null);
      assert.deepEqual(await store.photos.get(failed), requeued);
      const stages = (await store.photos.getDetail(failed))?.stages;
      assert.deepEqual(
        stages?.map((s) => [s.stage, s.state]),
        [
          ['preprocess', 'done'],
          ['metadata', 'pending'],
        ],
      );
      assert.equal((await store.photos.listFailed(1000, 0)).some((f) => f.photoId === failed), false);

      await store.photos.cancel([cancelled]);
      assert.equal((await store.photos.requeue(cancelled))?.state, 'queued');
      assert.equal(await store.photos.requeue(queued), null);
      assert.equal(await store.photos.requeue('no-such-photo'), null);
    });

    it('bumps the revision and clears the previous analysis', async () => {
      const { ingestId, ids } = await seed(1);
      const id = ids[0]!;
      await store.progress.setContentHash(id, 0, 'h');
      await store.progress.startStage(id, 0, 'preprocess');
      await store.progress.saveMetadata(id, 0, metadata());
      await store.progress.saveDerivatives(id, 0, derivatives());
      await store.progress.saveResult(id, 0, 'embed', { dims: 512 });
      await store.progress.failStage(id, 0, 'preprocess', { code: 'internal', message: 'x' }, 1);

      const other = uid('ing');
      await store.ingests.create(other, ['/x']);
      const bumped = await store.photos.bumpRevision(id, other);
      assert.ok(bumped);
      assert.equal(bumped.revision, 1);
      assert.equal(bumped.state, 'queued');
      assert.equal(bumped.ingestId, other);
      assert.equal(bumped.failedStage, null);
      assert.equal(bumped.errorCode, null);
      assert.equal(bumped.error, null);
      const detail = await store.photos.getDetail(id);
      assert.deepEqual(detail?.stages, []);
      assert.equal(detail?.metadata, null);
      assert.equal(detail?.derivatives, null);
      assert.deepEqual(detail?.results, {});

      const again = await store.photos.bumpRevision(id, null);
      assert.equal(again?.revision, 2);
      assert.equal(again?.ingestId, other);
      assert.notEqual(again?.ingestId, ingestId);
      assert.equal(await store.photos.bumpRevision('no-such-photo', null), null);
    });

    it('cancels photos and ingests', async () => {
      const { ingestId, ids } = await seed(5);
      const [queued, processing, done, failed, extra] = ids as [string, string, string, string, string];
      await store.progress.startStage(processing, 0, 'preprocess');
      await store.progress.completePhoto(done, 0);
      await store.progress.failStage(failed, 0, null, { code: 'internal', message: 'x' }, null);

      const changed = await store.photos.cancel([queued, processing, done, failed, 'no-such-photo']);
      assert.deepEqual(changed, [queued, processing].sort());
      assert.equal((await store.photos.get(queued))?.state, 'cancelled');
      assert.equal((await store.photos.get(processing))?.state, 'cancelled');
      assert.equal((await store.photos.get(done))?.state, 'done');
      assert.equal((await store.photos.get(failed))?.state, 'failed');
      assert.deepEqual(await store.photos.cancel([queued]), []);
      assert.deepEqual(await store.photos.cancel([]), []);

      const { ingestId: second, ids: more } = await seed(3);
      await store.progress.completePhoto(more[2]!, 0);
      const cancelled = await store.ingests.cancel(second);
      assert.deepEqual(cancelled, [more[0]!, more[1]!].sort());
      assert.equal((await store.ingests.get(second))?.state, 'cancelled');
      assert.ok((await store.ingests.get(second))?.finishedAt);
      assert.equal((await store.photos.get(more[2]!))?.state, 'done');
      assert.equal(await store.ingests.unfinishedCount(second), 0);
      // The first ingest is untouched.
      assert.equal((await store.photos.get(extra))?.state, 'queued');
      assert.equal((await store.ingests.get(ingestId))?.state, 'scanning');
    });

    it('discards failed photos', async () => {
      const { ids } = await seed(2);
      const [failed, queued] = ids as [string, string];
      await store.progress.failStage(failed, 0, 'tag', { code: 'model-missing', message: 'no model' }, 0);
      assert.equal(await store.photos.discardFailed(failed), true);
      const photo = await store.photos.get(failed);
      assert.equal(photo?.state, 'cancelled');
      assert.equal(photo?.note, 'discarded by the user');
      assert.equal(await store.photos.discardFailed(failed), false);
      assert.equal(await store.photos.discardFailed(queued), false);
      assert.equal(await store.photos.discardFailed('no-such-photo'), false);
      assert.equal((await store.photos.get(queued))?.state, 'queued');
      assert.equal((await store.photos.listFailed(1000, 0)).some((f) => f.photoId === failed), false);
    });

    it('sets, replaces, lists and clears pauses', async () => {
      const at = new Date().toISOString();
      await store.engineState.setPause({ scope: 'learning', by: 'user', reason: 'busy', at });
      await store.engineState.setPause({ scope: 'all', by: 'system', reason: 'low memory', at });
      await store.engineState.setPause({ scope: 'default', by: 'user', reason: 'first', at });
      await store.engineState.setPause({ scope: 'default', by: 'system', reason: 'second', at });
      assert.deepEqual(await store.engineState.listPauses(), [
        { scope: 'all', by: 'system', reason: 'low memory', at },
        { scope: 'default', by: 'system', reason: 'second', at },
        { scope: 'learning', by: 'user', reason: 'busy', at },
      ]);
      await store.engineState.clearPause('all');
      await store.engineState.clearPause('maintenance');
      assert.deepEqual(
        (await store.engineState.listPauses()).map((p) => p.scope),
        ['default', 'learning'],
      );
      await store.engineState.clearPause('default');
      await store.engineState.clearPause('learning');
      assert.deepEqual(await store.engineState.listPauses(), []);
    });

    it('upserts, lists and clears worker statuses', async () => {
      const at = new Date().toISOString();
      const cpu: WorkerStatus = {
        id: 'cpu-0',
        workerClass: 'cpu',
        pid: 1234,
        state: 'starting',
        reason: null,
        rssMb: null,
        jobsDone: 0,
        restarts: 0,
        updatedAt: at,
      };
      const ml: WorkerStatus = { ...cpu, id: 'ml-0', workerClass: 'ml', state: 'loading-models', rssMb: 812.5 };
      await store.engineState.upsertWorker(ml);
      await store.engineState.upsertWorker(cpu);
      const busy: WorkerStatus = { ...cpu, state: 'crashed', reason: 'out of memory', pid: null, jobsDone: 17, restarts: 2 };
      await store.engineState.upsertWorker(busy);
      assert.deepEqual(await store.engineState.listWorkers(), [busy, ml]);
      await store.engineState.clearWorkers();
      assert.deepEqual(await store.engineState.listWorkers(), []);
    });

    it('pages through unfinished photos by key', async () => {
      const { ids } = await seed(7);
      await store.progress.startStage(ids[1]!, 0, 'preprocess');
      await store.progress.finishStage(ids[1]!, 0, 'preprocess', { state: 'done', ms: 3 });
      await store.progress.startStage(ids[1]!, 0, 'metadata');
      await store.progress.completePhoto(ids[2]!, 0);
      await store.progress.failStage(ids[3]!, 0, null, { code: 'internal', message: 'x' }, null);

      const seen: string[] = [];
      const mine = new Map<string, Awaited<ReturnType<Store['photos']['listUnfinished']>>[number]>();
      let after: string | null = null;
      for (let pages = 0; pages < 10_000; pages++) {
        const page: Awaited<ReturnType<Store['photos']['listUnfinished']>> = await store.photos.listUnfinished(after, 3);
        assert.ok(page.length <= 3);
        if (page.length === 0) break;
        for (const p of page) {
          assert.ok(p.state === 'queued' || p.state === 'processing');
          seen.push(p.id);
          if (ids.includes(p.id)) mine.set(p.id, p);
        }
        after = page[page.length - 1]!.id;
      }
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i - 1]! < seen[i]!, 'ascending ids, no repeats');
      assert.deepEqual([...mine.keys()].sort(), [ids[0]!, ids[1]!, ids[4]!, ids[5]!, ids[6]!].sort());
      const working = mine.get(ids[1]!);
      assert.equal(working?.state, 'processing');
      assert.equal(working?.revision, 0);
      assert.deepEqual(working?.stages, { preprocess: 'done', metadata: 'running' });
      assert.deepEqual(mine.get(ids[0]!)?.stages, {});
      assert.equal(mine.get(ids[0]!)?.ingestId, (await store.photos.get(ids[0]!))?.ingestId);
    });

    it('returns the photo detail with stages in pipeline order, metadata, derivatives and results', async () => {
      const { ids } = await seed(1);
      const id = ids[0]!;
      // Written out of order on purpose.
      for (const stage of ['persist', 'quality', 'detect', 'preprocess', 'metadata', 'embed', 'tag'] as const) {
        await store.progress.startStage(id, 0, stage);
        await store.progress.finishStage(id, 0, stage, { state: 'done', ms: 1.5 });
      }
      await store.progress.saveMetadata(id, 0, metadata({ gps: null, takenAt: null, keywords: ['x'] }));
      await store.progress.saveDerivatives(id, 0, derivatives());
      await store.progress.saveResult(id, 0, 'detect', { faces: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4 }] });
      await store.progress.saveResult(id, 0, 'embed', [0.5, -1, 2]);
      await store.progress.saveResult(id, 0, 'quality', null);
      const detail = await store.photos.getDetail(id);
      assert.ok(detail);
      assert.deepEqual(
        detail.stages.map((s) => s.stage),
        STAGES.filter((s) => s !== 'scan'),
      );
      for (const s of detail.stages) {
        assert.equal(s.state, 'done');
        assert.equal(s.ms, 1.5);
        assert.equal(s.attempts, 1);
        assert.equal(s.error, null);
        assert.ok(!Number.isNaN(Date.parse(s.updatedAt)));
      }
      assert.deepEqual(detail.metadata, metadata({ gps: null, takenAt: null, keywords: ['x'] }));
      assert.deepEqual(detail.derivatives, derivatives());
      assert.deepEqual(detail.results, {
        detect: { faces: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4 }] },
        embed: [0.5, -1, 2],
        quality: null,
      });
      const { stages, metadata: m, derivatives: d, results, ...record } = detail;
      void stages, m, d, results;
      assert.deepEqual(record, await store.photos.get(id));
      assert.equal(await store.photos.getDetail('no-such-photo'), null);
    });

    it('lists photos by state and ingest with paging, and counts photos by state', async () => {
      const before = await store.photos.countByState();
      assert.deepEqual(Object.keys(before).sort(), [...PHOTO_STATES].sort());
      const { ingestId, ids } = await seed(4);
      await store.progress.completePhoto(ids[0]!, 0);
      await store.progress.failStage(ids[1]!, 0, null, { code: 'internal', message: 'x' }, null);
      const afterCounts = await store.photos.countByState();
      assert.equal(afterCounts.queued - before.queued, 2);
      assert.equal(afterCounts.done - before.done, 1);
      assert.equal(afterCounts.failed - before.failed, 1);
      assert.equal(afterCounts.processing - before.processing, 0);

      const all = await store.photos.list({ ingestId, limit: 10, offset: 0 });
      assert.deepEqual(
        all.map((p) => p.id),
        [...ids].sort(),
      );
      const page = await store.photos.list({ ingestId, limit: 2, offset: 1 });
      assert.deepEqual(
        page.map((p) => p.id),
        [...ids].sort().slice(1, 3),
      );
      const queued = await store.photos.list({ ingestId, state: 'queued', limit: 10, offset: 0 });
      assert.deepEqual(
        queued.map((p) => p.id),
        [ids[2]!, ids[3]!].sort(),
      );
      const failedAnywhere = await store.photos.list({ state: 'failed', limit: 10_000, offset: 0 });
      assert.ok(failedAnywhere.some((p) => p.id === ids[1]));
      assert.ok(failedAnywhere.every((p) => p.state === 'failed'));
    });

    it('filters photos in the store (state, tag, faces, quality, camera, date) and lists grid items in one query', async () => {
      const { ingestId, ids } = await seed(4);
      const [a, b, c, d] = ids as [string, string, string, string];
      // a: two faces, tagged people, quality 4.2, Canon, June 2021, done.
      await store.progress.startStage(a, 0, 'preprocess');
      await store.progress.finishStage(a, 0, 'preprocess', { state: 'done', ms: 1 });
      await store.progress.finishStage(a, 0, 'metadata', { state: 'done', ms: 1 });
      await store.progress.saveDerivatives(a, 0, derivatives({ thumbnailPath: 'ab/a.thumb.webp' }));
      await store.progress.saveMetadata(a, 0, metadata());
      const face = { box: [0.1, 0.2, 0.3, 0.4], score: 0.9, eyesClosed: false };
      await store.progress.saveResult(a, 0, 'detect', { faces: [face, { ...face, box: [0.6, 0.2, 0.3, 0.4] }], objects: [], text: [] });
      await store.progress.saveResult(a, 0, 'tag', { tags: ['people', 'Small-Group', 'year:2021'], description: 'two people' });
      await store.progress.saveResult(a, 0, 'quality', { score: 4.2, priority: 'high', parts: {} });
      await store.progress.completePhoto(a, 0);
      // b: no faces, tagged text, quality 1.5, Nikon, 2019.
      await store.progress.saveMetadata(b, 0, metadata({ make: 'NIKON CORPORATION', model: 'NIKON D750', takenAt: '2019-12-31T23:59:59' }));
      await store.progress.saveResult(b, 0, 'detect', { faces: [], objects: [], text: [{ text: 'menu', score: 1, box: [0, 0, 1, 1] }] });
      await store.progress.saveResult(b, 0, 'tag', { tags: ['text', 'text:menu'], description: 'text' });
      await store.progress.saveResult(b, 0, 'quality', { score: 1.5, priority: 'low', parts: {} });
      await store.progress.completePhoto(b, 0);
      // c: failed, no results; d: queued, odd result shapes that must not break a filter.
      await store.progress.failStage(c, 0, 'preprocess', { code: 'corrupt-file', message: 'bad' }, 1);
      await store.progress.saveResult(d, 0, 'quality', null);
      await store.progress.saveResult(d, 0, 'detect', { faces: 'none' });
      await store.progress.saveResult(d, 0, 'tag', ['people']);

      const ids_ = async (f: Omit<Parameters<Store['photos']['count']>[0], 'ingestId'>) => {
        const items = await store.photos.listItems({ ...f, ingestId, limit: 100, offset: 0 });
        assert.equal(await store.photos.count({ ...f, ingestId }), items.length, JSON.stringify(f));
        return items.map((p) => p.id).sort();
      };
      assert.deepEqual(await ids_({}), [...ids].sort());
      assert.deepEqual(await ids_({ state: 'done' }), [a, b].sort());
      assert.deepEqual(await ids_({ tag: 'people' }), [a]);
      assert.deepEqual(await ids_({ tag: 'small-group' }), [a], 'tags match case-insensitively');
      assert.deepEqual(await ids_({ tag: 'text:menu' }), [b]);
      assert.deepEqual(await ids_({ tag: 'peop' }), [], 'a tag matches whole');
      assert.deepEqual(await ids_({ hasFaces: true }), [a]);
      assert.deepEqual(await ids_({ hasFaces: false }), [b, c, d].sort());
      assert.deepEqual(await ids_({ qualityMin: 4 }), [a]);
      assert.deepEqual(await ids_({ qualityMin: 1.5, qualityMax: 4.2 }), [a, b].sort());
      assert.deepEqual(await ids_({ qualityMax: 2 }), [b]);
      assert.deepEqual(await ids_({ camera: 'nikon' }), [b]);
      assert.deepEqual(await ids_({ camera: 'canon eos' }), [a]);
      assert.deepEqual(await ids_({ takenFrom: '2021-06-01', takenTo: '2021-06-01' }), [a]);
      assert.deepEqual(await ids_({ takenTo: '2020-01-01' }), [b]);
      assert.deepEqual(await ids_({ takenFrom: '2020-01-01' }), [a]);
      assert.deepEqual(await ids_({ state: 'done', hasFaces: true, tag: 'people', qualityMin: 4, camera: 'canon', takenFrom: '2021-01-01' }), [a]);
      assert.deepEqual(await ids_({ state: 'done', hasFaces: true, camera: 'nikon' }), []);
      await assert.rejects(store.photos.count({ takenFrom: '1 June' }), /YYYY-MM-DD/);

      // The grid's items: same order and paging as listPhotos, with what a tile shows.
      const items = await store.photos.listItems({ ingestId, limit: 100, offset: 0 });
      assert.deepEqual(
        items.map((p) => p.id),
        (await store.photos.list({ ingestId, limit: 100, offset: 0 })).map((p) => p.id),
      );
      const page = await store.photos.listItems({ ingestId, limit: 2, offset: 1 });
      assert.deepEqual(page.map((p) => p.id), items.slice(1, 3).map((p) => p.id));
      const byId = new Map(items.map((p) => [p.id, p]));
      const itemA = byId.get(a)!;
      const { thumbnailPath, stages, make, model, takenAt, quality, faces, tags, rating, label, ...recordA } = itemA;
      assert.deepEqual(recordA, await store.photos.get(a));
      assert.equal(thumbnailPath, 'ab/a.thumb.webp');
      assert.deepEqual(stages, { preprocess: 'done', metadata: 'done' });
      assert.equal(make, 'Canon');
      assert.equal(model, 'EOS R6');
      assert.equal(takenAt, '2021-06-01T12:30:00+02:00');
      assert.equal(quality, 4.2);
      assert.equal(faces, 2);
      assert.equal(rating, null, 'no rating given');
      assert.equal(label, null, 'no colour label given');
      assert.deepEqual(tags, ['people', 'Small-Group', 'year:2021']);
      assert.deepEqual(byId.get(b)!.faces, 0);
      assert.deepEqual(byId.get(c)!.stages, { preprocess: 'failed' });
      for (const id of [c, d]) {
        const item = byId.get(id)!;
        assert.equal(item.thumbnailPath, null);
        assert.equal(item.quality, null);
        assert.equal(item.faces, null);
        assert.deepEqual(item.tags, []);
      }
      assert.equal(byId.get(c)!.make, null);
      assert.deepEqual(await ids_({ ids: [b, d, 'no-such-photo'] }), [b, d].sort());
      assert.deepEqual(await ids_({ ids: [] }), []);

    });

    it('keeps a skip list of paths: add, list, find among, remove', async () => {
      const p1 = `/skip/${uid('s')}.jpg`;
      const p2 = `/skip/${uid('s')}.jpg`;
      await store.skips.add([{ path: p1, reason: 'first' }, { path: p2, reason: 'corrupt' }, { path: p1, reason: 'again' }]);
      const listed = await store.skips.list(1000, 0);
      const mine = listed.filter((e) => e.path === p1 || e.path === p2);
      assert.equal(mine.length, 2);
      assert.equal(mine.find((e) => e.path === p1)?.reason, 'again');
      assert.ok(mine.every((e) => !Number.isNaN(Date.parse(e.at))));
      assert.deepEqual([...(await store.skips.among([p1, '/skip/not-there.jpg', p2]))].sort(), [p1, p2].sort());
      assert.deepEqual([...(await store.skips.among([]))], []);
      assert.equal(await store.skips.remove(p1), true);
      assert.equal(await store.skips.remove(p1), false);
      assert.deepEqual([...(await store.skips.among([p1, p2]))], [p2]);
      await store.skips.remove(p2);
    });

    it('indexes embed vectors and answers k-nearest-neighbour queries (similarPhotos)', async () => {
      const { ids } = await seed(6);
      const [q, near, mid, far, stale, other] = ids as [string, string, string, string, string, string];
      const vec = (...v: number[]): string => {
        const f = new Float32Array(8);
        v.forEach((x, i) => (f[i] = x));
        return Buffer.from(f.buffer).toString('base64');
      };
      const embed = (vector: string, model: string = DEFAULT_DESCRIPTOR_MODEL) => ({ model, dims: 8, vector });
      // Not unit length on purpose: the store normalises.
      await store.progress.saveResult(q, 0, 'embed', embed(vec(2, 0, 0)));
      await store.progress.saveResult(near, 0, 'embed', embed(vec(0.95, 0.05, 0)));
      await store.progress.saveResult(mid, 0, 'embed', embed(vec(1, 1, 0)));
      await store.progress.saveResult(far, 0, 'embed', embed(vec(-1, 0, 0.1)));
      // A vector of a model that is not the library's active one is refused (src-core/store/repos/vector-models-repo.ts).
      await assert.rejects(store.progress.saveResult(other, 0, 'embed', embed(vec(1, 0, 0), 'other-model')), /descriptor model is shoebox-global-v1/);
      assert.deepEqual(await store.photos.similar(q, 0), []);
      assert.deepEqual(await store.photos.similar(uid('missing'), 3), []);
      assert.deepEqual(await store.photos.similar(stale, 3), [], 'no vector yet');

      const found = await store.photos.similar(q, 10);
      assert.deepEqual(
        found.map((r) => r.photoId),
        [near, mid, far],
        'nearest first, itself and other models left out',
      );
      assert.equal(found[0]!.path, `/photos/${near}.jpg`);
      assert.ok(found[0]!.distance >= 0 && found[0]!.distance < 0.01, `near ${found[0]!.distance}`);
      assert.ok(Math.abs(found[1]!.distance - (1 - Math.SQRT1_2)) < 1e-4, `mid ${found[1]!.distance}`);
      assert.ok(found[2]!.distance > 1.9, `far ${found[2]!.distance}`);
      assert.deepEqual((await store.photos.similar(q, 1)).map((r) => r.photoId), [near]);

      // A re-run replaces the vector; a write for an old revision is ignored.
      await store.progress.saveResult(far, 0, 'embed', embed(vec(1, 0.01, 0)));
      await store.progress.saveResult(near, 7, 'embed', embed(vec(-1, 0, 0)));
      assert.deepEqual((await store.photos.similar(q, 2)).map((r) => r.photoId), [far, near]);

      // A stale vector (the photo changed, the embed stage has not run again) is not a neighbour.
      await store.progress.saveResult(stale, 0, 'embed', embed(vec(1, 0, 0)));
      assert.equal((await store.photos.similar(q, 1))[0]!.photoId, stale);
      await store.photos.bumpRevision(stale, null);
      assert.ok(!(await store.photos.similar(q, 10)).some((r) => r.photoId === stale));
      assert.deepEqual(await store.photos.similar(stale, 3), []);
      await store.progress.saveResult(stale, 1, 'embed', embed(vec(1, 0, 0)));
      assert.equal((await store.photos.similar(q, 1))[0]!.photoId, stale);
      assert.equal(await store.health.integrityCheck(), 'ok');
    });

    it('registers a large scan batch (30,000 files) in one call', async () => {
      const ingestId = uid('ing');
      await store.ingests.create(ingestId, ['/big']);
      const prefix = uid('big');
      const decisions: FileDecision[] = Array.from({ length: 30_000 }, (_, i) => ({
        kind: 'new',
        photoId: `${prefix}-${String(i).padStart(5, '0')}`,
        path: `/big/${prefix}/${i}.jpg`,
        size: 1000 + i,
        mtimeMs: 1_600_000_000_000 + i / 4,
      }));
      await store.ingests.registerFiles(ingestId, decisions);
      assert.equal((await store.ingests.totals(ingestId)).photos, 30_000);
      assert.equal((await store.photos.get(`${prefix}-29999`))?.mtimeMs, 1_600_000_000_000 + 29_999 / 4);
      // Leave them out of the other tests' way.
      const cancelled = await store.ingests.cancel(ingestId);
      assert.equal(cancelled.length, 30_000);
    });

    it('stays consistent: integrity ok, no duplicate rows', async () => {
      assert.equal(await store.health.integrityCheck(), 'ok');
      await assertLibraryAccounted(store);
    });

    if (backend.name === 'sqlite') {
      it('lets several connections (threads) write to the same file at once without SQLITE_BUSY', async () => {
        const { ids } = await seed(20);
        const second = await openStore(config);
        // Run from source (tsx), the worker thread has no TypeScript loader of its own: it goes through tsx's API.
        const fromSource = import.meta.url.endsWith('.ts');
        const moduleUrl = new URL(`../src-core/store/open-store.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
        const tsxApiUrl = fromSource ? import.meta.resolve('tsx/esm/api') : null;
        // Each thread opens its own connection and hammers the same photos with job writes.
        const code = `
          const { workerData, parentPort } = require('node:worker_threads');
          (async () => {
            const { openStore } = workerData.tsxApiUrl
              ? await (await import(workerData.tsxApiUrl)).tsImport(workerData.moduleUrl, workerData.moduleUrl)
              : await import(workerData.moduleUrl);
            const store = await openStore({ kind: 'sqlite', sqlitePath: workerData.path });
            try {
              for (let round = 0; round < 5; round++) {
                for (const id of workerData.ids) {
                  await store.progress.startStage(id, 0, 'preprocess');
                  await store.progress.finishStage(id, 0, 'preprocess', { state: 'done', ms: round });
                  await store.progress.saveResult(id, 0, 'tag', { round, by: workerData.name });
                  await store.progress.saveMetadata(id, 0, workerData.metadata);
                }
              }
            } finally {
              await store.close();
            }
          })().then(() => parentPort.postMessage({ ok: true }), (e) => parentPort.postMessage({ ok: false, error: String(e && e.stack || e) }));
        `;
        const run = (name: string) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(code, {
              eval: true,
              workerData: { moduleUrl, tsxApiUrl, path: (config as Extract<StoreConfig, { kind: 'sqlite' }>).sqlitePath, ids, name, metadata: metadata() },
            });
            worker.once('message', (m: { ok: boolean; error?: string }) => (m.ok ? resolve() : reject(new Error(m.error))));
            worker.once('error', reject);
          });
        try {
          const threads = [run('t1'), run('t2')];
          // Settled below; a failure must not turn into an unhandled rejection meanwhile.
          for (const thread of threads) thread.catch(() => undefined);
          // Meanwhile this thread writes through two more connections.
          for (let round = 0; round < 5; round++) {
            for (const id of ids) {
              await store.progress.setContentHash(id, 0, `h${round}`);
              await second.progress.startStage(id, 0, 'metadata');
              await second.progress.finishStage(id, 0, 'metadata', { state: 'done', ms: round });
            }
            await sleep(1);
          }
          const settled = await Promise.allSettled(threads);
          for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
          for (const id of ids) {
            const detail = await second.photos.getDetail(id);
            assert.equal(detail?.stages.find((s) => s.stage === 'preprocess')?.attempts, 10);
            assert.equal(detail?.stages.find((s) => s.stage === 'metadata')?.attempts, 5);
            assert.deepEqual(detail?.metadata, metadata());
          }
          await assertLibraryAccounted(second);
          assert.equal(await second.health.integrityCheck(), 'ok');
        } finally {
          await second.close();
        }
      });
    }
  });
}
