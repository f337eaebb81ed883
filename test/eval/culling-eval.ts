/**
 * Culling eval: duplicate and burst groups found by the REAL pipeline (a real engine analyses a
 * generated set, then its `group` jobs group it), against the set's known truth.
 *
 * The set, from real photos of ../shared (each source scaled to ≤ 1600 px first, EXIF kept):
 *   - duplicates: the source and five edits — half size, JPEG q55, 8 % crop (4 % off each side),
 *     +15 % brightness, WebP — EXIF kept as an export would keep it;
 *   - a mirrored copy (flop, EXIF kept): must NOT join the duplicates;
 *   - a burst: four frames through a window of 84 % of the picture panned 2.5 % per frame, captured
 *     0.4 s apart (DateTimeOriginal + SubSecTimeOriginal, Make/Model of an "EvalCam"), the third one
 *     motion-blurred: one burst group whose pick must not be the blurred frame;
 *   - unrelated photos as distractors.
 * Pairwise precision / recall per kind and overall; then the same features regrouped offline over a
 * threshold grid (the calibration curve in the README).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { toFeatures, type PhotoFeatures } from '../../src-core/culling/features.js';
import { components, type Edge } from '../../src-core/culling/grouping.js';
import { rankGroup } from '../../src-core/culling/ranking.js';
import { classifyPair, DEFAULT_THRESHOLDS, pairEvidence, type GroupingThresholds } from '../../src-core/culling/similarity.js';
import { GroupsRepo, type GroupKind } from '../../src-core/store/repos/groups-repo.js';
import { Engine } from '../../src-main/engine/engine.js';
import { testConfig, waitFor } from '../helpers/engine.js';
import type { EvalRow, EvalSection, EvalSectionResult } from './eval-section.js';

const run = promisify(execFile);

/** Sources: varied cameras, scenes and people; the first QUICK_SOURCES are the quick set. */
const SOURCES = [
  'photos/jpg/exif-org/nikon-e950.jpg',
  'faces/group-obama_biden.jpg',
  'photos/jpg/gps/DSCN0010.jpg',
  'photos/jpg/tests/22-canon_tags.jpg',
  'photos/jpg/exif-org/fujifilm-dx10.jpg',
  'faces/biden-2.jpg',
  'photos/jpg/exif-org/sony-powershota5.jpg',
  'photos/jpg/exif-org/ricoh-rdc5300.jpg',
  'photos/jpg/hdr/canon_hdr_NO.jpg',
  'photos/jpg/mobile/jolla.jpg',
  'faces/obama-1.jpg',
  'photos/jpg/exif-org/kodak-dc240.jpg',
  'photos/jpg/gps/DSCN0025.jpg',
  'photos/jpg/exif-org/canon-ixus.jpg',
];
const DISTRACTORS = [
  'photos/jpg/exif-org/sony-d700.jpg',
  'photos/jpg/gps/DSCN0029.jpg',
  'faces/kit_harington-1.jpg',
  'photos/jpg/exif-org/fujifilm-mx1700.jpg',
  'photos/jpg/gps/DSCN0038.jpg',
  'photos/jpg/tests/36-memory_error.jpg',
  'faces/rose_leslie-1.jpg',
  'photos/jpg/exif-org/olympus-c960.jpg',
];
const QUICK_SOURCES = 5;
const QUICK_DISTRACTORS = 3;
const BURST_FRAMES = 4;
const BLURRED_FRAME = 2;

interface Truth {
  file: string;
  dup: string | null;
  burst: string | null;
  role: 'source' | 'edit' | 'mirror' | 'frame' | 'blurred-frame' | 'distractor';
}

async function writeExif(file: string, args: string[]): Promise<void> {
  await run('exiftool', ['-q', '-overwrite_original', ...args, file]);
}

