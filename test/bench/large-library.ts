/**
 * The re-run of a large unchanged library (target: 20,000 photos in < 10 s) without analysing
 * 20,000 photos first, which takes hours on 2 cores. A re-run reads no pixels: it scans the folders
 * (stat + a content sniff per file), looks every file up in the store, finds size and mtime
 * unchanged and queues nothing. So the library is written the way a finished ingest leaves it —
 * the real scanner's files registered as new and marked done through the store's own API — and
 * the real `shoebox analyze` runs on it. The bench says that this is how the library was made.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { scanFolders } from '../../src-main/engine/ingest/scan.js';
import { libraryPaths } from '../../src-core/paths.js';
import { openStore } from '../../src-core/store/open-store.js';
import type { FileDecision } from '../../src-core/store/store.js';

const PER_FOLDER = 1000;

/** N small, distinct JPEGs (48 × 32 px of random colour blocks), 1,000 per folder; cached and reused. */
export async function ensureSmallFiles(dir: string, n: number, onProgress?: (done: number) => void): Promise<string> {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const folder = path.join(dir, `f${String(Math.floor(i / PER_FOLDER)).padStart(3, '0')}`);
    const file = path.join(folder, `small-${String(i).padStart(6, '0')}.jpg`);
    if (fs.existsSync(file)) continue;
    fs.mkdirSync(folder, { recursive: true });
    const pixels = crypto.randomBytes(12 * 8 * 3);
    const jpeg = await sharp(pixels, { raw: { width: 12, height: 8, channels: 3 } }).resize(48, 32, { kernel: 'nearest' }).jpeg({ quality: 85 }).toBuffer();
    fs.writeFileSync(file, jpeg);
    if ((i + 1) % 5000 === 0) onProgress?.(i + 1);
  }
  return dir;
}

/** Writes a library in `dataDir` that knows every photo under `root` as analysed (state done). */
export async function writeFinishedLibrary(dataDir: string, root: string): Promise<number> {
  const paths = libraryPaths(dataDir);
  fs.mkdirSync(path.dirname(paths.sqlite), { recursive: true });
  const store = await openStore({ kind: 'sqlite', sqlitePath: paths.sqlite });
  try {
    const ingestId = crypto.randomUUID();
    await store.ingests.create(ingestId, [root]);
    let batch: FileDecision[] = [];
    let count = 0;
    const flush = async () => {
      await store.ingests.registerFiles(ingestId, batch);
      for (const d of batch) await store.progress.completePhoto(d.photoId, 0);
      batch = [];
    };
    for await (const file of scanFolders([root])) {
      batch.push({ kind: 'new', photoId: crypto.randomUUID().replaceAll('-', ''), path: file.path, size: file.size, mtimeMs: file.mtimeMs });
      count++;
      if (batch.length >= 500) await flush();
    }
    await flush();
    await store.ingests.setState(ingestId, 'done');
    return count;
  } finally {
    await store.close();
  }
}
