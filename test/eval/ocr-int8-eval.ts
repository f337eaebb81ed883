/**
 * `npm run eval -- --only ocr-int8` (issue 19): the int8 text detector (SHOEBOX_OCR_DET_MODEL=int8,
 * scripts/quantize-ocr-det.py) against the fp32 one, on the ocr-gate eval's images.
 *   Accuracy: recall of fp32's text lines = lines the int8 read finds with the same text / lines the fp32
 *   read finds (always-on, and gated as the pipeline runs); target ≥ 0.98 for int8 to be the default.
 *   Speed: CPU ms (process.cpuUsage, all threads) of one detector pass at 960 px and at 640 px (the gate),
 *   fp32 and int8 interleaved on every image so machine load hits both alike.
 */
import type { RgbImage } from '../../src-worker/ml/image.js';
import { TextReader, type TextLine } from '../../src-worker/ml/ocr.js';
import { textScene, render, ocrEvalImages } from './ocr-gate-eval.js';
import type { EvalRow, EvalSection } from './eval-section.js';

/** Lines of `found` that match a line of `reference` by text, each reference line used once. */
export function matchedLines(reference: TextLine[], found: TextLine[]): number {
  const left = reference.map((l) => l.text);
  let n = 0;
  for (const l of found) {
    const i = left.indexOf(l.text);
    if (i >= 0) {
      left.splice(i, 1);
      n++;
    }
  }
  return n;
}

/** Lines of `reference` that a line of `found` overlaps (box IoU ≥ 0.5), whatever it reads: found, if not read alike. */
export function overlappedLines(reference: TextLine[], found: TextLine[]): number {
  const iou = (a: TextLine['box'], b: TextLine['box']): number => {
    const w = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
    const h = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
    const inter = w > 0 && h > 0 ? w * h : 0;
    return inter / (a[2] * a[3] + b[2] * b[3] - inter);
  };
  return reference.filter((r) => found.some((f) => iou(r.box, f.box) >= 0.5)).length;
}

async function cpuMs(run: () => Promise<unknown>): Promise<number> {
  const before = process.cpuUsage();
  await run();
  const d = process.cpuUsage(before);
  return (d.user + d.system) / 1000;
}

interface Row {
  name: string;
  kind: string;
  fp32: TextLine[];
  int8: TextLine[];
  fp32Gated: TextLine[];
  int8Gated: TextLine[];
  ms: { fp32Full: number; int8Full: number; fp32Gate: number; int8Gate: number };
}

async function compare(fp32: TextReader, int8: TextReader, name: string, kind: string, img: RgbImage): Promise<Row> {
  const ms = {
    fp32Full: await cpuMs(() => fp32.probabilityMap(img, 960)),
    int8Full: await cpuMs(() => int8.probabilityMap(img, 960)),
    fp32Gate: await cpuMs(() => fp32.probabilityMap(img, 640)),
    int8Gate: await cpuMs(() => int8.probabilityMap(img, 640)),
  };
  return {
    name,
    kind,
    fp32: await fp32.read(img, { gate: false }),
    int8: await int8.read(img, { gate: false }),
    fp32Gated: await fp32.read(img),
    int8Gated: await int8.read(img),
    ms,
  };
}

