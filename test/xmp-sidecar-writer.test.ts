/**
 * Issue 15, writing XMP sidecars: every property Shoebox writes is read back exactly by exiftool (the
 * reference) and by exifr (the metadata stage's own reader); sidecars exiftool produced with a darktable
 * history, hand-made crs: settings and a custom namespace keep every foreign property after Shoebox writes;
 * a worker killed between the temp file and the rename leaves the old sidecar, never a torn one; a sidecar
 * changed by another app during the merge is re-read; read-only and full file systems fail with a reason.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import sharp from 'sharp';
import { readXmpSidecar } from '../src-worker/metadata/exifr-reader.js';
import { readXmpFields } from '../src-worker/metadata/xmp-fields.js';
import { mergeSidecar, type SidecarUpdate } from '../src-core/xmp/sidecar-merge.js';
import { SidecarWriteError, sidecarPathFor, writeSidecar } from '../src-core/xmp/sidecar-writer.js';

type Tags = Record<string, unknown>;

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

function exiftoolJson(file: string, extra: string[] = []): Tags {
  const out = execFileSync('exiftool', ['-xmp:all', '-json', '-G1', ...extra, file], { encoding: 'utf8' });
  const [tags] = JSON.parse(out) as Tags[];
  delete tags!.SourceFile;
  return tags!;
}

const root = mkdtempSync(path.join(tmpdir(), 'shoebox-xmp-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

/** A real small JPEG in its own folder (the "original" that must never change). */
async function newPhoto(name = 'photo.jpg'): Promise<{ dir: string; photo: string }> {
  const dir = path.join(root, `case-${++seq}`);
  mkdirSync(dir, { recursive: true });
  const photo = path.join(dir, name);
  await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg().toFile(photo);
  return { dir, photo };
}

const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

const FULL_UPDATE: SidecarUpdate = {
  develop: {
    ProcessVersion: '11.0',
    Exposure2012: '+0.35',
    Contrast2012: '-12',
    Highlights2012: '-40',
    Temperature: '5600',
    ConvertToGrayscale: 'False',
    HasSettings: 'True',
    ToneCurvePV2012: ['0, 0', '64, 56', '192, 200', '255, 255'],
  },
  rating: -1,
  label: 'Purple',
  keywords: ['dog', 'Évora', 'beach & sea'],
  hierarchicalKeywords: ['Shoebox|dog', 'People|Obama', 'Places|Portugal|Évora'],
  regions: {
    imageWidth: 4000,
    imageHeight: 3000,
    list: [
      { name: 'Obama', type: 'Face', x: 0.5, y: 0.375, w: 0.125, h: 0.25 },
      { name: null, type: 'Face', x: 0.1, y: 0.9, w: 0.05, h: 0.0625 },
    ],
  },
  shoebox: { Preset: 'Portrait', PresetId: 'builtin:portrait', Rule: 'portrait', Context: ['portrait', 'golden-hour'] },
};