export async function buildSet(sharedDir: string, dir: string, quick: boolean): Promise<Truth[]> {
  fs.mkdirSync(dir, { recursive: true });
  const truth: Truth[] = [];
  const sources = SOURCES.slice(0, quick ? QUICK_SOURCES : SOURCES.length);
  for (const [i, rel] of sources.entries()) {
    const name = `s${String(i).padStart(2, '0')}`;
    // Scaled once to ≤ 1600 px (the preview size) so the eval runs in minutes; EXIF kept.
    const src = await sharp(path.join(sharedDir, rel)).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).keepMetadata().jpeg({ quality: 92 }).toBuffer();
    const { width: w = 0, height: h = 0 } = await sharp(src).metadata();
    const put = async (file: string, data: Promise<Buffer> | Buffer, t: Omit<Truth, 'file'>): Promise<string> => {
      const full = path.join(dir, file);
      fs.writeFileSync(full, await data);
      truth.push({ file: full, ...t });
      return full;
    };
    const dup = `${name}-dup`;
    await put(`${name}-source.jpg`, src, { dup, burst: null, role: 'source' });
    await put(`${name}-half.jpg`, sharp(src).resize(Math.round(w / 2)).keepMetadata().jpeg({ quality: 85 }).toBuffer(), { dup, burst: null, role: 'edit' });
    await put(`${name}-q55.jpg`, sharp(src).keepMetadata().jpeg({ quality: 55 }).toBuffer(), { dup, burst: null, role: 'edit' });
    const cx = Math.round(w * 0.04);
    const cy = Math.round(h * 0.04);
    await put(`${name}-crop8.jpg`, sharp(src).extract({ left: cx, top: cy, width: w - 2 * cx, height: h - 2 * cy }).keepMetadata().jpeg({ quality: 90 }).toBuffer(), {
      dup,
      burst: null,
      role: 'edit',
    });
    await put(`${name}-bright.jpg`, sharp(src).linear(1.15, 0).keepMetadata().jpeg({ quality: 90 }).toBuffer(), { dup, burst: null, role: 'edit' });
    await put(`${name}-edit.webp`, sharp(src).keepMetadata().webp({ quality: 80 }).toBuffer(), { dup, burst: null, role: 'edit' });
    await put(`${name}-mirror.jpg`, sharp(src).flop().keepMetadata().jpeg({ quality: 90 }).toBuffer(), { dup: null, burst: null, role: 'mirror' });
    // The burst: a panning window, 0.4 s apart, one frame motion-blurred (a horizontal box kernel).
    const ww = Math.round(w * 0.84);
    const wh = Math.round(h * 0.84);
    const base = Date.UTC(2021, 5, 1 + i, 10, 0, 0);
    for (let k = 0; k < BURST_FRAMES; k++) {
      let frame = sharp(src).extract({ left: Math.round(w * 0.025 * k), top: Math.round(h * 0.08), width: ww, height: wh });
      if (k === BLURRED_FRAME) {
        const size = 15;
        // sharp wants a kernel at least 3 high: the middle row only.
        frame = sharp(await frame.toBuffer()).convolve({ width: size, height: 3, kernel: Array.from({ length: 3 * size }, (_, j) => (j >= size && j < 2 * size ? 1 : 0)) });
      }
      const file = await put(`${name}-burst${k}.jpg`, frame.jpeg({ quality: 90 }).toBuffer(), {
        dup: null,
        burst: `${name}-burst`,
        role: k === BLURRED_FRAME ? 'blurred-frame' : 'frame',
      });
      const at = new Date(base + 400 * k);
      const stamp = `${at.toISOString().slice(0, 19).replace('T', ' ').replace(/-/g, ':')}`;
      const sub = String(at.getUTCMilliseconds()).padStart(3, '0');
      await writeExif(file, [`-DateTimeOriginal=${stamp}`, `-SubSecTimeOriginal=${sub}`, '-Make=EvalCam', `-Model=Burst ${name}`]);
    }
  }
  for (const [i, rel] of DISTRACTORS.slice(0, quick ? QUICK_DISTRACTORS : DISTRACTORS.length).entries()) {
    const file = path.join(dir, `d${String(i).padStart(2, '0')}.jpg`);
    fs.writeFileSync(file, await sharp(path.join(sharedDir, rel)).rotate().resize(1600, 1600, { fit: 'inside', withoutEnlargement: true }).keepMetadata().jpeg({ quality: 92 }).toBuffer());
    truth.push({ file, dup: null, burst: null, role: 'distractor' });
  }
  return truth;
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

