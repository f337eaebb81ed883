/**
 * Closed eyes made from real ones, because ../shared holds only 5 real closed-eye faces: the two eyes
 * of a real closed-eye face (donor) are cut out around their landmarks and pasted over the eyes of a
 * face labelled open (target). Exactly how:
 *   - donor eye patch: a square of 2.2 × the donor eye's width (landmark 36→39 or 42→45) centred on the
 *     eye centre (mean of landmarks 37, 38, 40, 41 / 43, 44, 46, 47), left eye onto left eye;
 *   - scaled so the donor eye width equals the target eye width, centred on the target eye centre
 *     (no rotation: donors and targets are kept to near-level eyes);
 *   - colour-matched: each RGB channel of the patch shifted and scaled to the mean and standard
 *     deviation of the target's own pixels under it;
 *   - blended with an elliptical feather (opaque inside 45 % of the patch half-size, fading to 0 at its edge).
 * The eye pixels are therefore always the same few real closed eyes: this measures the landmarks and
 * the gates on other faces with closed lids, not how the eye model generalises to new closed eyes.
 */
import type { Face, FaceAnalyzer } from '../../src-worker/ml/faces.js';
import type { RgbImage } from '../../src-worker/ml/image.js';
import { labelledPreview, loadEyeLabels, matchFace, type LabelledFace } from './eye-labels.js';

type Pt = [number, number];

function eyeGeometryPx(face: Face, img: RgbImage, first: number): { centre: Pt; width: number } {
  const p = (i: number): Pt => [face.landmarks[i * 2]! * img.width, face.landmarks[i * 2 + 1]! * img.height];
  const ids = [first + 1, first + 2, first + 4, first + 5];
  const centre: Pt = [ids.reduce((s, i) => s + p(i)[0], 0) / 4, ids.reduce((s, i) => s + p(i)[1], 0) / 4];
  const a = p(first);
  const b = p(first + 3);
  return { centre, width: Math.hypot(b[0] - a[0], b[1] - a[1]) };
}

function bilinear(img: RgbImage, x: number, y: number, c: number): number {
  const xc = Math.min(Math.max(x, 0), img.width - 1);
  const yc = Math.min(Math.max(y, 0), img.height - 1);
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, img.width - 1);
  const y1 = Math.min(y0 + 1, img.height - 1);
  const fx = xc - x0;
  const fy = yc - y0;
  const at = (xx: number, yy: number): number => img.data[(yy * img.width + xx) * 3 + c]!;
  return (at(x0, y0) * (1 - fx) + at(x1, y0) * fx) * (1 - fy) + (at(x0, y1) * (1 - fx) + at(x1, y1) * fx) * fy;
}

/** A copy of `target` with both eyes of `targetFace` replaced by the donor face's (closed) eyes. */
export function pasteClosedEyes(target: RgbImage, targetFace: Face, donor: RgbImage, donorFace: Face): RgbImage {
  const out = Buffer.from(target.data);
  for (const first of [36, 42]) {
    const d = eyeGeometryPx(donorFace, donor, first);
    const t = eyeGeometryPx(targetFace, target, first);
    const scale = d.width / Math.max(1, t.width); // target px → donor px
    const half = 1.1 * t.width; // half of 2.2 × eye width
    const x0 = Math.max(0, Math.floor(t.centre[0] - half));
    const x1 = Math.min(target.width - 1, Math.ceil(t.centre[0] + half));
    const y0 = Math.max(0, Math.floor(t.centre[1] - half));
    const y1 = Math.min(target.height - 1, Math.ceil(t.centre[1] + half));
    // Colour statistics of the donor patch (sampled where it lands) and of the target under it.
    const stats = (read: (x: number, y: number, c: number) => number): Array<{ mean: number; sd: number }> =>
      [0, 1, 2].map((c) => {
        let s = 0;
        let s2 = 0;
        let n = 0;
        for (let y = y0; y <= y1; y++) {
          for (let x = x0; x <= x1; x++) {
            const v = read(x, y, c);
            s += v;
            s2 += v * v;
            n++;
          }
        }
        const mean = s / n;
        return { mean, sd: Math.sqrt(Math.max(1, s2 / n - mean * mean)) };
      });
    const fromDonor = (x: number, y: number, c: number): number => bilinear(donor, d.centre[0] + (x - t.centre[0]) * scale, d.centre[1] + (y - t.centre[1]) * scale, c);
    const ds = stats(fromDonor);
    const ts = stats((x, y, c) => target.data[(y * target.width + x) * 3 + c]!);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const r = Math.hypot((x - t.centre[0]) / half, (y - t.centre[1]) / (0.75 * half));
        const alpha = r <= 0.45 ? 1 : r >= 1 ? 0 : 1 - (r - 0.45) / 0.55;
        if (alpha <= 0) continue;
        for (let c = 0; c < 3; c++) {
          const matched = ((fromDonor(x, y, c) - ds[c]!.mean) / ds[c]!.sd) * ts[c]!.sd + ts[c]!.mean;
          const i = (y * target.width + x) * 3 + c;
          out[i] = Math.max(0, Math.min(255, Math.round(alpha * matched + (1 - alpha) * out[i]!)));
        }
      }
    }
  }
  return { data: out, width: target.width, height: target.height };
}

export interface MadeClosedFace {
  target: string;
  donor: string;
  /** The face found on the made picture (IoU ≥ 0.5 with the target's box), or null. */
  found: Face | null;
}

/**
 * Every labelled-open face of ../shared/faces (≥ 100 px, not mirrored) given the closed eyes of each
 * real closed-eye donor the gate judges closed (sample1's and sample2's looking-down faces).
 */
export async function madeClosedFaces(analyzer: FaceAnalyzer, targetFilter: (l: LabelledFace) => boolean = () => true): Promise<MadeClosedFace[]> {
  const labels = loadEyeLabels();
  const locate = async (l: LabelledFace): Promise<{ img: RgbImage; face: Face | null }> => {
    const img = await labelledPreview(l.photo, l.mirror);
    return { img, face: matchFace(await analyzer.analyze(img), l.box) };
  };
  const donors: Array<{ l: LabelledFace; img: RgbImage; face: Face }> = [];
  for (const l of labels.filter((x) => x.label === 'closed' && !x.mirror && x.photo.startsWith('test/fixtures/'))) {
    const d = await locate(l);
    if (d.face?.eyeState === 'closed') donors.push({ l, img: d.img, face: d.face });
  }
  const out: MadeClosedFace[] = [];
  for (const t of labels.filter((x) => x.label === 'open' && !x.mirror && x.sizePx >= 100 && x.photo.includes('shared/faces/') && targetFilter(x))) {
    const target = await locate(t);
    if (!target.face) continue;
    for (const d of donors) {
      const made = pasteClosedEyes(target.img, target.face, d.img, d.face);
      out.push({ target: `${t.photo} ${t.box.join(',')}`, donor: `${d.l.photo} ${d.l.box.join(',')}`, found: matchFace(await analyzer.analyze(made), t.box) });
    }
  }
  return out;
}