describe('XMP sidecar writer', { skip: hasExiftool ? false : 'exiftool is not installed' }, () => {
  it('writes every property so that exiftool and exifr read it back exactly, and never touches the photo', async () => {
    const { photo } = await newPhoto();
    const before = sha(photo);
    const mtime = statSync(photo).mtimeMs;
    const result = await writeSidecar(photo, FULL_UPDATE, { naming: 'stem' });
    assert.equal(result.sidecarPath, photo.replace(/\.jpg$/, '.xmp'));
    assert.equal(result.merged, false);
    assert.equal(sha(photo), before, 'the original is byte-for-byte unchanged');
    assert.equal(statSync(photo).mtimeMs, mtime);

    const tags = exiftoolJson(result.sidecarPath);
    assert.equal(tags['XMP-crs:ProcessVersion'], 11);
    assert.equal(tags['XMP-crs:Exposure2012'], '+0.35');
    assert.equal(tags['XMP-crs:Contrast2012'], -12);
    assert.equal(tags['XMP-crs:Highlights2012'], -40);
    assert.equal(tags['XMP-crs:ColorTemperature'], 5600, 'exiftool calls crs:Temperature ColorTemperature');
    assert.equal(tags['XMP-crs:ConvertToGrayscale'], false);
    assert.deepEqual(tags['XMP-crs:ToneCurvePV2012'], ['0, 0', '64, 56', '192, 200', '255, 255']);
    assert.equal(tags['XMP-xmp:Rating'], -1);
    assert.equal(tags['XMP-xmp:Label'], 'Purple');
    assert.deepEqual(tags['XMP-dc:Subject'], ['dog', 'Évora', 'beach & sea']);
    assert.deepEqual(tags['XMP-lr:HierarchicalSubject'], ['Shoebox|dog', 'People|Obama', 'Places|Portugal|Évora']);
    assert.equal(tags['XMP-shoebox:Preset'], 'Portrait');
    assert.deepEqual(tags['XMP-shoebox:Context'], ['portrait', 'golden-hour']);

    // Bag vs Seq, and the region maths, as exiftool's structures.
    const structured = exiftoolJson(result.sidecarPath, ['-struct']);
    const regions = structured['XMP-mwg-rs:RegionInfo'] as { AppliedToDimensions: Tags; RegionList: { Area: Tags; Name?: string; Type: string }[] };
    assert.deepEqual(regions.AppliedToDimensions, { W: 4000, H: 3000, Unit: 'pixel' });
    assert.deepEqual(regions.RegionList, [
      { Area: { H: 0.25, Unit: 'normalized', W: 0.125, X: 0.5, Y: 0.375 }, Name: 'Obama', Type: 'Face' },
      { Area: { H: 0.0625, Unit: 'normalized', W: 0.05, X: 0.1, Y: 0.9 }, Type: 'Face' },
    ]);
    const text = readFileSync(result.sidecarPath, 'utf8');
    assert.match(text, /<dc:subject><rdf:Bag>/);
    assert.match(text, /<crs:ToneCurvePV2012><rdf:Seq>/);

    // exifr, through the metadata stage's own reading of XMP fields.
    const fields = readXmpFields(await readXmpSidecar(readFileSync(result.sidecarPath)));
    assert.equal(fields.rating, -1);
    assert.equal(fields.pick, 'reject');
    assert.equal(fields.label, 'Purple');
    assert.deepEqual(fields.keywords, ['dog', 'Évora', 'beach & sea']);
    assert.deepEqual(fields.hierarchicalKeywords, ['Shoebox|dog', 'People|Obama', 'Places|Portugal|Évora']);
    assert.deepEqual(
      fields.regions.map((r) => ({ ...r })),
      [
        { name: 'Obama', type: 'Face', x: 0.5, y: 0.375, w: 0.125, h: 0.25, unit: 'normalized' },
        { name: null, type: 'Face', x: 0.1, y: 0.9, w: 0.05, h: 0.0625, unit: 'normalized' },
      ],
    );
  });

  it('names the sidecar photo.xmp or photo.jpg.xmp as set, and reuses an existing .XMP spelling', async () => {
    const { dir, photo } = await newPhoto('IMG_1.jpg');
    assert.equal(await sidecarPathFor(photo, 'stem'), path.join(dir, 'IMG_1.xmp'));
    assert.equal(await sidecarPathFor(photo, 'full'), path.join(dir, 'IMG_1.jpg.xmp'));
    const written = await writeSidecar(photo, { rating: 3 }, { naming: 'full' });
    assert.equal(written.sidecarPath, path.join(dir, 'IMG_1.jpg.xmp'));
    writeFileSync(path.join(dir, 'IMG_1.XMP'), readFileSync(written.sidecarPath));
    assert.equal(await sidecarPathFor(photo, 'stem'), path.join(dir, 'IMG_1.XMP'));
    await assert.rejects(sidecarPathFor(path.join(dir, 'a.xmp'), 'stem'), SidecarWriteError);
  });

  it('merges into a sidecar exiftool wrote (darktable history, hand-made crs settings, a custom namespace) keeping every foreign property', async () => {
    const { dir, photo } = await newPhoto('DSC_0042.jpg');
    const sidecar = path.join(dir, 'DSC_0042.xmp');
    // A darktable sidecar, as darktable writes it (attributes, history as an rdf:Seq of structs)…
    writeFileSync(
      sidecar,
      `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="XMP Core 4.4.0-Exiv2">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:darktable="http://darktable.sf.net/"
    xmlns:acme="http://example.com/acme/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
   xmp:Rating="2" darktable:xmp_version="5" darktable:history_end="2" acme:Project="Summer" acme:Reviewed="yes">
   <darktable:history>
    <rdf:Seq>
     <rdf:li darktable:num="0" darktable:operation="exposure" darktable:enabled="1" darktable:modversion="6" darktable:params="00000000cdcccc3e" darktable:multi_name=""/>
     <rdf:li darktable:num="1" darktable:operation="colorbalancergb" darktable:enabled="1" darktable:modversion="5" darktable:params="gz14eJxjYGhgsB" darktable:multi_name="warm"/>
    </rdf:Seq>
   </darktable:history>
   <dc:subject><rdf:Bag><rdf:li>holiday</rdf:li><rdf:li>Évora</rdf:li></rdf:Bag></dc:subject>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`,
    );
    // …then rewritten by exiftool with settings a person made in Lightroom and a face region from another app.
    execFileSync('exiftool', [
      '-overwrite_original',
      '-XMP-crs:Exposure2012=+1.20',
      '-XMP-crs:Vibrance=+25',
      '-XMP-crs:Sharpness=40',
      '-XMP-lr:HierarchicalSubject=Trips|Portugal',
      '-XMP-mwg-rs:RegionInfo={AppliedToDimensions={W=4000,H=3000,Unit=pixel},RegionList=[{Area={X=0.2,Y=0.3,W=0.1,H=0.1,Unit=normalized},Name=Anna,Type=Face}]}',
      sidecar,
    ]);
    const foreign = exiftoolJson(sidecar);
    assert.equal(foreign['XMP-darktable:HistoryOperation'] !== undefined, true, 'fixture carries a darktable history');
    assert.equal(foreign['XMP-acme:Project'], 'Summer');

    const photoSha = sha(photo);
    const result = await writeSidecar(
      photo,
      {
        develop: { Exposure2012: '+0.35', Contrast2012: '+10' },
        rating: 4,
        label: 'Green',
        keywords: ['dog'],
        hierarchicalKeywords: ['Shoebox|dog'],
        regions: { imageWidth: 4000, imageHeight: 3000, list: [{ name: 'Obama', type: 'Face', x: 0.6, y: 0.5, w: 0.1, h: 0.2 }] },
        shoebox: { Preset: 'Natural' },
      },
      { naming: 'stem' },
    );
    assert.equal(result.merged, true);
    assert.equal(sha(photo), photoSha);
    const afterTags = exiftoolJson(sidecar);
    const owned = new Set(['XMP-crs:Exposure2012', 'XMP-xmp:Rating', 'XMP-dc:Subject', 'XMP-lr:HierarchicalSubject']);
    for (const [key, value] of Object.entries(foreign)) {
      if (owned.has(key) || key.startsWith('XMP-mwg-rs:')) continue;
      assert.deepEqual(afterTags[key], value, `${key} is unchanged`);
    }
    assert.equal(afterTags['XMP-crs:Exposure2012'], '+0.35', 'the preset sets what it owns');
    assert.equal(afterTags['XMP-crs:Vibrance'], '+25', "the person's other crs settings stay");
    assert.equal(afterTags['XMP-crs:Sharpness'], 40);
    assert.equal(afterTags['XMP-xmp:Rating'], 4);
    assert.deepEqual(afterTags['XMP-dc:Subject'], ['holiday', 'Évora', 'dog'], 'foreign keywords kept, ours added');
    assert.deepEqual(afterTags['XMP-lr:HierarchicalSubject'], ['Trips|Portugal', 'Shoebox|dog']);
    const regions = (exiftoolJson(sidecar, ['-struct'])['XMP-mwg-rs:RegionInfo'] as { RegionList: { Name: string }[] }).RegionList;
    assert.deepEqual(regions.map((r) => r.Name), ['Anna', 'Obama'], "another app's face region is kept next to ours");
  });

  it('on the next write replaces only what Shoebox wrote before; a person’s later changes stay', () => {
    const first = mergeSidecar(null, {
      develop: { Exposure2012: '+0.35', Clarity2012: '+10', Vibrance: '+5' },
      keywords: ['dog', 'beach'],
      regions: { imageWidth: 10, imageHeight: 10, list: [{ name: 'Obama', type: 'Face', x: 0.5, y: 0.5, w: 0.2, h: 0.2 }] },
    });
    // The person edits in another app: changes Clarity by hand and adds a keyword.
    const edited = first.replace('<crs:Clarity2012>+10</crs:Clarity2012>', '<crs:Clarity2012>+30</crs:Clarity2012>').replace('<rdf:li>beach</rdf:li>', '<rdf:li>beach</rdf:li><rdf:li>mine</rdf:li>');
    const second = mergeSidecar(edited, {
      develop: { Exposure2012: '-0.20' },
      keywords: ['cat'],
      regions: { imageWidth: 10, imageHeight: 10, list: [{ name: 'Michelle', type: 'Face', x: 0.3, y: 0.3, w: 0.1, h: 0.1 }] },
    });
    assert.match(second, /<crs:Exposure2012>-0.20<\/crs:Exposure2012>/);
    assert.match(second, /<crs:Clarity2012>\+30<\/crs:Clarity2012>/, 'changed by hand: kept');
    assert.doesNotMatch(second, /crs:Vibrance/, 'written by Shoebox, untouched since, no longer in the preset: removed');
    assert.match(second, /<dc:subject><rdf:Bag><rdf:li>mine<\/rdf:li><rdf:li>cat<\/rdf:li><\/rdf:Bag><\/dc:subject>/);
    assert.doesNotMatch(second, /Obama/, "Shoebox's previous region is replaced");
    assert.match(second, /Michelle/);
    const again = mergeSidecar(second, { develop: { Exposure2012: '-0.20' }, keywords: ['cat'] });
    assert.equal(mergeSidecar(again, { develop: { Exposure2012: '-0.20' }, keywords: ['cat'] }), again, 'the same write twice changes nothing (no pile-up)');
  });

  it('re-reads and merges a sidecar another app changed while Shoebox was merging', async () => {
    const { dir, photo } = await newPhoto();
    const sidecar = path.join(dir, 'photo.xmp');
    await writeSidecar(photo, { rating: 1 }, { naming: 'stem' });
    let raced = false;
    await writeSidecar(photo, { rating: 5, keywords: ['dog'] }, {
      naming: 'stem',
      beforeRename: async () => {
        if (raced) return;
        raced = true;
        execFileSync('exiftool', ['-overwrite_original', '-XMP-crs:Vibrance=+33', '-XMP-dc:Subject+=lightroom', sidecar]);
      },
    });
    const tags = exiftoolJson(sidecar);
    assert.equal(tags['XMP-crs:Vibrance'], '+33', "the other app's write is kept");
    assert.deepEqual(tags['XMP-dc:Subject'], ['lightroom', 'dog']);
    assert.equal(tags['XMP-xmp:Rating'], 5);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temp file left');
  });

  it('leaves a sidecar that is not XMP untouched, with a clear reason', async () => {
    const { dir, photo } = await newPhoto();
    const sidecar = path.join(dir, 'photo.xmp');
    writeFileSync(sidecar, '<x:xmpmeta><rdf:RDF>truncated');
    await assert.rejects(writeSidecar(photo, { rating: 2 }, { naming: 'stem' }), (err: Error) => {
      assert.ok(err instanceof SidecarWriteError);
      assert.match(err.message, /is not readable XMP .*left untouched/);
      return true;
    });
    assert.equal(readFileSync(sidecar, 'utf8'), '<x:xmpmeta><rdf:RDF>truncated');
  });

  it('a worker killed between the temp file and the rename leaves the old sidecar, never a torn one', async () => {
    const { dir, photo } = await newPhoto();
    const sidecar = path.join(dir, 'photo.xmp');
    await writeSidecar(photo, { rating: 2, keywords: ['old'] }, { naming: 'stem' });
    const old = readFileSync(sidecar, 'utf8');
    const here = fileURLToPath(import.meta.url);
    const fromSource = here.endsWith('.ts');
    const writer = new URL(`../src-core/xmp/sidecar-writer.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
    const script = `
      const { writeSidecar } = await import(${JSON.stringify(writer)});
      await writeSidecar(${JSON.stringify(photo)}, { rating: 5, keywords: ['new'], develop: { Exposure2012: '+1.00' } }, {
        naming: 'stem',
        beforeRename: async (temp) => { process.stdout.write('TEMP ' + temp + '\\n'); await new Promise(() => setInterval(() => {}, 1000)); },
      });`;
    const child = spawn(process.execPath, [...(fromSource ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const temp = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /TEMP (.+)\n/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}) before writing the temp file: ${stderr}`)));
    });
    assert.ok(existsSync(temp), 'the temp file is on disk');
    assert.match(readFileSync(temp, 'utf8'), /<xmp:Rating>5<\/xmp:Rating>/, 'the temp file holds the complete new sidecar');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    assert.equal(readFileSync(sidecar, 'utf8'), old, 'the sidecar is exactly the old one');
    assert.equal(exiftoolJson(sidecar)['XMP-xmp:Rating'], 2);
    // The next write completes, over the same sidecar.
    await writeSidecar(photo, { rating: 5 }, { naming: 'stem' });
    assert.equal(exiftoolJson(sidecar)['XMP-xmp:Rating'], 5);
    assert.equal(exiftoolJson(sidecar)['XMP-dc:Subject'], 'old');
  });

  const canMount = process.getuid?.() === 0;
  it('a read-only folder and a full disk fail the write with a clear reason and lose nothing', { skip: canMount ? false : 'needs root to mount a small tmpfs' }, async () => {
    const mnt = mkdtempSync(path.join(tmpdir(), 'shoebox-mnt-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt]);
    try {
      const photo = path.join(mnt, 'p.jpg');
      writeFileSync(photo, readFileSync((await newPhoto()).photo));
      await writeSidecar(photo, { rating: 1, keywords: ['kept'] }, { naming: 'stem' });
      const old = readFileSync(path.join(mnt, 'p.xmp'), 'utf8');
      // Full: fill the file system, then try to write a large update.
      try {
        writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(256 * 1024));
      } catch {
        // ENOSPC: the disk is now full, as intended
      }
      await assert.rejects(writeSidecar(photo, { rating: 4, keywords: Array.from({ length: 2000 }, (_, i) => `keyword-${i}`) }, { naming: 'stem' }), /the disk is full/);
      assert.equal(readFileSync(path.join(mnt, 'p.xmp'), 'utf8'), old);
      assert.deepEqual(readdirSync(mnt).filter((f) => f.endsWith('.tmp')), []);
      rmSync(path.join(mnt, 'filler'), { force: true });
      // Read-only.
      execFileSync('mount', ['-o', 'remount,ro', mnt]);
      await assert.rejects(writeSidecar(photo, { rating: 4 }, { naming: 'stem' }), /read-only file system/);
      assert.equal(readFileSync(path.join(mnt, 'p.xmp'), 'utf8'), old);
    } finally {
      execFileSync('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