export const ocrInt8Eval: EvalSection = {
  name: 'ocr-int8',
  async run({ quick }) {
    const [fp32, int8] = await Promise.all([TextReader.load('fp32'), TextReader.load('int8')]);
    const warm = await render(textScene(0).svg, 1);
    for (const r of [fp32, int8]) await r.read(warm, { gate: false }); // the first run sizes buffers
    const rows: Row[] = [];
    for await (const x of ocrEvalImages(quick)) rows.push(await compare(fp32, int8, x.name, x.kind, x.img));

    const count = (k: 'fp32' | 'int8' | 'fp32Gated' | 'int8Gated') => rows.reduce((s, r) => s + r[k].length, 0);
    const matched = (k: 'int8' | 'int8Gated', ref: 'fp32' | 'fp32Gated') => rows.reduce((s, r) => s + matchedLines(r[ref], r[k]), 0);
    const recall = matched('int8', 'fp32') / Math.max(1, count('fp32'));
    const recallGated = matched('int8Gated', 'fp32Gated') / Math.max(1, count('fp32Gated'));
    const mean = (k: keyof Row['ms']) => rows.reduce((s, r) => s + r.ms[k], 0) / Math.max(1, rows.length);
    const gateSkips = (k: 'fp32Gated' | 'int8Gated', ref: 'fp32' | 'int8') => rows.filter((r) => r[ref].length === 0 && r[k].length === 0).length;
    const differing = rows.filter((r) => matchedLines(r.fp32, r.int8) !== r.fp32.length || r.int8.length !== r.fp32.length);
    const out: EvalRow[] = [
      { measurement: 'text lines, always-on: fp32 / int8 / int8 lines with the same text as fp32', value: `${count('fp32')} / ${count('int8')} / ${matched('int8', 'fp32')} in ${rows.length} images`, verdict: 'info' },
      { measurement: 'recall of fp32 lines by int8, always-on', value: recall.toFixed(3), target: '≥ 0.98', verdict: recall >= 0.98 ? 'met' : 'MISSED' },
      {
        measurement: 'fp32 lines an int8 line overlaps (box IoU ≥ 0.5, any text), always-on',
        value: (rows.reduce((s, r) => s + overlappedLines(r.fp32, r.int8), 0) / Math.max(1, count('fp32'))).toFixed(3),
        verdict: 'info',
      },
      { measurement: 'recall of fp32 lines by int8, both gated (the pipeline)', value: `${recallGated.toFixed(3)} (${matched('int8Gated', 'fp32Gated')} of ${count('fp32Gated')}; int8 found ${count('int8Gated')})`, target: '≥ 0.98', verdict: recallGated >= 0.98 ? 'met' : 'MISSED' },
      {
        measurement: 'CPU ms per detector pass, 960 px: fp32 / int8',
        value: `${mean('fp32Full').toFixed(0)} / ${mean('int8Full').toFixed(0)} (${(mean('int8Full') / Math.max(1, mean('fp32Full'))).toFixed(2)}×)`,
        verdict: 'info',
      },
      {
        measurement: 'CPU ms per gate pass, 640 px: fp32 / int8',
        value: `${mean('fp32Gate').toFixed(0)} / ${mean('int8Gate').toFixed(0)} (${(mean('int8Gate') / Math.max(1, mean('fp32Gate'))).toFixed(2)}×)`,
        verdict: 'info',
      },
      { measurement: 'images with no text read, gated: fp32 / int8', value: `${gateSkips('fp32Gated', 'fp32')} / ${gateSkips('int8Gated', 'int8')} of ${rows.length}`, verdict: 'info' },
    ];
    if (differing.length) {
      out.push({
        measurement: 'images where int8 reads differently (fp32 → int8)',
        value: differing.map((r) => `${r.name}: ${r.fp32.map((l) => l.text).join(' | ').slice(0, 50)} → ${r.int8.map((l) => l.text).join(' | ').slice(0, 50)}`).join('; '),
        verdict: 'info',
      });
    }
    return {
      name: 'ocr-int8',
      about: `The int8 text detector vs fp32 on the ocr-gate images (${quick ? 20 : 60} generated signs/documents, ../shared/photos previews, bench corpus previews); same recogniser.`,
      rows: out,
      raw: { images: rows.map((r) => ({ name: r.name, kind: r.kind, fp32: r.fp32.map((l) => l.text), int8: r.int8.map((l) => l.text), fp32Gated: r.fp32Gated.length, int8Gated: r.int8Gated.length, ms: r.ms })) },
    };
  },
};
