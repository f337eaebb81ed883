/**
 * A rotation correction through a real engine (its redis-server, forked workers, the real face models,
 * SQLite) and the real CLI (issue 17, quick re-analysis after a manual correction):
 *   - a portrait whose pixels were turned 90° (no EXIF orientation to undo it) shows no face; after
 *     "rotate left" its thumbnail and preview are rebuilt upright (sides swapped), the face is found and
 *     joins people, and only that photo's stages ran again — with the bulk and learning lanes paused, so
 *     the re-analysis and its follow-ups went through high_priority;
 *   - the XMP sidecar says tiff:Orientation 8 and keeps what another app wrote in it;
 *   - its export comes out upright (portrait, the face found in the exported file);
 *   - a wrong direction or photo is refused with its reason;
 *   - `shoebox rotate <photo> 180 --json` on the library once the engine stopped.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { dispatch } from '../src-main/engine/api/dispatch.js';
import { createHandlers } from '../src-main/engine/api/handlers.js';
import type { Engine } from '../src-main/engine/engine.js';
import { LibraryOperations } from '../src-main/engine/operations.js';
import { libraryPaths } from '../src-core/paths.js';
import { StageRunsRepo } from '../src-core/store/repos/stage-runs-repo.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { loadRgb } from '../src-worker/ml/image.js';
import { lastJson, runCli } from './helpers/cli.js';
import { makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const facesDir = path.resolve(here, '..', '..', '..', 'shared', 'faces');
const skip = fs.existsSync(facesDir) ? false : `${facesDir} is missing`;

/** Another app's sidecar for the sideways photo: darktable's fields and an orientation as an attribute. */
const FOREIGN_SIDECAR = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:darktable="http://darktable.sf.net/"
    xmlns:tiff="http://ns.adobe.com/tiff/1.0/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
   darktable:history_end="1"
   tiff:Orientation="1"
   xmp:Rating="3">
   <darktable:history><rdf:Seq><rdf:li darktable:operation="exposure" darktable:enabled="1"/></rdf:Seq></darktable:history>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>
