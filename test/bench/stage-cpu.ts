/**
 * Issue 19: CPU time (not wall time, so a shared machine's load does not blur it) of each part of
 * one photo's analysis, run one after another in this process on corpus photos:
 *   node dist/test/bench/stage-cpu.js [--photos 8] [--preview 1200] [--json] [file…]
 * Parts: preprocess (decode + preview + thumbnail + dHash), metadata, loading the preview for ML,
 * faces, OCR gate, full OCR detection, objects (in this thread: the ML process runs it in a thread),
 * embedding, quality. Per photo, ms of process CPU (user + system, all threads). Metadata's exiftool
 * runs in a process of its own and is not counted here. The speed section (speed-bench.ts) runs it too.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { corpusDir, ensureCorpus } from './corpus.js';
import { readPhotoFile } from '../../src-worker/stages/read-file.js';
import { preprocess } from '../../src-worker/stages/preprocess.js';
import { readMetadata } from '../../src-worker/stages/metadata.js';
import { closeExiftool, sharedExiftool } from '../../src-worker/metadata/exiftool-process.js';
import { loadMlImage } from '../../src-worker/stages/ml-stages.js';
import { FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { configuredTextGate, TextReader } from '../../src-worker/ml/ocr.js';
import { ObjectDetector } from '../../src-worker/ml/objects.js';
import { imageEmbedding } from '../../src-worker/ml/embedding.js';
import { assessQuality } from '../../src-worker/ml/quality.js';

const cpuMs = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;

export async function stageCpu(files: string[], previewSize: number): Promise<Record<string, number>> {
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-stagecpu-'));
  const totals: Record<string, number> = {};
  const time = async <T>(part: string, fn: () => Promise<T>): Promise<T> => {
    const u = process.cpuUsage();
    const out = await fn();
    totals[part] = (totals[part] ?? 0) + cpuMs(process.cpuUsage(u));
    return out;
  };
  try {
    const [faces, text, objects] = await Promise.all([FaceAnalyzer.load(), TextReader.load(), ObjectDetector.load()]);
    const gateSetting = configuredTextGate();
    // One photo un-timed first: the first inference of a session sizes its buffers.
    for (const [i, file] of [files[0]!, ...files].entries()) {
      const t = i === 0 ? async <T>(_: string, fn: () => Promise<T>) => fn() : time;
      const f = await t('read', () => readPhotoFile(file));
      const d = await t('preprocess', () => preprocess({ bytes: f.bytes, contentHash: f.contentHash, cacheDir: path.join(cacheDir, String(i)), previewSize }));
      await t('metadata', () => readMetadata(f.bytes, { path: file, mtimeMs: f.mtimeMs }, { exiftool: sharedExiftool() }));
      const img = await t('ml: load preview', () => loadMlImage(path.join(cacheDir, String(i), d.previewPath)));
      const fc = await t('ml: faces', () => faces.analyze(img));
      // The gate of this process's SHOEBOX_OCR_GATE (confirm by default: a map, then the recogniser's reads).
      const gate = gateSetting ? await t(`ml: OCR gate (${gateSetting.limit} px)`, () => text.mayHaveText(img, gateSetting)) : true;
      if (gate) await t('ml: OCR detect + read (960 px)', () => text.read(img, { gate: false }));
      await t('ml: objects', () => objects.detect(img));
      await t('ml: embedding', () => imageEmbedding(img));
      await t('ml: quality', () => assessQuality(img, fc));
    }
  } finally {
    await closeExiftool();
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
  return Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, Math.round(v / files.length)]));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { photos: { type: 'string', default: '8' }, preview: { type: 'string', default: '1200' }, json: { type: 'boolean', default: false } },
  });
  // Files given on the command line (the speed section passes its own), else the 24 MP bench corpus.
  const files = positionals.length ? positionals : await ensureCorpus(corpusDir(24), Number(values.photos), 24);
  const parts = await stageCpu(files, Number(values.preview));
  if (values.json) {
    console.log(JSON.stringify(parts));
    return;
  }
  console.log('| part | CPU ms per photo |\n|---|---:|');
  for (const [k, v] of Object.entries(parts)) console.log(`| ${k} | ${v} |`);
  console.log(`| total | ${Object.values(parts).reduce((a, b) => a + b, 0)} |`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url) && !process.env.NODE_TEST_CONTEXT) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
