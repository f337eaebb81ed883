/**
 * `npm run eval -- --only signals`: the two signals culling builds on.
 *   Eye state — the hand-labelled faces of test/fixtures/eye-labels.json through the real face models:
 *     before = the old rule (both eyes' closed probability > 0.5), after = the gated eyeState; and the
 *     per-eye closed threshold swept over the judged faces.
 *   Quality — every photo of ../shared/photos as a preview (its score histogram by 0.5 bands), the
 *     photos judged sharp and well exposed (share in 3.5–4.5), and five degraded copies of each
 *     photograph (share scoring below their original; share of the sharp ones' copies below 3.5).
 */
import { EYE_GATES, judgeEyeState, type EyeGates } from '../../src-worker/ml/eye-state.js';
import { FaceAnalyzer } from '../../src-worker/ml/faces.js';
import { assessQuality } from '../../src-worker/ml/quality.js';
import { eyeConfusion, measureEyeLabels, oldEyeVerdict, type EyeConfusion, type MeasuredFace } from '../helpers/eye-labels.js';
import { madeClosedFaces } from '../helpers/made-closed.js';
import { degrade, DEGRADATIONS, MIN_DEGRADE_SIDE, qualityPhotos } from '../helpers/quality-sets.js';
import type { EvalRow, EvalSection } from './eval-section.js';

const pct = (v: number): string => (Number.isNaN(v) ? '—' : `${(100 * v).toFixed(0)} %`);

function confusionRows(name: string, c: EyeConfusion): EvalRow[] {
  const cell = (label: keyof EyeConfusion['counts']): string => {
    const k = c.counts[label];
    return `open ${k.open} · closed ${k.closed} · unknown ${k.unknown}${k.missing ? ` · not found ${k.missing}` : ''}`;
  };
  return [
    { measurement: `${name}: labelled open →`, value: cell('open'), verdict: 'info' },
    { measurement: `${name}: labelled closed →`, value: cell('closed'), verdict: 'info' },
    { measurement: `${name}: labelled unsure →`, value: cell('unsure'), verdict: 'info' },
    { measurement: `${name}: not a face →`, value: cell('not-a-face'), verdict: 'info' },
    {
      measurement: `${name}: open faces called closed`,
      value: `${c.openCalledClosed}`,
      target: name === 'after' ? '0' : '',
      verdict: name === 'after' ? (c.openCalledClosed === 0 ? 'met' : 'MISSED') : 'info',
    },
    { measurement: `${name}: unreadable / non-faces called closed`, value: `${c.unreadableCalledClosed}`, verdict: 'info' },
    { measurement: `${name}: 'closed' precision`, value: pct(c.closedPrecision), verdict: 'info' },
    { measurement: `${name}: closed faces found (recall)`, value: `${c.closedFound}/${c.closedTotal}`, verdict: 'info' },
    { measurement: `${name}: accuracy where judged (open/closed labels)`, value: `${pct(c.judgedAccuracy)} of ${c.judged}`, verdict: 'info' },
  ];
}

/** The gated verdict with other gates (the shipped ones changed where given), from each face's stored figures. */
function withGates(rows: MeasuredFace[], gates: Partial<EyeGates>): EyeConfusion {
  return eyeConfusion(rows, (f) => {
    const [w, h] = rows.find((r) => r.found === f)!.imageSize;
    return judgeEyeState(
      {
        boxPx: [f.box[2] * w, f.box[3] * h],
        detectorScore: f.score,
        landmarks: f.landmarks.map((v, i) => v * (i % 2 === 0 ? w : h)),
        eyeClosedProb: f.eyeClosedProb,
      },
      { ...EYE_GATES, ...gates },
    ).state;
  });
}

