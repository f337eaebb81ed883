import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { api, EVENT_NAMES, events, METHODS, type AnyEvent, type Method } from '../src-shared/api/contract.js';
import { createClient, type Transport } from '../src-shared/api/client.js';
import { dispatch, type Handlers } from '../src-main/engine/api/dispatch.js';
import { createHandlers, type HandlerEngine } from '../src-main/engine/api/handlers.js';
import { IPC_PREFIX, registerIpcHandlers, type IpcEventLike } from '../src-main/engine/api/ipc.js';
import { LibraryOperations, OperationError } from '../src-main/engine/operations.js';
import type { Store } from '../src-core/store/store.js';

function fakeEngine(dataDir: string): HandlerEngine {
  const store = {
    photos: {
      get: async () => null,
      list: async () => [],
      listItems: async () => [],
      count: async () => 0,
      similar: async () => [],
      countByState: async () => ({ queued: 0, processing: 0, done: 0, failed: 0, cancelled: 0 }),
      listFailed: async () => [],
      getByPaths: async () => new Map(),
      getDetail: async () => null,
    },
    skips: { list: async () => [] },
    ingests: { list: async () => [] },
    engineState: { listPauses: async () => [], listWorkers: async () => [] },
  } as unknown as Store;
  return {
    store,
    config: { dataDir, cpuWorkers: 1, mlWorkers: 1, redisUrl: null, store: { kind: 'sqlite' } } as HandlerEngine['config'],
    log: { info: () => undefined, warn: () => undefined, error: () => undefined } as unknown as HandlerEngine['log'],
    ingest: async () => {
      throw new Error('no ingest in this test');
    },
    pool: { statuses: () => [] },
    lanes: { counts: async () => ({}) as never },
  };
}

