/**
 * Context recognition and preset selection (issue 15): each rule at its thresholds on built inputs, then a
 * table of real photos from ../shared (their metadata read by the metadata stage, faces and text found by
 * the real ONNX models, tone measured on the file) with the labels and the preset the default rules pick.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { getTimes } from 'suncalc';
import { DEFAULT_RULES } from '../src-core/presets/builtin-presets.js';
import { describeRule, selectPreset } from '../src-core/presets/select-preset.js';
import type { ContextLabel } from '../src-shared/presets.js';
import { labelsOf, recogniseContext, type ContextInput, type ImageStats } from '../src-core/context/context-rules.js';
import { FaceAnalyzer } from '../src-worker/ml/faces.js';
import { TextReader } from '../src-worker/ml/ocr.js';
import { findRepoRoot } from './helpers/photos.js';
import { CONTEXT_TABLE, contextOfFile, expectationPath } from './helpers/context-table.js';

const STATS: ImageStats = { meanLuma: 120, centreLuma: 120, borderLuma: 120, clippedHighlights: 0, colourfulness: 40, faceLuma: [] };

function input(over: Partial<ContextInput> = {}): ContextInput {
  return {
    takenAt: null, gps: null, iso: null, exposureTime: null, fNumber: null, focalLength: null, width: 1000, height: 1000,
    faces: [], objects: [], text: [], noiseSigma: null, stats: STATS, ...over,
  };
}

const labels = (i: ContextInput): ContextLabel[] => recogniseContext(i).map((f) => f.label);

/** A capture time `minutes` after sunset at a place, written with its UTC offset (Z). */
function afterSunset(lat: number, lon: number, day: string, minutes: number): string {
  const sunset = getTimes(new Date(`${day}T12:00:00Z`), lat, lon).sunset!;
  return new Date(sunset.getTime() + minutes * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

describe('context rules', () => {
  const evora = { lat: 38.57, lon: -7.91 };
  it('time of day from the sun at the capture time and place', () => {
    assert.deepEqual(labels(input({ gps: evora, takenAt: afterSunset(evora.lat, evora.lon, '2019-06-21', -240) })), ['daylight']);
    assert.deepEqual(labels(input({ gps: evora, takenAt: afterSunset(evora.lat, evora.lon, '2019-06-21', -20) })), ['golden-hour']);
    assert.deepEqual(labels(input({ gps: evora, takenAt: afterSunset(evora.lat, evora.lon, '2019-06-21', 30) })), ['blue-hour']);
    assert.deepEqual(labels(input({ gps: evora, takenAt: afterSunset(evora.lat, evora.lon, '2019-06-21', 150) })), ['night']);
    const reason = recogniseContext(input({ gps: evora, takenAt: afterSunset(evora.lat, evora.lon, '2019-06-21', -20) }))[0]!.reason;
    assert.match(reason, /^sun \d\.\d° above the horizon \(recorded time/);
  });

  it('a time without an offset is solar time at the longitude; a date without a time says nothing; no GPS: a dark frame at night hours', () => {
    assert.match(recogniseContext(input({ gps: evora, takenAt: '2019-06-21T13:00:00' }))[0]!.reason, /taken as solar time at longitude -7\.9°/);
    assert.deepEqual(labels(input({ gps: evora, takenAt: '2019-06-21T00:00:00' })), []);
    assert.deepEqual(labels(input({ takenAt: '2019-06-21T23:10:00', stats: { ...STATS, meanLuma: 40 } })), ['night', 'low-light']);
    assert.deepEqual(labels(input({ takenAt: '2019-06-21T23:10:00' })), [], 'a bright frame at 23:10 (clock wrong, or floodlit): no night');
  });

  it('low light from the exposure value, high ISO from ISO or measured noise', () => {
    // f/2, 1/30 s, ISO 1600: EV100 = log2(4·30) − 4 ≈ 2.9.
    assert.deepEqual(labels(input({ fNumber: 2, exposureTime: 1 / 30, iso: 1600 })), ['low-light']);
    // f/8, 1/250 s, ISO 100: EV100 ≈ 14 (sunny).
    assert.deepEqual(labels(input({ fNumber: 8, exposureTime: 1 / 250, iso: 100 })), []);
    assert.deepEqual(labels(input({ fNumber: 8, exposureTime: 1 / 250, iso: 6400 })), ['high-iso']);
    assert.deepEqual(labels(input({ noiseSigma: 5.2 })), ['high-iso']);
    assert.deepEqual(labels(input({ noiseSigma: 5.2, iso: 64 })), [], 'at ISO 64 the measured “noise” is texture');
    assert.deepEqual(labels(input({ stats: { ...STATS, meanLuma: 30 } })), ['low-light']);
  });

  it('portrait, group, landscape and document from what was found in the frame', () => {
    assert.deepEqual(labels(input({ faces: [{ box: [0.4, 0.2, 0.25, 0.3] }] })), ['portrait']);
    assert.deepEqual(labels(input({ faces: [{ box: [0.4, 0.2, 0.1, 0.1] }] })), [], 'a 1 % face is not a portrait');
    const three = [0.1, 0.4, 0.7].map((x) => ({ box: [x, 0.3, 0.1, 0.1] as [number, number, number, number] }));
    assert.deepEqual(labels(input({ faces: three })), ['group']);
    assert.deepEqual(labels(input({ width: 1600, height: 1000, focalLength: 24 })), ['landscape']);
    assert.deepEqual(labels(input({ width: 1600, height: 1000, focalLength: 200 })), [], 'telephoto: not a landscape');
    assert.deepEqual(labels(input({ width: 1000, height: 1600 })), [], 'upright frame');
    const lines = [0.1, 0.3, 0.5].map((y) => ({ text: 'Invoice 2019', box: [0.1, y, 0.8, 0.05] as [number, number, number, number] }));
    assert.deepEqual(labels(input({ width: 1600, height: 1000, text: lines })), ['document']);
    assert.deepEqual(labels(input({ objects: [{ label: 'laptop', score: 0.9, box: [0.1, 0.1, 0.6, 0.6] }] })), ['document']);
  });

  it('backlit and black-and-white from the tones', () => {
    assert.deepEqual(labels(input({ stats: { ...STATS, centreLuma: 70, borderLuma: 200, clippedHighlights: 0.08 } })), ['backlit']);
    assert.deepEqual(labels(input({ faces: [{ box: [0.4, 0.3, 0.25, 0.3] }], stats: { ...STATS, faceLuma: [60] } })), ['portrait', 'backlit']);
    assert.deepEqual(labels(input({ stats: { ...STATS, colourfulness: 1.5 } })), ['black-and-white']);
  });

  it('selection: the first rule whose labels the photo all has, unless excluded; the default otherwise', () => {
    const pick = (...l: ContextLabel[]): string => selectPreset(new Set(l), DEFAULT_RULES).presetId;
    assert.equal(pick('portrait', 'golden-hour'), 'builtin:warm-portrait');
    assert.equal(pick('portrait', 'daylight'), 'builtin:portrait');
    assert.equal(pick('landscape', 'golden-hour'), 'builtin:landscape');
    assert.equal(pick('night', 'landscape'), 'builtin:low-light');
    assert.equal(pick('document', 'portrait'), 'builtin:document');
    assert.deepEqual(selectPreset(new Set(), DEFAULT_RULES), { presetId: 'builtin:natural', ruleId: 'rule:default' });
    assert.deepEqual(selectPreset(new Set(['portrait']), []), { presetId: 'builtin:natural', ruleId: null });
    const custom = [{ id: 'r', when: ['portrait' as const], unless: ['night' as const], presetId: 'p' }];
    assert.equal(selectPreset(new Set(['portrait', 'night']), custom).ruleId, null);
    assert.equal(describeRule(custom[0]!, 'Soft'), 'portrait, not night → Soft');
  });
});

const root = findRepoRoot();
const shared = path.join(root, '..', 'shared');

describe('context of real photos', { skip: existsSync(path.join(shared, 'faces')) ? false : '../shared photos are not here' }, () => {
  let faces: FaceAnalyzer;
  let text: TextReader;
  before(async () => {
    faces = await FaceAnalyzer.load();
    text = await TextReader.load();
  });

  for (const row of CONTEXT_TABLE) {
    it(`${row.file}: ${row.labels.join(', ') || 'no label'} → ${row.preset}`, { todo: row.knownMiss ?? false }, async () => {
      const findings = await contextOfFile(expectationPath(row, shared, root), faces, text);
      assert.deepEqual(findings.map((f) => f.label), row.labels, findings.map((f) => `${f.label}: ${f.reason}`).join('\n'));
      for (const f of findings) assert.ok(f.reason.length > 10, `${f.label} has a reason`);
      assert.equal(selectPreset(labelsOf(findings), DEFAULT_RULES).presetId, row.preset);
    });
  }
});