function pairsOf(groups: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>();
  for (const g of groups) for (let i = 0; i < g.length; i++) for (let j = i + 1; j < g.length; j++) out.add(pairKey(g[i]!, g[j]!));
  return out;
}

interface PR {
  precision: number;
  recall: number;
  truePairs: number;
  predictedPairs: number;
  correct: number;
}

function pr(predicted: Set<string>, truth: Set<string>): PR {
  let correct = 0;
  for (const p of predicted) if (truth.has(p)) correct++;
  return {
    precision: predicted.size ? correct / predicted.size : 1,
    recall: truth.size ? correct / truth.size : 1,
    truePairs: truth.size,
    predictedPairs: predicted.size,
    correct,
  };
}

function truthGroups(truth: readonly Truth[], kind: GroupKind): string[][] {
  const by = new Map<string, string[]>();
  for (const t of truth) {
    const g = kind === 'duplicate' ? t.dup : t.burst;
    if (g) by.set(g, [...(by.get(g) ?? []), t.file]);
  }
  return [...by.values()];
}

/** Offline regroup of the stored features under other thresholds (what a full regroup would give). */
function groupsUnder(features: readonly PhotoFeatures[], t: GroupingThresholds): Record<GroupKind, string[][]> {
  const edges: Edge[] = [];
  for (let i = 0; i < features.length; i++) {
    for (let j = i + 1; j < features.length; j++) {
      const kind = classifyPair(features[i]!, features[j]!, t);
      if (kind) edges.push({ a: features[i]!.path, b: features[j]!.path, kind });
    }
  }
  return { duplicate: components(edges, [], 'duplicate'), burst: components(edges, [], 'burst') };
}

const f3 = (v: number): string => v.toFixed(3);

