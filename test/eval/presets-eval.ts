/**
 * `npm run eval -- --only presets`: context recognition and preset selection (issue 15) on the table of
 * real photos in test/helpers/context-table.ts (the same table test/context-rules.test.ts asserts; its known
 * misses are to-dos there and count here), run as
 * the pipeline runs it (metadata reader, real ONNX face and text models on a ≤ 1600 px preview, tone
 * statistics, the rules). Per context label: precision and recall against the expected labels; then how
 * often the default rules' preset is the expected one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CONTEXT_LABELS, type ContextLabel } from '../../src-shared/presets.js';
import { labelsOf } from '../../src-core/context/context-rules.js';
import { DEFAULT_RULES } from '../../src-core/presets/builtin-presets.js';
import { selectPreset } from '../../src-core/presets/select-preset.js';
import { FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { TextReader } from '../../src-worker/ml/ocr.js';
import { CONTEXT_TABLE, contextOfFile, expectationPath } from '../helpers/context-table.js';
import { findRepoRoot } from '../helpers/photos.js';
import type { EvalRow, EvalSection } from './eval-section.js';

const pct = (n: number, d: number): string => (d === 0 ? '—' : `${((100 * n) / d).toFixed(0)} % (${n}/${d})`);

export const presetsEval: EvalSection = {
  name: 'presets',
  async run({ sharedDir }) {
    const repoRoot = findRepoRoot();
    const rows = CONTEXT_TABLE.filter((r) => fs.existsSync(expectationPath(r, sharedDir, repoRoot)));
    if (rows.length === 0) {
      return { name: 'presets', about: `${sharedDir} holds none of the table's photos: nothing measured.`, rows: [{ measurement: 'photos', value: 'n/a', verdict: 'MISSED (no photos)' }], raw: null };
    }
    const [faces, text] = await Promise.all([FaceAnalyzer.load(), TextReader.load()]);
    const perPhoto: { file: string; knownMiss: string | null; expected: ContextLabel[]; found: ContextLabel[]; reasons: string[]; expectedPreset: string; preset: string }[] = [];
    for (const row of rows) {
      const findings = await contextOfFile(expectationPath(row, sharedDir, repoRoot), faces, text);
      perPhoto.push({
        file: row.file,
        knownMiss: row.knownMiss ?? null,
        expected: row.labels,
        found: findings.map((f) => f.label),
        reasons: findings.map((f) => `${f.label}: ${f.reason}`),
        expectedPreset: row.preset,
        preset: selectPreset(labelsOf(findings), DEFAULT_RULES).presetId,
      });
    }
    const out: EvalRow[] = [];
    const perLabel: Record<string, { tp: number; fp: number; fn: number }> = {};
    for (const label of CONTEXT_LABELS) {
      const c = { tp: 0, fp: 0, fn: 0 };
      for (const p of perPhoto) {
        const e = p.expected.includes(label);
        const f = p.found.includes(label);
        if (e && f) c.tp++;
        else if (f) c.fp++;
        else if (e) c.fn++;
      }
      perLabel[label] = c;
      if (c.tp + c.fp + c.fn === 0) continue; // the table has no photo with or wrongly given this label
      out.push({
        measurement: `${label}: precision / recall`,
        value: `${pct(c.tp, c.tp + c.fp)} / ${pct(c.tp, c.tp + c.fn)}`,
        verdict: c.fp === 0 && c.fn === 0 ? 'met' : `MISSED (${c.fp} wrong, ${c.fn} not found)`,
      });
    }
    const absent = CONTEXT_LABELS.filter((l) => perLabel[l]!.tp + perLabel[l]!.fp + perLabel[l]!.fn === 0);
    if (absent.length > 0) out.push({ measurement: 'labels the table does not exercise', value: absent.join(', '), verdict: 'info' });
    const agree = perPhoto.filter((p) => p.preset === p.expectedPreset).length;
    const wrong = perPhoto.filter((p) => p.preset !== p.expectedPreset);
    const unexplained = wrong.filter((p) => !p.knownMiss).length;
    out.push({
      measurement: 'preset agreement (default rules)',
      value: pct(agree, perPhoto.length),
      target: 'all but known misses',
      verdict: unexplained === 0 ? (wrong.length === 0 ? 'met' : `met (${wrong.length} known)`) : `MISSED: ${unexplained} new`,
    });
    for (const p of perPhoto.filter((x) => x.preset !== x.expectedPreset || x.found.join() !== x.expected.join())) {
      out.push({
        measurement: `  ${p.file}`,
        value: `found ${p.found.join(', ') || 'nothing'} → ${p.preset}; expected ${p.expected.join(', ') || 'nothing'} → ${p.expectedPreset}`,
        verdict: p.knownMiss ? `known: ${p.knownMiss}` : 'NEW MISS',
      });
    }
    return {
      name: 'presets',
      about: `${perPhoto.length} photos of ${sharedDir} and assets/samples with labels judged by eye (test/helpers/context-table.ts; test/context-rules.test.ts asserts the same table, known misses as to-dos) through the pipeline's context recognition and the default selection rules.`,
      rows: out,
      raw: { perPhoto, perLabel },
    };
  },
};
