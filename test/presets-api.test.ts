/**
 * The preset calls of the API (issue 15) through the real dispatcher (validation + error mapping) over a
 * real SQLite library: list, save, import, rules, naming, context of a photo, and the refusals.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, copyFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { dispatch } from '../src-main/engine/api/dispatch.js';
import { createHandlers, type HandlerEngine } from '../src-main/engine/api/handlers.js';
import { LibraryOperations } from '../src-main/engine/operations.js';
import { libraryPaths } from '../src-core/paths.js';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { readMetadata } from '../src-worker/stages/metadata.js';
import { findRepoRoot } from './helpers/photos.js';

const root = findRepoRoot();
const landscapeSource = path.join(root, '..', 'shared', 'photos', 'jpg', 'gps', 'DSCN0010.jpg');

describe('preset API', { skip: existsSync(landscapeSource) ? false : '../shared photos are not here' }, () => {
  let dataDir: string;
  let store: Store;
  let handlers: ReturnType<typeof createHandlers>;
  const call = (method: string, input: unknown) => dispatch(handlers, method, input);

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'shoebox-presets-api-'));
    store = await openStore({ kind: 'sqlite', sqlitePath: libraryPaths(dataDir).sqlite });
    mkdirSync(path.join(dataDir, 'photos'));
    const file = path.join(dataDir, 'photos', 'DSCN0010.jpg');
    copyFileSync(landscapeSource, file);
    await store.ingests.create('ing', [path.dirname(file)]);
    await store.ingests.registerFiles('ing', [{ kind: 'new', photoId: 'p1', path: file, size: 1, mtimeMs: 1 }]);
    await store.progress.saveMetadata('p1', 0, (await readMetadata(readFileSync(file), { path: file })).metadata);
    // No engine here: the lanes can count but cannot queue (apply answers no-engine).
    const engine = { store, config: { dataDir } as HandlerEngine['config'], log: console as unknown as HandlerEngine['log'], ingest: async () => { throw new Error('no'); }, pool: { statuses: () => [] }, lanes: { counts: async () => ({}) as never } } as HandlerEngine;
    handlers = createHandlers(engine, new LibraryOperations(store, null, dataDir, null));
  });
  after(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists, saves, imports presets and edits the rules', async () => {
    const list = await call('presets.list', {});
    assert.equal(list.ok, true);
    const { presets, rules, sidecarNaming } = (list as { result: { presets: { id: string }[]; rules: { id: string }[]; sidecarNaming: string } }).result;
    assert.ok(presets.some((p) => p.id === 'builtin:document'));
    assert.equal(sidecarNaming, 'stem');
    const saved = await call('presets.save', { name: 'Crisp', settings: { Clarity2012: '+30', ToneCurvePV2012: ['0, 0', '255, 255'] } });
    assert.equal(saved.ok, true);
    const bad = await call('presets.save', { name: 'Bad', settings: { 'has space': '1' } });
    assert.deepEqual([bad.ok, !bad.ok && bad.error.code], [false, 'bad-request']);
    const imported = await call('presets.import', { fileName: 'Moody & Warm.xmp', xml: readFileSync(path.join(root, 'test', 'fixtures', 'presets', 'Moody & Warm.xmp'), 'utf8') });
    assert.equal(imported.ok, true);
    const notPreset = await call('presets.import', { fileName: 'x.xmp', xml: '<nope' });
    assert.equal(!notPreset.ok && notPreset.error.code, 'bad-request');
    assert.match(!notPreset.ok ? notPreset.error.message : '', /x\.xmp is not an XMP preset/);
    // The default stays last; the others may be put in any order.
    const reordered = await call('presets.setRules', { rules: [...rules.slice(0, -1).reverse(), rules.at(-1)] });
    assert.equal(reordered.ok, true);
    const hidden = await call('presets.setRules', { rules: [...rules].reverse() });
    assert.equal(!hidden.ok && hidden.error.code, 'bad-request');
    assert.match(!hidden.ok ? hidden.error.message : '', /rule 1 matches every photo, so the \d+ rule\(s\) after it would never be used/);
    const never = await call('presets.setRules', { rules: [{ id: 'r', when: ['night'], unless: ['night'], presetId: 'builtin:natural' }] });
    assert.match(!never.ok ? never.error.message : '', /both needs and excludes night/);
    const dangling = await call('presets.setRules', { rules: [{ id: 'r', when: [], presetId: 'user:none' }] });
    assert.equal(!dangling.ok && dangling.error.code, 'bad-request');
    assert.equal((await call('presets.setNaming', { naming: 'full' })).ok, true);
    assert.equal((await call('presets.setNaming', { naming: 'other' })).ok, false);
  });

  it('answers a photo’s context with reasons and the suggested preset; refuses unknown photos and applying without an engine', async () => {
    await call('presets.setRules', { rules: [{ id: 'rule:landscape', when: ['landscape'], presetId: 'builtin:landscape' }, { id: 'rule:default', when: [], presetId: 'builtin:natural' }] });
    const ctx = await call('photos.context', { photoId: 'p1' });
    assert.equal(ctx.ok, true, JSON.stringify(ctx));
    const r = (ctx as { result: { findings: { label: string; reason: string }[]; presetName: string; ruleId: string } }).result;
    assert.deepEqual(r.findings.map((f) => f.label), ['golden-hour', 'landscape']);
    assert.equal(r.presetName, 'Landscape');
    assert.equal(r.ruleId, 'rule:landscape');
    assert.equal((r as unknown as { rule: string }).rule, 'landscape → Landscape');
    const missing = await call('photos.context', { photoId: 'nope' });
    assert.equal(!missing.ok && missing.error.code, 'not-found');
    const apply = await call('presets.apply', { photoIds: ['p1'], presetId: 'builtin:natural' });
    assert.equal(!apply.ok && apply.error.code, 'no-engine');
    const badRating = await call('photos.mark', { photoIds: ['p1'], rating: 9 });
    assert.equal(!badRating.ok && badRating.error.code, 'bad-request');
  });
});
