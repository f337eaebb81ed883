/**
 * `npm run eval -- --only ocr-gate` (issue 19): the text-presence gate against always-on OCR.
 *   Sets: generated signs, labels and documents (SVG text of 12–140 px on a 1600 px photo-like
 *   background, dark and light, some slanted, some small in the frame) and every photo of
 *   ../shared/photos as a preview (the real photos with text among them), plus the bench corpus's
 *   kind of text-free landscapes.
 *   Before = always-on OCR (`read(img, { gate: false })`); after = the gated read. Recall = text lines
 *   the gated read finds / lines always-on OCR finds, over every image; target ≥ 0.95.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { preprocess } from '../../src-worker/stages/preprocess.js';
import { corpusDir, ensureCorpus } from '../bench/corpus.js';
import { loadRgb, type RgbImage } from '../../src-worker/ml/image.js';
import { CONFIRMING_TEXT_GATE, DEFAULT_TEXT_GATE, gatePasses, TEXT_GATE, TextReader, type TextGate, type TextLine } from '../../src-worker/ml/ocr.js';
import { mulberry32 } from '../helpers/prng.js';
import { qualityPhotos } from '../helpers/quality-sets.js';
import type { EvalRow, EvalSection } from './eval-section.js';

const WORDS = ['OPEN', 'Bakery', 'EXIT', 'Platform 4', 'Hotel Central', 'No parking', 'SALE 50%', 'Coffee & Tea', 'Main Street', 'Tickets', 'Museum', 'Pharmacy', 'Bus stop 12', 'Welcome', 'Fresh bread daily', 'Route 66'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** A photo-like background (sky, ground, blobs) with `text` drawn as the scene's sign or page. */
export function textScene(i: number, scale = 1): { svg: string; kind: string } {
  const r = mulberry32(i * 104729 + 7);
  const w = 1600;
  const h = 1067;
  const hue = Math.floor(r() * 360);
  const bg = `<rect width="100%" height="100%" fill="hsl(${hue},35%,55%)"/>
    <rect y="${(h * (0.4 + r() * 0.3)).toFixed(0)}" width="100%" height="100%" fill="hsl(${(hue + 90) % 360},30%,35%)"/>
    ${Array.from({ length: 6 }, () => `<ellipse cx="${(r() * w).toFixed(0)}" cy="${(r() * h).toFixed(0)}" rx="${(40 + r() * 200).toFixed(0)}" ry="${(30 + r() * 120).toFixed(0)}" fill="hsl(${Math.floor(r() * 360)},40%,${Math.floor(30 + r() * 40)}%)" opacity="0.6"/>`).join('')}`;
  const kinds = ['sign', 'small sign', 'document', 'label', 'slanted sign'] as const;
  const kind = kinds[i % kinds.length]!;
  const word = () => esc(WORDS[Math.floor(r() * WORDS.length)]!);
  const dark = r() < 0.5;
  const ink = dark ? '#111' : '#f5f5f5';
  const plate = dark ? '#f0ead8' : '#1d3b6a';
  let fg = '';
  if (kind === 'sign' || kind === 'slanted sign' || kind === 'small sign') {
    const size = kind === 'small sign' ? 14 + Math.floor(r() * 14) : 40 + Math.floor(r() * 100);
    const text = word();
    const tw = text.length * size * 0.62;
    const x = r() * Math.max(10, w - tw - 40) + 20;
    const y = r() * (h - size * 2.5) + size * 1.5;
    const rot = kind === 'slanted sign' ? (r() - 0.5) * 20 : 0;
    fg = `<g transform="rotate(${rot.toFixed(1)} ${x.toFixed(0)} ${y.toFixed(0)})"><rect x="${(x - size * 0.4).toFixed(0)}" y="${(y - size * 1.1).toFixed(0)}" width="${(tw + size * 0.8).toFixed(0)}" height="${(size * 1.5).toFixed(0)}" fill="${plate}" rx="${(size / 6).toFixed(0)}"/><text x="${x.toFixed(0)}" y="${y.toFixed(0)}" font-family="DejaVu Sans" font-weight="bold" font-size="${size}" fill="${ink}">${text}</text></g>`;
  } else if (kind === 'document') {
    const size = 12 + Math.floor(r() * 14);
    const x = 200 + r() * 300;
    const lines = Array.from({ length: 8 }, (_, k) => `<text x="${(x + 30).toFixed(0)}" y="${(180 + k * size * 1.6).toFixed(0)}" font-family="DejaVu Serif" font-size="${size}" fill="#222">${word()} ${word().toLowerCase()} ${word().toLowerCase()}</text>`).join('');
    fg = `<rect x="${x.toFixed(0)}" y="120" width="${(size * 30).toFixed(0)}" height="${(size * 16).toFixed(0)}" fill="#fbfaf5"/>${lines}`;
  } else {
    const size = 20 + Math.floor(r() * 24);
    const x = 300 + r() * 800;
    const y = 300 + r() * 500;
    fg = `<rect x="${x.toFixed(0)}" y="${y.toFixed(0)}" width="${(size * 9).toFixed(0)}" height="${(size * 3).toFixed(0)}" fill="#fff"/><text x="${(x + size * 0.5).toFixed(0)}" y="${(y + size * 1.2).toFixed(0)}" font-family="DejaVu Sans" font-size="${size}" fill="#000">${word()}</text><text x="${(x + size * 0.5).toFixed(0)}" y="${(y + size * 2.5).toFixed(0)}" font-family="DejaVu Sans" font-size="${Math.round(size * 0.7)}" fill="#333">${word()}</text>`;
  }
  return { svg: `<svg xmlns="http://www.w3.org/2000/svg" width="${w * scale}" height="${h * scale}" viewBox="0 0 ${w} ${h}">${bg}${fg}</svg>`, kind };
}