export const signalsEval: EvalSection = {
  name: 'signals',
  async run({ quick }) {
    const rows: EvalRow[] = [];
    const analyzer = await FaceAnalyzer.load();

    // Eye state.
    const measured = await measureEyeLabels(analyzer);
    const before = eyeConfusion(measured, oldEyeVerdict);
    const after = eyeConfusion(measured, (f) => f.eyeState);
    rows.push(...confusionRows('before', before), ...confusionRows('after', after));
    const sweep = [0.5, 0.7, 0.8, 0.9, 0.95, 0.99].map((t) => ({ threshold: t, ...withGates(measured, { closedThreshold: t }) }));
    rows.push({
      measurement: 'after, per-eye closed threshold → open called closed / closed found',
      value: sweep.map((s) => `${s.threshold}: ${s.openCalledClosed}/${s.closedFound}`).join(', '),
      verdict: `info (shipped ${EYE_GATES.closedThreshold})`,
    });
    const sizeSweep = [0, 32, 48, 64, 96].map((px) => ({ minFacePx: px, ...withGates(measured, { minFacePx: px }) }));
    rows.push({
      measurement: 'after, minimum face size (px) → open called closed / closed found / unreadable called closed',
      value: sizeSweep.map((s) => `${s.minFacePx}: ${s.openCalledClosed}/${s.closedFound}/${s.unreadableCalledClosed}`).join(', '),
      verdict: `info (shipped ${EYE_GATES.minFacePx})`,
    });
    const noSmile = withGates(measured, { broadSmileMouthWidth: Number.POSITIVE_INFINITY });
    rows.push({
      measurement: 'after, without the broad-smile gate → open called closed / closed found',
      value: `${noSmile.openCalledClosed}/${noSmile.closedFound}`,
      verdict: 'info',
    });
    const made = await madeClosedFaces(analyzer);
    const madeCounts = { open: 0, closed: 0, unknown: 0, missing: 0 } as Record<string, number>;
    const madeWhy: Record<string, number> = {};
    const madeBefore = made.filter((m) => m.found && oldEyeVerdict(m.found) === 'closed').length;
    for (const m of made) {
      madeCounts[m.found?.eyeState ?? 'missing']!++;
      if (m.found?.eyeState === 'unknown') madeWhy[m.found.eyeStateWhy] = (madeWhy[m.found.eyeStateWhy] ?? 0) + 1;
    }
    rows.push({
      measurement: `made closed eyes (real closed eyelids of 2 donors pasted on ${made.length / 2} open faces) →`,
      value: `closed ${madeCounts['closed']} · unknown ${madeCounts['unknown']} (${Object.entries(madeWhy)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}) · open ${madeCounts['open']}${madeCounts['missing'] ? ` · not found ${madeCounts['missing']}` : ''}; before: closed ${madeBefore}`,
      verdict: 'info',
    });
    const faceRows = measured.map((m) => ({
      photo: m.labelled.photo,
      mirror: m.labelled.mirror ?? false,
      box: m.labelled.box,
      label: m.labelled.label,
      found: Boolean(m.found),
      eyeClosedProb: m.found?.eyeClosedProb ?? null,
      before: m.found ? oldEyeVerdict(m.found) : null,
      after: m.found?.eyeState ?? null,
      why: m.found?.eyeStateWhy ?? null,
    }));

    // Quality.
    const photos = await qualityPhotos();
    const perPhoto: Array<{ rel: string; score: number; sharpWellExposed: boolean; degraded: Record<string, number> }> = [];
    for (const p of photos) {
      const faces = await analyzer.analyze(p.img);
      const q = await assessQuality(p.img, faces);
      const degraded: Record<string, number> = {};
      if (p.photograph && Math.min(p.img.width, p.img.height) >= MIN_DEGRADE_SIDE && (!quick || p.sharpWellExposed)) {
        for (const kind of DEGRADATIONS) {
          const d = await degrade(p.img, kind);
          degraded[kind] = (await assessQuality(d, await analyzer.analyze(d))).score;
        }
      }
      perPhoto.push({ rel: p.rel, score: q.score, sharpWellExposed: p.sharpWellExposed, degraded });
    }
    const bands = Array.from({ length: 10 }, (_, i) => ({ from: i / 2, n: 0 }));
    for (const p of perPhoto) bands[Math.min(9, Math.floor(p.score * 2))]!.n++;
    rows.push({
      measurement: `score histogram, ${perPhoto.length} photos (0.5 bands)`,
      value: bands.map((b) => `${b.from.toFixed(1)}–${(b.from + 0.5).toFixed(1)}: ${b.n}`).join(', '),
      verdict: 'info',
    });
    const sharp = perPhoto.filter((p) => p.sharpWellExposed);
    const inBand = sharp.filter((p) => p.score >= 3.5 && p.score <= 4.5);
    rows.push({
      measurement: `sharp, well-exposed photos in 3.5–4.5 (${sharp.length} judged by eye)`,
      value: `${inBand.length}/${sharp.length} (${pct(inBand.length / sharp.length)}); out: ${sharp
        .filter((p) => !inBand.includes(p))
        .map((p) => `${p.rel} ${p.score}`)
        .join(', ')}`,
      target: '≥ 80 %',
      verdict: inBand.length / sharp.length >= 0.8 ? 'met' : 'MISSED',
    });
    let lower = 0;
    let pairs = 0;
    const failures: string[] = [];
    for (const kind of DEGRADATIONS) {
      let kLower = 0;
      let kPairs = 0;
      let kBelow = 0;
      let kSharp = 0;
      for (const p of perPhoto) {
        const d = p.degraded[kind];
        if (d === undefined) continue;
        kPairs++;
        if (d < p.score) kLower++;
        else failures.push(`${kind}: ${p.rel} ${p.score} → ${d}`);
        if (p.sharpWellExposed) {
          kSharp++;
          if (d < 3.5) kBelow++;
        }
      }
      lower += kLower;
      pairs += kPairs;
      rows.push({
        measurement: `${kind}: below the original / sharp ones' copies below 3.5`,
        value: `${kLower}/${kPairs} (${pct(kLower / kPairs)}) / ${kBelow}/${kSharp}`,
        verdict: 'info',
      });
    }
    rows.push({
      measurement: 'all degradations: copies scoring below their original',
      value: `${lower}/${pairs} (${pct(lower / pairs)})`,
      target: '≥ 95 %',
      verdict: lower / pairs >= 0.95 ? 'met' : 'MISSED',
    });
    return {
      name: 'signals',
      about:
        'Eye state: faces of ../shared/photos, ../shared/faces and test/fixtures/faces labelled by eye (test/fixtures/eye-labels.json; the photos with closed eyes also mirrored). ' +
        'Quality: every JPEG/TIFF of ../shared/photos as a 1600 px q82 preview; degraded copies (gaussian blur, horizontal motion blur, noise, ×0.35 and ×2.2 + 40 exposure) of each photograph with a short side ≥ 200 px.',
      rows,
      raw: {
        eyes: {
          before,
          after,
          sweep,
          sizeSweep,
          noSmile,
          faces: faceRows,
          gates: EYE_GATES,
          madeClosed: made.map((m) => ({ target: m.target, donor: m.donor, eyeState: m.found?.eyeState ?? null, why: m.found?.eyeStateWhy ?? null, eyeClosedProb: m.found?.eyeClosedProb ?? null })),
        },
        quality: { photos: perPhoto, bands, notLower: failures },
      },
    };
  },
};