export const cullingEval: EvalSection = {
  name: 'culling',
  async run({ quick, sharedDir, workDir }): Promise<EvalSectionResult> {
    const setDir = path.join(workDir, 'set');
    const started = performance.now();
    const truth = await buildSet(sharedDir, setDir, quick);
    const engine = await Engine.start(testConfig(path.join(workDir, 'library'), { cpuWorkers: 1, mlWorkers: 1 }), { consoleLevel: false });
    let analysis: Awaited<ReturnType<Engine['ingest']>>;
    let groups: Awaited<ReturnType<GroupsRepo['listGroups']>>;
    let features: PhotoFeatures[];
    try {
      analysis = await engine.ingest([setDir], { lane: 'default' });
      // The group jobs follow each photo's analysis; wait until the lanes are empty.
      await waitFor(async () => (await engine.lanes.pendingJobCount()) === 0, 10 * 60_000, 'the group jobs');
      const repo = new GroupsRepo(engine.store.sql);
      groups = await repo.listGroups({ limit: 10_000 });
      const ids = (await engine.store.photos.list({ limit: 100_000, offset: 0 })).map((p) => p.id);
      features = (await repo.photoRows(ids)).map(toFeatures);
    } finally {
      await engine.stop();
    }
    const seconds = (performance.now() - started) / 1000;

    const byFile = new Map(truth.map((t) => [t.file, t]));
    const predicted: Record<GroupKind, string[][]> = { duplicate: [], burst: [] };
    for (const g of groups) predicted[g.kind].push(g.members.map((m) => m.path));
    const truePairs = { duplicate: pairsOf(truthGroups(truth, 'duplicate')), burst: pairsOf(truthGroups(truth, 'burst')) };
    const score = (p: Record<GroupKind, string[][]>) => {
      const dup = pr(pairsOf(p.duplicate), truePairs.duplicate);
      const burst = pr(pairsOf(p.burst), truePairs.burst);
      const overall = pr(
        new Set([...pairsOf(p.duplicate)].map((x) => `d:${x}`).concat([...pairsOf(p.burst)].map((x) => `b:${x}`))),
        new Set([...truePairs.duplicate].map((x) => `d:${x}`).concat([...truePairs.burst].map((x) => `b:${x}`))),
      );
      return { dup, burst, overall };
    };
    const engineScore = score(predicted);

    // Picks: the blurred frame, or a frame with closed eyes while another member has all eyes open.
    const featuresByPath = new Map(features.map((f) => [f.path, f]));
    let burstGroupsWithBlur = 0;
    let blurredPicks = 0;
    let closedEyePicks = 0;
    let groupsWithOpenAlternative = 0;
    const picks: { group: string; kind: GroupKind; pick: string; reasons: string[] }[] = [];
    for (const g of groups) {
      const pick = g.members.find((m) => m.machinePick)!;
      picks.push({ group: g.id, kind: g.kind, pick: path.basename(pick.path), reasons: pick.reasons });
      if (g.members.some((m) => byFile.get(m.path)?.role === 'blurred-frame') && g.members.some((m) => byFile.get(m.path)?.role === 'frame')) {
        burstGroupsWithBlur++;
        if (byFile.get(pick.path)?.role === 'blurred-frame') blurredPicks++;
      }
      const eyes = (p: string) => featuresByPath.get(p)?.faces ?? [];
      if (g.members.some((m) => eyes(m.path).length > 0 && eyes(m.path).every((x) => x.eyeState === 'open'))) {
        groupsWithOpenAlternative++;
        if (eyes(pick.path).some((x) => x.eyeState === 'closed')) closedEyePicks++;
      }
    }

    // Calibration: the same features regrouped under a grid of thresholds.
    const curve: { dupDistance: number; dupHamming: number; burstDistance: number; dup: PR; burst: PR; overall: PR }[] = [];
    for (const dupDistance of [0.01, 0.02, 0.03, 0.035, 0.04, 0.05, 0.06, 0.08, 0.1]) {
      for (const dupHamming of [8, 14, 17, 20, 24, 64]) {
        for (const burstDistance of [0.1, 0.15, 0.2, 0.3, 0.4, 0.5]) {
          const t = { ...DEFAULT_THRESHOLDS, dupDistance, dupHamming, burstDistance };
          curve.push({ dupDistance, dupHamming, burstDistance, ...score(groupsUnder(features, t)) });
        }
      }
    }
    // The evidence behind the curve: distance of each related pair and of the nearest unrelated ones.
    const evidence = { editToSource: [] as { file: string; distance: number | null; hamming: number | null }[], mirror: [] as { file: string; distance: number | null }[], frames: [] as { a: string; b: string; distance: number | null; hamming: number | null }[] };
    for (const t of truth) {
      const f = featuresByPath.get(t.file);
      const src = featuresByPath.get(t.file.replace(/-[a-z0-9]+\.(jpg|webp)$/, '-source.jpg'));
      if (!f || !src || f === src) continue;
      const e = pairEvidence(src, f);
      if (t.role === 'edit') evidence.editToSource.push({ file: path.basename(t.file), distance: e.distance, hamming: e.hamming });
      if (t.role === 'mirror') evidence.mirror.push({ file: path.basename(t.file), distance: e.distance });
    }
    for (const g of truthGroups(truth, 'burst')) {
      for (let i = 0; i + 1 < g.length; i++) {
        const a = featuresByPath.get(g[i]!);
        const b = featuresByPath.get(g[i + 1]!);
        if (a && b) {
          const e = pairEvidence(a, b);
          evidence.frames.push({ a: path.basename(g[i]!), b: path.basename(g[i + 1]!), distance: e.distance, hamming: e.hamming });
        }
      }
    }

    // The mistakes, with their evidence, to see what a threshold change would trade.
    const truthPairSet = (kind: GroupKind) => truePairs[kind];
    const mistakes: { kind: GroupKind; type: 'false' | 'missed'; a: string; b: string; distance: number | null; hamming: number | null; mirror: boolean }[] = [];
    for (const kind of ['duplicate', 'burst'] as const) {
      const predictedPairs = pairsOf(predicted[kind]);
      const note = (type: 'false' | 'missed', key: string) => {
        const [a, b] = key.split('|') as [string, string];
        const fa = featuresByPath.get(a);
        const fb = featuresByPath.get(b);
        const e = fa && fb ? pairEvidence(fa, fb) : { distance: null, hamming: null, mirror: false };
        mistakes.push({ kind, type, a: path.basename(a), b: path.basename(b), ...e });
      };
      for (const p of predictedPairs) if (!truthPairSet(kind).has(p)) note('false', p);
      for (const p of truthPairSet(kind)) if (!predictedPairs.has(p)) note('missed', p);
    }

    const met = (v: number, target: number): string => (v >= target ? 'met' : `MISSED (${f3(v)} < ${target})`);
    const rows: EvalRow[] = [
      { measurement: 'photos analysed (set)', value: `${analysis.photos} (${analysis.failed} failed) in ${seconds.toFixed(0)} s`, verdict: 'info' },
      { measurement: 'duplicate pairs: precision', value: f3(engineScore.dup.precision), target: '≥ 0.95', verdict: met(engineScore.dup.precision, 0.95) },
      { measurement: 'duplicate pairs: recall', value: f3(engineScore.dup.recall), target: '≥ 0.95', verdict: met(engineScore.dup.recall, 0.95) },
      { measurement: 'burst pairs: precision', value: f3(engineScore.burst.precision), target: '≥ 0.95', verdict: met(engineScore.burst.precision, 0.95) },
      { measurement: 'burst pairs: recall', value: f3(engineScore.burst.recall), target: '≥ 0.95', verdict: met(engineScore.burst.recall, 0.95) },
      { measurement: 'all pairs: precision', value: f3(engineScore.overall.precision), target: '≥ 0.95', verdict: met(engineScore.overall.precision, 0.95) },
      { measurement: 'all pairs: recall', value: f3(engineScore.overall.recall), target: '≥ 0.95', verdict: met(engineScore.overall.recall, 0.95) },
      {
        measurement: 'mirrored copies grouped as duplicates',
        value: String(groups.filter((g) => g.kind === 'duplicate' && g.members.some((m) => byFile.get(m.path)?.role === 'mirror')).length),
        target: '0',
        verdict: groups.some((g) => g.kind === 'duplicate' && g.members.some((m) => byFile.get(m.path)?.role === 'mirror')) ? 'MISSED' : 'met',
      },
      { measurement: 'burst picks that are the blurred frame', value: `${blurredPicks} of ${burstGroupsWithBlur}`, target: '0', verdict: blurredPicks === 0 ? 'met' : 'MISSED' },
      {
        measurement: 'picks with closed eyes while an all-eyes-open frame exists',
        value: `${closedEyePicks} of ${groupsWithOpenAlternative}`,
        target: '0',
        verdict: closedEyePicks === 0 ? 'met' : 'MISSED',
      },
    ];
    // Sanity: ranking the truth groups directly never picks the blurred frame either.
    let truthBlurPicks = 0;
    for (const g of truthGroups(truth, 'burst')) {
      const ranked = rankGroup(g.map((p) => featuresByPath.get(p)).filter((f): f is PhotoFeatures => !!f));
      if (byFile.get(ranked.find((r) => r.pick)?.photoId ? features.find((f) => f.id === ranked.find((r) => r.pick)!.photoId)!.path : '')?.role === 'blurred-frame') truthBlurPicks++;
    }
    rows.push({ measurement: 'blurred picks when ranking the true bursts', value: `${truthBlurPicks} of ${truthGroups(truth, 'burst').length}`, target: '0', verdict: truthBlurPicks === 0 ? 'met' : 'MISSED' });
    return {
      name: 'culling',
      about: `${truth.length} photos from ${quick ? QUICK_SOURCES : SOURCES.length} sources of ../shared (each: source + 5 edits, a mirror, a 4-frame burst 0.4 s apart with one frame blurred) and unrelated distractors; analysed by a real engine, grouped by its group jobs with the default thresholds ${JSON.stringify(DEFAULT_THRESHOLDS)}.`,
      rows,
      raw: { thresholds: DEFAULT_THRESHOLDS, engine: engineScore, picks, mistakes, evidence, curve, seconds },
    };
  },
};