/** Rendered with grain added, as a JPEG of `quality`. */
export async function renderJpeg(svg: string, seed: number, quality = 82): Promise<Buffer> {
  const { data, info } = await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const r = mulberry32(seed);
  for (let k = 0; k < data.length; k++) data[k] = Math.max(0, Math.min(255, data[k]! + Math.round((r() - 0.5) * 16)));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

/** Rendered, grain added, and stored like a preview (JPEG q82) before it is read back. */
export async function render(svg: string, seed: number): Promise<RgbImage> {
  return loadRgb(await renderJpeg(svg, seed));
}

interface Measured {
  name: string;
  kind: string;
  always: TextLine[];
  gatePassed: boolean;
  fullMs: number;
  gatedMs: number;
  /** Whether each swept gate lets the image through, by gateKey. */
  sweep: Record<string, boolean>;
  /** Each swept confirming step: whether it lets the image through, and the gate's ms (map + reads + looks inside). */
  confirm: Record<string, { passed: boolean; ms: number }>;
}

/**
 * The confirming gate swept: the size of its map (small print must be readable there: at 640 px a page
 * of 12 px print in a 4,800 px photo is not), what one read needs (score, characters) and how many boxes it reads.
 */
type Confirm = NonNullable<TextGate['confirm']>;
const CONFIRM_SWEEP: TextGate[] = [
  { ...TEXT_GATE, limit: 640, confirm: { boxes: 4, minScore: 0.5, minChars: 1 } },
  { ...TEXT_GATE, limit: 640, confirm: { boxes: 4, minScore: 0.7, minChars: 1 } },
  { ...TEXT_GATE, limit: 640, confirm: { boxes: 8, minScore: 0.7, minChars: 1 } },
  { ...TEXT_GATE, limit: 704, confirm: { boxes: 4, minScore: 0.7, minChars: 1 } },
  { ...TEXT_GATE, limit: 768, confirm: { boxes: 4, minScore: 0.7, minChars: 1 } },
  { ...TEXT_GATE, limit: 768, confirm: { boxes: 4, minScore: 0.7, minChars: 2 } },
  { ...TEXT_GATE, limit: 832, confirm: { boxes: 4, minScore: 0.7, minChars: 1 } },
];
/** A gate in words, for the rows. */
const describeGate = (g: TextGate): string => (g.confirm ? `confirming: ${confirmKey(g)}` : `cells: ${gateKey(g)}`);
const confirmKey = (g: TextGate): string => {
  const c: Confirm = g.confirm!;
  return `${g.limit}px, ${c.boxes} boxes, ≥ ${c.minScore}, ≥ ${c.minChars} char`;
};

const SWEEP_LIMITS = [480, 640];
const SWEEP_THRESHOLDS = [0.1, 0.2, 0.3];
const SWEEP_CELLS = [1, 3];
const gateKey = (g: TextGate): string => `${g.limit}px >${g.threshold} ×${g.minCells}`;
const SWEEP: TextGate[] = SWEEP_LIMITS.flatMap((limit) => SWEEP_THRESHOLDS.flatMap((threshold) => SWEEP_CELLS.map((minCells) => ({ limit, threshold, minCells }))));

async function measure(reader: TextReader, name: string, kind: string, img: RgbImage): Promise<Measured> {
  let t = performance.now();
  const always = await reader.read(img, { gate: false });
  const fullMs = performance.now() - t;
  t = performance.now();
  await reader.read(img);
  const gatedMs = performance.now() - t;
  const sweep: Record<string, boolean> = {};
  for (const limit of SWEEP_LIMITS) {
    const { prob } = await reader.probabilityMap(img, limit);
    for (const g of SWEEP.filter((x) => x.limit === limit)) sweep[gateKey(g)] = gatePasses(prob, g);
  }
  const confirm: Measured['confirm'] = {};
  for (const g of CONFIRM_SWEEP) {
    t = performance.now();
    const passed = await reader.mayHaveText(img, g);
    confirm[confirmKey(g)] = { passed, ms: performance.now() - t };
  }
  // The gate only skips: when it lets the image through, the gated read is the always-on read.
  return { name, kind, always, gatePassed: await reader.mayHaveText(img), fullMs, gatedMs, sweep, confirm };
}

/**
 * The ocr-gate eval's images, one at a time: generated signs/documents (20 quick, 60 full), every photo of
 * ../shared/photos as a preview, and the speed section's synthetic 24 MP landscapes (text-free) as the
 * preprocess stage previews them — their grainy skies and hills excite the detector.
 */
export async function* ocrEvalImages(quick: boolean): AsyncGenerator<{ name: string; kind: string; img: RgbImage }> {
  const generated = quick ? 20 : 60;
  for (let i = 0; i < generated; i++) {
    const scene = textScene(i);
    yield { name: `generated-${i}`, kind: `generated ${scene.kind}`, img: await render(scene.svg, i + 1) };
  }
  for (const p of await qualityPhotos()) yield { name: p.rel, kind: 'shared photo', img: p.img };
  const benchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-gate-bench-'));
  const previewOf = async (bytes: Buffer): Promise<RgbImage> => {
    const d = await preprocess({ bytes, contentHash: createHash('sha1').update(bytes).digest('hex'), cacheDir: benchDir });
    return loadRgb(path.join(benchDir, d.previewPath));
  };
  try {
    // The same scenes drawn at 4,800 px and previewed as a camera file is: small print gets smaller still.
    // Other scenes than the speed-quality eval's (1000 + i), which stays an independent check.
    for (let i = 0; i < (quick ? 10 : 30); i++) {
      const scene = textScene(2000 + i, 3);
      yield { name: `generated-4800-${i}`, kind: `generated 4800 px ${scene.kind}`, img: await previewOf(await renderJpeg(scene.svg, i + 7, 90)) };
    }
    for (const file of await ensureCorpus(corpusDir(24), quick ? 4 : 8, 24)) {
      yield { name: path.basename(file), kind: 'bench corpus photo (24 MP, text-free)', img: await previewOf(fs.readFileSync(file)) };
    }
  } finally {
    fs.rmSync(benchDir, { recursive: true, force: true });
  }
}

export const ocrGateEval: EvalSection = {
  name: 'ocr-gate',
  async run({ quick }) {
    const reader = await TextReader.load();
    await reader.read(await render(textScene(0).svg, 1), { gate: false }); // warm-up: the first run sizes buffers
    const results: Measured[] = [];
    const generated = quick ? 20 : 60;
    for await (const x of ocrEvalImages(quick)) results.push(await measure(reader, x.name, x.kind, x.img));

    const lines = (m: Measured[]) => m.reduce((s, x) => s + x.always.length, 0);
    const kept = (m: Measured[]) => m.reduce((s, x) => s + (x.gatePassed ? x.always.length : 0), 0);
    const recall = kept(results) / Math.max(1, lines(results));
    const kinds = [...new Set(results.map((r) => r.kind))];
    const withText = results.filter((r) => r.always.length > 0);
    const noText = results.filter((r) => r.always.length === 0);
    const sum = (m: Measured[], k: 'fullMs' | 'gatedMs') => m.reduce((s, x) => s + x[k], 0);
    const rows: EvalRow[] = [
      {
        measurement: 'text lines: always-on OCR (before) / gated (after)',
        value: `${lines(results)} / ${kept(results)} in ${results.length} images (${withText.length} with text)`,
        verdict: 'info',
      },
      { measurement: 'recall of text lines, gated vs always-on', value: recall.toFixed(3), target: '≥ 0.95', verdict: recall >= 0.95 ? 'met' : 'MISSED' },
      ...kinds.map((k) => {
        const m = results.filter((r) => r.kind === k);
        return {
          measurement: `  ${k}: lines always-on / gated; images with text the gate skipped; text-free images it skipped`,
          value: `${lines(m)} / ${kept(m)}; ${m.filter((r) => r.always.length > 0 && !r.gatePassed).length} of ${m.filter((r) => r.always.length > 0).length}; ${m.filter((r) => r.always.length === 0 && !r.gatePassed).length} of ${m.filter((r) => r.always.length === 0).length}`,
          verdict: 'info',
        };
      }),
      {
        measurement: `images where always-on OCR found nothing: skipped by the default gate (${describeGate(DEFAULT_TEXT_GATE)})`,
        value: `${noText.filter((r) => !r.gatePassed).length} of ${noText.length}`,
        verdict: 'info',
      },
      {
        measurement: 'OCR time, all images: always-on / gated (one process, machine shared)',
        value: `${(sum(results, 'fullMs') / 1000).toFixed(1)} s / ${(sum(results, 'gatedMs') / 1000).toFixed(1)} s (${(sum(results, 'gatedMs') / Math.max(1, sum(results, 'fullMs'))).toFixed(2)}×)`,
        verdict: 'info',
      },
      {
        measurement: 'OCR ms per text-free image: always-on / gated',
        value: `${(sum(noText, 'fullMs') / Math.max(1, noText.length)).toFixed(0)} / ${(sum(noText, 'gatedMs') / Math.max(1, noText.length)).toFixed(0)}`,
        verdict: 'info',
      },
    ];
    // Each swept gate: recall, and the share of text-free images it skips (cost ∝ limit² + the full pass where it lets through).
    const sweepRows = SWEEP.map((g) => {
      const k = gateKey(g);
      const keptG = results.reduce((s, x) => s + (x.sweep[k] ? x.always.length : 0), 0);
      const skipped = noText.filter((r) => !r.sweep[k]).length;
      const fullRuns = results.filter((r) => r.sweep[k]).length;
      const cost = (results.length * (g.limit / 960) ** 2 + fullRuns) / results.length;
      return { gate: k, recall: keptG / Math.max(1, lines(results)), skippedTextFree: skipped / Math.max(1, noText.length), detCostVsAlwaysOn: cost };
    });
    rows.push({
      measurement: 'gate sweep → recall / text-free skipped / detector cost vs always-on (this set)',
      value: sweepRows.map((r) => `${r.gate}: ${r.recall.toFixed(3)} / ${(100 * r.skippedTextFree).toFixed(0)} % / ${r.detCostVsAlwaysOn.toFixed(2)}`).join('; '),
      verdict: `info (SHOEBOX_OCR_GATE=cells: ${gateKey(TEXT_GATE)})`,
    });
    // The confirming step: the cells gate, then the recogniser on the map's best boxes (and inside them).
    const bench = results.filter((r) => r.kind.startsWith('bench'));
    const meanMs = (m: Measured[], k: string) => m.reduce((s, x) => s + x.confirm[k]!.ms, 0) / Math.max(1, m.length);
    const confirmRows = CONFIRM_SWEEP.map((c) => {
      const k = confirmKey(c);
      const passes = (r: Measured) => r.confirm[k]!.passed;
      return {
        gate: k,
        recall: results.reduce((s, x) => s + (passes(x) ? x.always.length : 0), 0) / Math.max(1, lines(results)),
        skippedTextFree: noText.filter((r) => !passes(r)).length / Math.max(1, noText.length),
        benchSkipped: `${bench.filter((r) => !passes(r)).length} of ${bench.length}`,
        ms: `${meanMs(noText, k).toFixed(0)} / ${meanMs(withText, k).toFixed(0)} / ${meanMs(bench, k).toFixed(0)}`,
        lost: results.filter((r) => r.always.length > 0 && !passes(r)).map((r) => `${r.name} (${r.always.map((l) => l.text).join(' | ').slice(0, 40)})`),
      };
    });
    rows.push({
      measurement: 'confirming gate sweep → recall / text-free skipped / bench-corpus photos skipped / gate ms per text-free, with-text, bench image',
      value: confirmRows.map((r) => `${r.gate}: ${r.recall.toFixed(3)} / ${(100 * r.skippedTextFree).toFixed(0)} % / ${r.benchSkipped} / ${r.ms}`).join('; '),
      verdict: `info (SHOEBOX_OCR_GATE=confirm, the default: ${confirmKey(CONFIRMING_TEXT_GATE)})`,
    });
    for (const r of confirmRows.filter((x) => x.lost.length)) rows.push({ measurement: `  lost by ${r.gate}`, value: r.lost.join('; '), verdict: 'info' });
    const missed = results.filter((r) => r.always.length > 0 && !r.gatePassed).map((r) => ({ name: r.name, lines: r.always.map((l) => l.text) }));
    if (missed.length) rows.push({ measurement: 'images whose lines the gate lost', value: missed.map((m) => `${m.name} (${m.lines.join(' | ').slice(0, 60)})`).join('; '), verdict: 'info' });
    return {
      name: 'ocr-gate',
      about:
        `Generated signs/documents/labels (${generated}, 12–140 px text on a 1600 px photo-like background, JPEG q82) and every photo of ../shared/photos as a preview; before = always-on OCR, after = the default text gate first (${describeGate(DEFAULT_TEXT_GATE)}).`,
      rows,
      raw: { sweep: sweepRows, confirmSweep: confirmRows, images: results.map((r) => ({ name: r.name, kind: r.kind, lines: r.always.map((l) => l.text), gatePassed: r.gatePassed, sweep: r.sweep, fullMs: Math.round(r.fullMs), gatedMs: Math.round(r.gatedMs) })) },
    };
  },
};