`;

interface Detail {
  id: string;
  revision: number;
  state: string;
  derivatives: { thumbnailPath: string; previewPath: string; width: number; height: number } | null;
  results: { detect?: { faces?: unknown[] } };
}

describe('rotation correction through the engine and the CLI', { skip }, () => {
  let dataDir: string;
  let library: string;
  let engine: Engine;
  let call: (method: string, input: unknown) => Promise<{ ok: boolean; result?: unknown; error?: { code: string; message: string } }>;
  const ids = new Map<string, string>();
  const detail = async (name: string): Promise<Detail> => (await call('photos.get', { photoId: ids.get(name)! })).result as Detail;
  const cacheFile = (rel: string) => path.join(libraryPaths(dataDir).cacheDir, rel);
  const dims = async (file: string) => {
    const m = await sharp(file).metadata();
    return { width: m.width!, height: m.height! };
  };

  before(async () => {
    dataDir = makeTempDir('rotation-engine');
    library = path.join(dataDir, 'library');
    fs.mkdirSync(library);
    // A portrait turned on its side in its pixels; sharp writes no EXIF orientation, so nothing undoes it.
    await sharp(path.join(facesDir, 'obama-2.jpg')).rotate(90).jpeg({ quality: 92 }).toFile(path.join(library, 'sideways.jpg'));
    fs.copyFileSync(path.join(facesDir, 'biden-1.jpg'), path.join(library, 'upright.jpg'));
    fs.writeFileSync(path.join(library, 'sideways.xmp'), FOREIGN_SIDECAR);
    engine = await startTestEngine(dataDir);
    call = (method, input) => dispatch(createHandlers(engine, new LibraryOperations(engine.store, engine.lanes, dataDir, null)), method, input);
  });
  after(async () => {
    await engine?.stop().catch(() => undefined);
    if (dataDir) removeDir(dataDir);
  });

  it('rotate left: turned derivatives, the face found, only that photo re-run on high_priority; sidecar and export follow', async () => {
    await engine.ingest([library], {});
    for (const row of await engine.store.sql.all<{ id: string; path: string }>('SELECT id, path FROM photos')) ids.set(path.basename(row.path), row.id);
    const before = await detail('sideways.jpg');
    assert.equal(before.state, 'done');
    assert.equal(before.results.detect?.faces?.length, 0, 'the sideways face is not found');
    assert.ok(before.derivatives!.width > before.derivatives!.height, 'shown sideways (landscape)');
    const thumbBefore = await dims(cacheFile(before.derivatives!.thumbnailPath));
    const stageRuns = new StageRunsRepo(engine.store.sql);
    const uprightRuns = (await stageRuns.listForPhoto(ids.get('upright.jpg')!)).length;
    const sidewaysRuns = (await stageRuns.listForPhoto(ids.get('sideways.jpg')!)).length;
    const clustered = async () => (await engine.store.sql.all<{ n: number | string }>('SELECT COUNT(*) AS n FROM faces WHERE photo_id = ?', [ids.get('sideways.jpg')!]))[0]!.n;
    assert.equal(Number(await clustered()), 0);

    // Only high_priority can serve the correction now.
    await engine.lanes.pause(['default', 'learning', 'maintenance']);
    const asked = Date.now();
    const rotated = await call('photos.rotate', { photoId: ids.get('sideways.jpg')!, direction: 'left' });
    assert.equal(rotated.ok, true, JSON.stringify(rotated.error));
    const outcome = rotated.result as { rotation: number; orientation: number; sidecarPath: string | null; sidecarError: string | null };
    assert.deepEqual([outcome.rotation, outcome.orientation, outcome.sidecarError], [270, 8, null]);
    assert.equal(outcome.sidecarPath, path.join(library, 'sideways.xmp'));

    await waitFor(async () => {
      const d = await detail('sideways.jpg');
      return d.revision === before.revision + 1 && d.state === 'done' && Number(await clustered()) > 0;
    }, 120_000, 'the rotated photo re-analysed and its face clustered');
    process.stdout.write(`# rotate left → re-analysed with its face clustered in ${Date.now() - asked} ms (100 ms polling)\n`);
    const afterRotate = await detail('sideways.jpg');
    assert.equal(afterRotate.results.detect?.faces?.length, 1, 'the face is found once upright');
    assert.deepEqual([afterRotate.derivatives!.width, afterRotate.derivatives!.height], [before.derivatives!.height, before.derivatives!.width]);
    assert.match(afterRotate.derivatives!.thumbnailPath, /-r270\.jpg$/, 'a new thumbnail name, so views load it');
    assert.deepEqual(await dims(cacheFile(afterRotate.derivatives!.thumbnailPath)), { width: thumbBefore.height, height: thumbBefore.width }, 'thumbnail sides swapped');
    const preview = await dims(cacheFile(afterRotate.derivatives!.previewPath));
    assert.ok(preview.height > preview.width, 'preview upright (portrait)');

    const newRuns = (await stageRuns.listForPhoto(ids.get('sideways.jpg')!)).slice(sidewaysRuns);
    const reRun = new Set(newRuns.filter((r) => r.revision === before.revision + 1 && r.outcome === 'done').map((r) => r.stage));
    for (const stage of ['preprocess', 'detect', 'tag', 'embed', 'quality']) assert.ok(reRun.has(stage), `${stage} ran again (ran: ${[...reRun].join(', ')})`);
    assert.equal((await stageRuns.listForPhoto(ids.get('upright.jpg')!)).length, uprightRuns, 'the other photo ran nothing');
    await engine.lanes.resume(['default', 'learning', 'maintenance']);

    const sidecar = fs.readFileSync(path.join(library, 'sideways.xmp'), 'utf8');
    assert.equal(sidecar.match(/<tiff:Orientation>|tiff:Orientation="/g)?.length, 1, `one orientation left: ${sidecar}`);
    assert.match(sidecar, /<tiff:Orientation>8<\/tiff:Orientation>/);
    assert.match(sidecar, /darktable:operation="exposure"/, 'darktable\'s history kept');
    assert.match(sidecar, /xmp:Rating="3"/, 'the rating another app wrote kept');

    const target = path.join(dataDir, 'export');
    const created = await call('exports.create', { photoIds: [ids.get('sideways.jpg')!], targetDir: target, options: { longEdge: 900 } });
    assert.equal(created.ok, true, JSON.stringify(created.error));
    const exportId = (created.result as { id: string }).id;
    await waitFor(async () => ((await call('exports.get', { id: exportId })).result as { state: string }).state === 'done', 120_000, 'the export to finish');
    const exported = path.join(target, fs.readdirSync(target)[0]!);
    const exportedDims = await dims(exported);
    assert.ok(exportedDims.height > exportedDims.width, `export upright (portrait): ${JSON.stringify(exportedDims)}`);
    const faces = await (await FaceAnalyzer.load()).detectBoxes(await loadRgb(exported));
    assert.equal(faces.length, 1, 'the face is found in the exported file');
  });

  it('refuses a wrong direction or photo with its reason', async () => {
    const bad = await call('photos.rotate', { photoId: ids.get('upright.jpg')!, direction: 'up' });
    assert.deepEqual([bad.ok, bad.error?.code], [false, 'bad-request']);
    assert.match(bad.error!.message, /direction/);
    const missing = await call('photos.rotate', { photoId: 'no-such-photo', direction: 'left' });
    assert.deepEqual([missing.ok, missing.error?.code], [false, 'not-found']);
    assert.match(missing.error!.message, /no photo "no-such-photo"/);
  });

  it('shoebox rotate <photo> 180 --json on the library, re-analysed by an engine of its own', async () => {
    await engine.stop();
    const file = path.join(library, 'upright.jpg');
    const usage = await runCli(['rotate', file, 'sideways', '--data', dataDir]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /unknown direction "sideways"/);
    const unknown = await runCli(['rotate', path.join(library, 'nope.jpg'), 'left', '--data', dataDir]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /not in the library/);

    const run = await runCli(['rotate', file, '180', '--json', '--data', dataDir]);
    assert.equal(run.code, 0, run.stderr);
    const report = lastJson<{ rotation: number; orientation: number; sidecarPath: string; reanalysis: { state: string; faces: number; width: number; height: number } }>(run.stdout);
    assert.deepEqual([report.rotation, report.orientation, report.sidecarPath], [180, 3, path.join(library, 'upright.xmp')]);
    assert.equal(report.reanalysis.state, 'done');
    const original = await sharp(file).metadata();
    assert.deepEqual([report.reanalysis.width, report.reanalysis.height], [original.width, original.height], '180° keeps the sides');
    assert.match(fs.readFileSync(report.sidecarPath, 'utf8'), /<tiff:Orientation>3<\/tiff:Orientation>/);
  });
});