test('every contract entry has a handler, an IPC channel and a client method', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-api-contract-'));
  try {
    const engine = fakeEngine(dataDir);
    const handlers = createHandlers(engine, new LibraryOperations(engine.store, null, dataDir, null));
    assert.deepEqual(Object.keys(handlers).sort(), [...METHODS].sort());
    for (const method of METHODS) assert.equal(typeof handlers[method], 'function', method);

    const calls: string[] = [];
    const transport: Transport = {
      kind: 'http',
      invoke: async (method) => {
        calls.push(method);
        return {};
      },
      subscribe: () => () => undefined,
      mediaUrl: (p) => p,
    };
    const client = createClient(transport);
    for (const method of METHODS) {
      assert.equal(typeof client[method], 'function', `client method ${method}`);
      await (client[method] as (r: unknown) => Promise<unknown>)({});
    }
    assert.deepEqual(calls, METHODS);

    const channels: string[] = [];
    registerIpcHandlers({ handle: (channel) => channels.push(channel), removeHandler: () => undefined }, handlers, () => true);
    assert.deepEqual(channels, METHODS.map((m) => IPC_PREFIX + m));
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('every event has a schema and reaches client listeners by name', () => {
  assert.deepEqual(EVENT_NAMES.sort(), Object.keys(events).sort());
  let push: (event: AnyEvent) => void = () => undefined;
  const client = createClient({ kind: 'ipc', invoke: async () => ({}), subscribe: (l) => ((push = l), () => undefined), mediaUrl: (p) => p });
  const got: unknown[] = [];
  client.on('photos.progress', (payload) => got.push(payload));
  push({ event: 'lanes.pauses', payload: { pauses: [] } });
  push({ event: 'photos.progress', payload: { updates: [{ photoId: 'a', state: 'done' }] } });
  assert.deepEqual(got, [{ updates: [{ photoId: 'a', state: 'done' }] }]);
});

test('requests are validated before a handler runs; failures cross as {code, message}', async () => {
  let ran = 0;
  const handlers = Object.fromEntries(
    METHODS.map((m) => [
      m,
      async () => {
        ran++;
        if (m === 'jobs.discard') throw new OperationError('nope', 'not-found');
        if (m === 'jobs.cancel') throw new Error('boom');
        return { ok: true };
      },
    ]),
  ) as unknown as Handlers;
  const bad: [Method, unknown][] = [
    ['library.addFolders', { paths: [] }],
    ['library.addFolders', { paths: Array.from({ length: 101 }, () => '/x') }],
    ['library.addFolders', { paths: ['a\0b'] }],
    ['library.addFolders', { paths: 'not-an-array' }],
    ['photos.list', { limit: 100_000 }],
    ['photos.list', { limit: 'ten' }],
    ['photos.list', { extra: 1 }],
    ['photos.get', { photoId: '../../etc/passwd' }],
    ['jobs.retryGroup', { code: 'no-such-code' }],
    ['lanes.pause', { scope: 'everything' }],
    ['settings.set', { cpuWorkers: 0 }],
    ['settings.set', { redisUrl: 'http://example.com' }],
    ['status.get', { x: 1 }],
    ['status.get', 'string body'],
    ['status.get', [1, 2]],
  ];
  for (const [method, input] of bad) {
    const result = await dispatch(handlers, method, input);
    assert.equal(result.ok, false, `${method} ${JSON.stringify(input)?.slice(0, 60)}`);
    if (!result.ok) assert.equal(result.error.code, 'bad-request', `${method}: ${result.error.message}`);
  }
  assert.equal(ran, 0, 'no handler ran on bad input');
  const unknown = await dispatch(handlers, 'library.__proto__', {});
  assert.deepEqual(unknown.ok ? null : unknown.error.code, 'not-found');
  const notFound = await dispatch(handlers, 'jobs.discard', { target: 'abc' });
  assert.deepEqual(notFound, { ok: false, error: { code: 'not-found', message: 'nope' } });
  const internal = await dispatch(handlers, 'jobs.cancel', { target: 'abc' });
  assert.deepEqual(internal, { ok: false, error: { code: 'internal', message: 'boom' } });
  // Every request schema accepts what the client sends for an empty call, or names what is missing.
  for (const method of METHODS) assert.ok(api[method].req, method);
});

test('IPC: an untrusted sender is refused before validation or the handler', async () => {
  const registered = new Map<string, (event: IpcEventLike, ...args: unknown[]) => Promise<unknown>>();
  let ran = 0;
  const handlers = Object.fromEntries(METHODS.map((m) => [m, async () => (ran++, { ok: true })])) as unknown as Handlers;
  registerIpcHandlers({ handle: (c, l) => registered.set(c, l), removeHandler: (c) => registered.delete(c) }, handlers, (event) => event.senderFrame?.url.startsWith('file:///app/') ?? false);
  const call = registered.get(`${IPC_PREFIX}lanes.pause`)!;
  assert.deepEqual(await call({ senderFrame: { url: 'https://evil.example/' } }, { scope: 'all' }), {
    ok: false,
    error: { code: 'forbidden', message: 'calls are accepted from the Shoebox window only' },
  });
  assert.deepEqual(await call({ senderFrame: { url: 'file:///app/index.html' } }, { scope: 'nope' }).then((r) => (r as { ok: boolean }).ok), false);
  assert.equal(ran, 0);
  assert.deepEqual(await call({ senderFrame: { url: 'file:///app/index.html' } }, { scope: 'all' }), { ok: true, result: { ok: true } });
});

test('handlers: adding a relative or missing folder is a 4xx, settings are validated and saved', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-api-handlers-'));
  try {
    const engine = fakeEngine(dataDir);
    const handlers = createHandlers(engine, new LibraryOperations(engine.store, null, dataDir, null));
    const relative = await dispatch(handlers, 'library.addFolders', { paths: ['photos'] });
    assert.equal(relative.ok ? null : relative.error.code, 'bad-request');
    const missing = await dispatch(handlers, 'library.addFolders', { paths: [path.join(dataDir, 'nope')] });
    assert.equal(missing.ok ? null : missing.error.code, 'not-found');
    const photo = await dispatch(handlers, 'photos.get', { photoId: 'abc' });
    assert.equal(photo.ok ? null : photo.error.code, 'not-found');
    const noEngine = await dispatch(handlers, 'lanes.pause', { scope: 'all' });
    assert.equal(noEngine.ok ? null : noEngine.error.code, 'no-engine');
    const badStore = await dispatch(handlers, 'settings.set', { store: 'postgres://' });
    assert.equal(badStore.ok, false);
    const saved = await dispatch(handlers, 'settings.set', { cpuWorkers: 3, redisUrl: 'redis://127.0.0.1:6390' });
    assert.ok(saved.ok);
    const got = await dispatch(handlers, 'settings.get', {});
    assert.deepEqual(got.ok && (got.result as { saved: unknown }).saved, { cpuWorkers: 3, redisUrl: 'redis://127.0.0.1:6390' });
    const cleared = await dispatch(handlers, 'settings.set', { redisUrl: null });
    assert.ok(cleared.ok);
    assert.deepEqual((cleared.result as { settings: { saved: unknown } }).settings.saved, { cpuWorkers: 3 });
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('tray model: tooltip shows state and photos left; "pause after current photos" drains, then pauses all', async () => {
  const { TrayModel } = await import('../src-main/engine/api/tray-model.js');
  const calls: string[] = [];
  const views: string[] = [];
  const model = new TrayModel(
    {
      pauseAll: async (reason) => void calls.push(`pauseAll:${reason}`),
      resumeAll: async () => void calls.push('resumeAll'),
      pauseIntake: async () => void calls.push('pauseIntake'),
      setEco: async (eco) => void calls.push(`eco:${eco}`),
    },
    (view) => views.push(view.tooltip),
  );
  const lane = (active: number, isPaused = false) => ({ waiting: 0, active, delayed: 0, prioritized: 0, completed: 0, failed: 0, paused: 0, isPaused });
  const counts = (active: number, isPaused = false) => ({ high_priority: lane(0, isPaused), default: lane(active, isPaused), learning: lane(0, isPaused), maintenance: lane(0, isPaused) });
  model.handle({ event: 'ingest.totals', payload: { photos: { queued: 1200, processing: 34 }, ingest: null, scanning: false } });
  model.handle({ event: 'lanes.counts', payload: { at: 0, lanes: counts(2), finished: { cpu: 0, ml: 0 } } });
  assert.equal(model.view().tooltip, 'Shoebox — running · 1,234 photos to go');
  await model.pauseAfterCurrent();
  assert.equal(model.view().state, 'pausing');
  model.handle({ event: 'lanes.counts', payload: { at: 1, lanes: counts(1), finished: { cpu: 1, ml: 0 } } });
  assert.deepEqual(calls, ['pauseIntake']);
  model.handle({ event: 'lanes.counts', payload: { at: 2, lanes: counts(0), finished: { cpu: 0, ml: 1 } } });
  assert.deepEqual(calls, ['pauseIntake', 'pauseAll:paused after the current photos']);
  model.handle({ event: 'lanes.counts', payload: { at: 3, lanes: counts(0, true), finished: { cpu: 0, ml: 0 } } });
  assert.equal(model.view().state, 'paused');
  await model.setEco(true);
  assert.match(model.view().tooltip, /paused .* eco mode$/);
  await model.resumeAll();
  assert.deepEqual(calls.slice(-2), ['eco:true', 'resumeAll']);
  assert.ok(views.length > 0);
});
