/**
 * `npm run eval [-- --quick] [-- --only NAME]`: quality figures (what the analysis finds and how well),
 * beside `npm run bench` for speed. Prints one table per section and writes
 * bench/results/eval-<date>-<host>.json. Sets are generated from the real photos in ../shared.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { EvalSection, EvalSectionResult } from './eval-section.js';
import { cullingEval } from './culling-eval.js';
import { peopleEval } from './people-eval.js';
import { signalsEval } from './signals-eval.js';
import { fewshotEval } from './fewshot-eval.js';
import { ocrGateEval } from './ocr-gate-eval.js';
import { speedQualityEval } from './speed-quality-eval.js';
import { embeddedPreviewEval } from './embedded-preview-eval.js';
import { ocrInt8Eval } from './ocr-int8-eval.js';
import { presetsEval } from './presets-eval.js';

/** Every section, in the order they run. A new section: one import, one entry. */
const SECTIONS: EvalSection[] = [signalsEval, cullingEval, peopleEval, presetsEval, fewshotEval, ocrGateEval, ocrInt8Eval, speedQualityEval, embeddedPreviewEval];

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..', '..');
const sharedDir = path.resolve(repoRoot, '..', 'shared');

const { values: args } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, only: { type: 'string', multiple: true }, out: { type: 'string' } },
});

function printSection(result: EvalSectionResult): void {
  console.log(`\n## ${result.name}\n${result.about}\n`);
  const header = ['measurement', 'value', 'target', 'verdict'];
  const lines = result.rows.map((r) => [r.measurement, r.value, r.target ?? '', r.verdict ?? '']);
  console.log(`| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|`);
  for (const l of lines) console.log(`| ${l.join(' | ')} |`);
}

async function main(): Promise<void> {
  const chosen = SECTIONS.filter((s) => !args.only || args.only.includes(s.name));
  if (chosen.length === 0) {
    console.error(`no eval section matches ${JSON.stringify(args.only)}; sections: ${SECTIONS.map((s) => s.name).join(', ') || '(none)'}`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(sharedDir, 'photos'))) console.warn(`note: ${sharedDir}/photos is missing; sections that need it will say so`);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoebox-eval-'));
  const results: EvalSectionResult[] = [];
  try {
    for (const section of chosen) {
      const started = performance.now();
      const result = await section.run({ quick: args.quick!, sharedDir, workDir: path.join(workDir, section.name) });
      printSection(result);
      console.log(`(${section.name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
      results.push(result);
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
  const outDir = path.join(repoRoot, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const out = args.out ?? path.join(outDir, `eval-${new Date().toISOString().slice(0, 10)}-${os.hostname()}.json`);
  fs.writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), host: os.hostname(), quick: args.quick, sections: results }, null, 2));
  console.log(`\nwrote ${out}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
