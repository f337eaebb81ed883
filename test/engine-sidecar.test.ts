/**
 * Issue 14 end to end (CLI, bundled Redis, real workers, SQLite): a sidecar's rating and keywords
 * reach `inspect`; the worker's exiftool reads a maker-note date; an edited sidecar is re-read on the
 * next scan, an untouched one is not.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { lastJson, runCli } from './helpers/cli.js';
import { isAlive, makeTempDir, removeDir, startTestEngine, waitFor } from './helpers/engine.js';
import { hasPhotos, photosDir } from './helpers/photos.js';

const hasExiftool = (() => {
  try {
    execFileSync('exiftool', ['-ver']);
    return true;
  } catch {
    return false;
  }
})();

interface Summary {
  photos: number;
  completed: number;
  analysed: number;
}

describe('sidecars and the exiftool fallback through the engine', { skip: (!hasExiftool && 'exiftool is not installed') || (!hasPhotos && 'shared photos folder missing') }, () => {
  let dataDir: string;
  let photos: string;
  before(() => {
    dataDir = makeTempDir('sidecar-data');
    photos = makeTempDir('sidecar-photos');
    fs.copyFileSync(path.join(photosDir, 'jpg', 'Canon_40D.jpg'), path.join(photos, 'canon.jpg'));
    fs.copyFileSync(path.join(photosDir, 'jpg', 'Reconyx_HC500_Hyperfire.jpg'), path.join(photos, 'reconyx.jpg'));
    execFileSync('exiftool', ['-q', '-o', path.join(photos, 'canon.xmp'), '-XMP-xmp:Rating=3', '-XMP-xmp:Label=Blue', '-XMP-dc:Subject=wedding', '-XMP-lr:HierarchicalSubject=Events|Wedding']);
  });
  after(() => {
    removeDir(dataDir);
    removeDir(photos);
  });

  const analyze = async (): Promise<Summary> => {
    const result = await runCli(['analyze', photos, '--data', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    return lastJson<Summary>(result.stdout);
  };
  const inspect = async (name: string): Promise<Record<string, unknown> & { metadata: Record<string, unknown> }> => {
    const result = await runCli(['inspect', path.join(photos, name), '--data', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    return JSON.parse(result.stdout);
  };

  it('reads the sidecar, and exiftool where exifr falls short', async () => {
    const first = await analyze();
    assert.equal(first.completed, 2);
    const canon = (await inspect('canon.jpg')).metadata;
    assert.equal(canon.rating, 3);
    assert.equal(canon.label, 'Blue');
    assert.deepEqual(canon.keywords, ['wedding']);
    assert.deepEqual(canon.hierarchicalKeywords, ['Events|Wedding']);
    assert.equal(canon.takenAtSource, 'EXIF DateTimeOriginal');
    assert.equal(canon.reader, 'exifr');
    const reconyx = (await inspect('reconyx.jpg')).metadata;
    assert.equal(reconyx.takenAt, '2020-03-16T10:00:00');
    assert.equal(reconyx.takenAtSource, 'MakerNotes Reconyx:DateTimeOriginal');
    assert.equal(reconyx.reader, 'exifr+exiftool');
  });

  it('an untouched sidecar: no work; an edited one: its photo is read again', async () => {
    assert.equal((await analyze()).analysed, 0);
    const sidecar = path.join(photos, 'canon.xmp');
    execFileSync('exiftool', ['-q', '-overwrite_original', '-XMP-xmp:Rating=5', sidecar]);
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(sidecar, later, later);
    assert.equal((await analyze()).analysed, 1);
    assert.equal((await inspect('canon.jpg')).metadata.rating, 5);
  });

  it('a worker killed with SIGKILL takes its exiftool with it', async () => {
    const data = makeTempDir('sidecar-kill');
    const engine = await startTestEngine(data, { cpuWorkers: 1, mlWorkers: 1 });
    try {
      const summary = await engine.ingest([path.join(photos, 'reconyx.jpg')]);
      assert.equal(summary.completed, 1);
      const worker = engine.pool.pids('cpu')[0]!;
      const exiftools = descendants(worker).filter((pid) => commandLine(pid).includes('exiftool'));
      assert.ok(exiftools.length > 0, 'the CPU worker started exiftool for the maker-note date');
      process.kill(worker, 'SIGKILL');
      await waitFor(() => exiftools.every((pid) => !isAlive(pid)), 15_000, `exiftool ${exiftools.join(', ')} to end with its worker`);
    } finally {
      await engine.stop();
      removeDir(data);
    }
  });
});

/** Every process below `pid` (Linux /proc). */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (p: number): void => {
    for (const child of children.get(p) ?? []) {
      found.push(child);
      walk(child);
    }
  };
  walk(pid);
  return found;
}

function commandLine(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}
