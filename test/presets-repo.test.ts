/**
 * Presets in the library (issue 15), on both stores: built-ins seeded and editable, a Lightroom / Camera
 * Raw preset file imported with its name, group, settings and tone curve (struct settings listed as
 * skipped), ordered selection rules, and per photo: context + suggestion for a revision, marks, sidecar writes.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../src-core/store/open-store.js';
import type { Store } from '../src-core/store/store.js';
import { PresetError, PresetsRepo } from '../src-core/store/repos/presets-repo.js';
import { PhotoPresetsRepo } from '../src-core/store/repos/photo-presets-repo.js';
import { PresetFileError, readPresetFile } from '../src-core/presets/preset-file.js';
import { findRepoRoot } from './helpers/photos.js';
import { storeBackends } from './helpers/store-backends.js';

const presetFile = path.join(findRepoRoot(), 'test', 'fixtures', 'presets', 'Moody & Warm.xmp');

describe('Lightroom preset files', () => {
  it('reads name, group, every scalar setting and the tone curve; lists the Look struct as skipped', () => {
    const file = readPresetFile(readFileSync(presetFile, 'utf8'), 'Moody & Warm.xmp');
    assert.equal(file.name, 'Moody & Warm');
    assert.equal(file.group, 'My Presets');
    assert.equal(file.uuid, '9A3B2C1D0E0F4A5B8C7D6E5F4A3B2C1D');
    assert.deepEqual(file.settings, {
      ProcessVersion: '11.0',
      Exposure2012: '+0.50',
      Contrast2012: '-10',
      Highlights2012: '-35',
      Vibrance: '+20',
      ConvertToGrayscale: 'False',
      HasSettings: 'True',
      ToneCurvePV2012: ['0, 0', '128, 140', '255, 255'],
    });
    assert.deepEqual(file.skipped, ['Look']);
  });

  it('refuses files that are not presets, saying why', () => {
    assert.throws(() => readPresetFile('not xml at all <', 'a.xmp'), (err: Error) => err instanceof PresetFileError && /a\.xmp is not an XMP preset/.test(err.message));
    const sidecarOnly = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="3"/></rdf:RDF></x:xmpmeta>`;
    assert.throws(() => readPresetFile(sidecarOnly, 'b.xmp'), /b\.xmp holds no Camera Raw \(crs:\) develop settings/);
  });
});

for (const backend of storeBackends()) {
  describe(`presets repository: ${backend.name}`, { skip: backend.skip ? 'SHOEBOX_SKIP_POSTGRES=1' : false }, () => {
    let store: Store;
    let presets: PresetsRepo;
    let photos: PhotoPresetsRepo;
    let dir: string;
    before(async () => {
      store = await openStore(await backend.setup());
      presets = new PresetsRepo(store.sql);
      photos = new PhotoPresetsRepo(store.sql);
      dir = mkdtempSync(path.join(tmpdir(), 'shoebox-presets-'));
      await store.ingests.create('ing', [dir]);
      await store.ingests.registerFiles('ing', [
        { kind: 'new', photoId: 'p1', path: path.join(dir, 'a.jpg'), size: 1, mtimeMs: 1 },
        { kind: 'new', photoId: 'p2', path: path.join(dir, 'b.jpg'), size: 1, mtimeMs: 1 },
      ]);
    });
    after(async () => {
      await store?.close();
      await backend.teardown();
      rmSync(dir, { recursive: true, force: true });
    });

    it('seeds the built-ins once, in crs terms, and the default rules ending with a catch-all', async () => {
      const list = await presets.list();
      const ids = list.map((p) => p.id);
      for (const id of ['natural', 'portrait', 'low-light', 'landscape', 'black-and-white', 'document']) assert.ok(ids.includes(`builtin:${id}`), id);
      assert.equal((await presets.get('builtin:black-and-white'))!.settings.ConvertToGrayscale, 'True');
      // A second repository on the same library seeds nothing twice.
      assert.equal((await new PresetsRepo(store.sql).list()).length, list.length);
      const rules = await presets.rules();
      assert.deepEqual(rules.at(-1), { id: 'rule:default', when: [], unless: [], presetId: 'builtin:natural' });
      assert.equal(rules[0]!.id, 'rule:document');
    });

    it('imports a Lightroom preset file; importing it again updates the same preset', async () => {
      const xml = readFileSync(presetFile, 'utf8');
      const { preset, skipped } = await presets.importFile(xml, 'Moody & Warm.xmp');
      assert.equal(preset.id, 'imported:9A3B2C1D0E0F4A5B8C7D6E5F4A3B2C1D');
      assert.equal(preset.source, 'imported');
      assert.equal(preset.group, 'My Presets');
      assert.deepEqual(preset.settings.ToneCurvePV2012, ['0, 0', '128, 140', '255, 255']);
      assert.deepEqual(skipped, ['Look']);
      await presets.importFile(xml.replace('crs:Exposure2012="+0.50"', 'crs:Exposure2012="+0.70"'), 'Moody & Warm.xmp');
      const again = await presets.find('moody & warm');
      assert.equal(again!.settings.Exposure2012, '+0.70');
      assert.equal((await presets.list()).filter((p) => p.name === 'Moody & Warm').length, 1);
    });

    it('edits presets, guards deletes, and keeps rules pointing at presets that exist', async () => {
      const mine = await presets.save({ name: 'Mine', settings: { Exposure2012: '+0.10' } });
      assert.match(mine.id, /^user:/);
      await presets.save({ id: 'builtin:natural', name: 'Natural', settings: { ...(await presets.get('builtin:natural'))!.settings, Vibrance: '+12' } });
      assert.equal((await presets.get('builtin:natural'))!.settings.Vibrance, '+12');
      assert.equal((await presets.get('builtin:natural'))!.source, 'builtin');
      await assert.rejects(presets.save({ name: 'Bad', settings: { 'no spaces': '1' } }));
      await assert.rejects(presets.remove('builtin:natural'), /built in/);
      const rules = await presets.rules();
      await presets.setRules([{ id: 'mine-first', when: ['portrait'], unless: ['night'], presetId: mine.id }, ...rules]);
      await assert.rejects(presets.remove(mine.id), (err: Error) => err instanceof PresetError && /used by rule\(s\) mine-first/.test(err.message));
      await assert.rejects(presets.setRules([{ id: 'x', when: [], unless: [], presetId: 'nope' }]), /does not exist/);
      assert.equal((await presets.rules())[0]!.id, 'mine-first', 'a refused change leaves the rules as they were');
      await presets.setRules(rules);
      await presets.remove(mine.id);
      assert.equal(await presets.get(mine.id), null);
    });

    it('refuses rule lists with a rule that can never run, saying which', async () => {
      const rules = await presets.rules();
      await assert.rejects(presets.setRules([rules.at(-1)!, ...rules.slice(0, -1)]), /rule 1 matches every photo, so the \d+ rule\(s\) after it would never be used/);
      await assert.rejects(presets.setRules([{ id: 'r', when: ['portrait'], unless: ['portrait'], presetId: 'builtin:portrait' }, rules.at(-1)!]), /rule 1 both needs and excludes portrait/);
      assert.deepEqual(await presets.rules(), rules, 'nothing changed');
    });

    it('lists a folder’s photos with their quality score (null before the quality stage)', async () => {
      await store.progress.saveResult('p1', 0, 'quality', { score: 4.6, priority: 'high' });
      const under = await photos.photosUnder(dir);
      assert.deepEqual(under.map((p) => [p.photoId, p.quality]), [['p1', 4.6], ['p2', null]]);
      assert.deepEqual(await photos.photosUnder(dir.slice(0, -1)), [], 'a folder whose name is a prefix of it holds none of them');
      assert.deepEqual(await photos.photosUnder(path.join(dir, 'sub')), []);
    });

    it('stores a photo’s context and suggestion for its revision, its marks and its last sidecar write', async () => {
      const findings = [{ label: 'portrait' as const, reason: 'largest face covers 18% of the frame' }];
      assert.equal(await photos.saveContext('p1', 7, findings, { presetId: 'builtin:portrait', ruleId: 'rule:portrait' }), false, 'stale revision');
      assert.equal(await photos.saveContext('p1', 0, findings, { presetId: 'builtin:portrait', ruleId: 'rule:portrait' }), true);
      const ctx = await photos.context('p1');
      assert.deepEqual([ctx!.revision, ctx!.findings, ctx!.presetId, ctx!.ruleId], [0, findings, 'builtin:portrait', 'rule:portrait']);

      assert.deepEqual(await photos.setMarks(['p1', 'p2', 'missing'], { rating: -1 }), ['p1', 'p2']);
      await photos.setMarks(['p1'], { label: 'Red' });
      assert.deepEqual(await photos.marks('p1'), { rating: -1, label: 'Red' }, 'setting the label keeps the rating');
      await photos.setMarks(['p1'], { rating: null });
      assert.deepEqual(await photos.marks('p1'), { rating: null, label: 'Red' });
      await assert.rejects(photos.setMarks(['p1'], { rating: 6 }), /from -1 \(reject\) to 5/);

      await photos.recordSidecarWrite('p2', { sidecarPath: '/x/b.xmp', sha256: 'abc', presetId: 'builtin:natural' });
      assert.equal((await photos.lastSidecarWrite('p2'))!.sha256, 'abc');
      await store.photos.cancel(['p2']);
    });
  });
}
