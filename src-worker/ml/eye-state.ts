/**
 * Whether a face's eyes are open, closed or cannot be told, from the eye model's per-eye closed
 * probabilities and the geometry of the 68 landmarks (iBUG order: jaw 0–16, nose 27–35 with the tip
 * at 30, eyes 36–41 and 42–47, mouth 48–67).
 *
 * fr_eye.onnx alone is not trustworthy (measured on hand-labelled faces, test/fixtures/eye-labels.json,
 * see models/MODELS.md): it says "closed" on almost every face under ~60 px, on non-faces the detector
 * lets through (a pumpkin, a hand), and on broad smiles. So a face is judged only when it is big
 * enough, its landmarks look like a face and it is not turned far aside; otherwise 'unknown'. A
 * judged face is 'open' when at least one eye is clearly open, 'closed' only when both eyes are
 * closed beyond the (tuned) threshold and the face is not in a broad smile, else 'unknown'.
 */

export type EyeState = 'open' | 'closed' | 'unknown';

/** Why a face's eye state is what it is, for reasons shown to a person. */
export type EyeStateWhy = 'judged' | 'small-face' | 'implausible-landmarks' | 'head-turned' | 'broad-smile' | 'uncertain';

export interface EyeGates {
  minFacePx: number;
  minDetectorScore: number;
  interocularShare: readonly [number, number];
  noseBetweenEyes: readonly [number, number];
  minEyeWidthRatio: number;
  broadSmileMouthWidth: number;
  closedThreshold: number;
  openThreshold: number;
}

/** Gates and thresholds, tuned on the labelled faces (values and the measurement in MODELS.md). */
export const EYE_GATES: EyeGates = {
  /** Shorter side of the face box, preview pixels: below it the 24 × 24 eye crops hold a few pixels. */
  minFacePx: 64,
  /** Detector score below which a box is too often not a face (pumpkin 0.96, a hand 0.94). */
  minDetectorScore: 0.97,
  /** Interocular distance as a share of the box width: a real face's landmarks give ~0.3–0.55. */
  interocularShare: [0.25, 0.65],
  /** Nose tip between the eye centres, 0 = at the left eye, 1 = at the right: beyond this, turned aside. */
  noseBetweenEyes: [0.2, 0.8],
  /** Eye-width ratio (narrower / wider): a head turned far aside shows one eye much narrower. */
  minEyeWidthRatio: 0.55,
  /**
   * Mouth width / interocular distance from which a "closed" verdict is not trusted: a broad smile
   * lifts the cheeks and narrows the eyes, which the eye model reads as closed (open smiling faces
   * measured 1.05–1.13, the closed faces 0.81–0.93).
   */
  broadSmileMouthWidth: 1.0,
  /** Per eye: closed probability above this counts the eye as closed (both must be). */
  closedThreshold: 0.9,
  /** Closed probability below this on at least one eye makes the face 'open'. */
  openThreshold: 0.2,
};

export interface EyeGeometry {
  /** Distance between the eye centres, px. */
  interocular: number;
  /** interocular / box width. */
  interocularShare: number;
  /** Nose tip's position between the eye centres (0.5 = frontal). */
  noseBetweenEyes: number;
  /** Narrower eye width / wider eye width (1 = frontal). */
  eyeWidthRatio: number;
  /** Eye aspect ratio (lid opening / width) of the left and right eye in the image. */
  aspect: [number, number];
  /** Landmarks in the expected top-to-bottom order: brows above eyes above nose tip above mouth. */
  ordered: boolean;
  /** Mouth corner-to-corner width / interocular distance (~0.8 at rest, > 1 in a broad smile). */
  mouthWidth: number;
}

type Pt = [number, number];

/** Geometry of a face from its 68 landmarks (px, flattened x0, y0, x1, y1…) and box width (px). */
export function eyeGeometry(lm: ArrayLike<number>, boxWidth: number): EyeGeometry {
  const p = (i: number): Pt => [lm[i * 2]!, lm[i * 2 + 1]!];
  const mean = (...ids: number[]): Pt => {
    const pts = ids.map(p);
    return [pts.reduce((s, q) => s + q[0], 0) / pts.length, pts.reduce((s, q) => s + q[1], 0) / pts.length];
  };
  const dist = (a: Pt, b: Pt): number => Math.hypot(a[0] - b[0], a[1] - b[1]);
  const eyeL = mean(37, 38, 40, 41);
  const eyeR = mean(43, 44, 46, 47);
  const widthL = dist(p(36), p(39));
  const widthR = dist(p(42), p(45));
  const aspect = (a: number): number => {
    const w = dist(p(a), p(a + 3));
    return w > 0 ? (dist(p(a + 1), p(a + 5)) + dist(p(a + 2), p(a + 4))) / (2 * w) : 0;
  };
  const interocular = dist(eyeL, eyeR);
  // Project the nose tip on the eye line: 0 at the left eye centre, 1 at the right.
  const ex = eyeR[0] - eyeL[0];
  const ey = eyeR[1] - eyeL[1];
  const nose = p(30);
  const along = interocular > 0 ? ((nose[0] - eyeL[0]) * ex + (nose[1] - eyeL[1]) * ey) / (interocular * interocular) : 0.5;
  const brows = mean(17, 18, 19, 20, 21, 22, 23, 24, 25, 26);
  const eyes = mean(36, 39, 42, 45);
  const mouth = mean(48, 54, 51, 57);
  // "Down" is perpendicular to the eye line, so a tilted head still counts as ordered.
  const down = (q: Pt): number => (interocular > 0 ? ((q[0] - eyeL[0]) * -ey + (q[1] - eyeL[1]) * ex) / interocular : q[1]);
  const ordered = down(brows) < down(eyes) && down(eyes) < down(nose) && down(nose) < down(mouth);
  return {
    interocular,
    interocularShare: boxWidth > 0 ? interocular / boxWidth : 0,
    noseBetweenEyes: along,
    eyeWidthRatio: Math.max(widthL, widthR) > 0 ? Math.min(widthL, widthR) / Math.max(widthL, widthR) : 0,
    aspect: [aspect(36), aspect(42)],
    ordered,
    mouthWidth: interocular > 0 ? dist(p(48), p(54)) / interocular : 0,
  };
}

export interface EyeStateInput {
  /** Box width and height, px of the image the landmarks are in. */
  boxPx: [number, number];
  detectorScore: number;
  /** 68 landmarks, px, flattened. */
  landmarks: ArrayLike<number>;
  /** Closed probability of the left and right eye (fr_eye.onnx class 0). */
  eyeClosedProb: [number, number];
}

export function judgeEyeState(input: EyeStateInput, gates: EyeGates = EYE_GATES): { state: EyeState; why: EyeStateWhy } {
  if (Math.min(input.boxPx[0], input.boxPx[1]) < gates.minFacePx) return { state: 'unknown', why: 'small-face' };
  const g = eyeGeometry(input.landmarks, input.boxPx[0]);
  if (
    input.detectorScore < gates.minDetectorScore ||
    !g.ordered ||
    g.interocularShare < gates.interocularShare[0] ||
    g.interocularShare > gates.interocularShare[1]
  )
    return { state: 'unknown', why: 'implausible-landmarks' };
  if (g.noseBetweenEyes < gates.noseBetweenEyes[0] || g.noseBetweenEyes > gates.noseBetweenEyes[1] || g.eyeWidthRatio < gates.minEyeWidthRatio)
    return { state: 'unknown', why: 'head-turned' };
  const [l, r] = input.eyeClosedProb;
  if (Math.min(l, r) < gates.openThreshold) return { state: 'open', why: 'judged' };
  if (l > gates.closedThreshold && r > gates.closedThreshold) {
    return g.mouthWidth >= gates.broadSmileMouthWidth ? { state: 'unknown', why: 'broad-smile' } : { state: 'closed', why: 'judged' };
  }
  return { state: 'unknown', why: 'uncertain' };
}

/** A stored face's eye state; faces analysed before eyeState existed count as closed only if they said so. */
export function eyeStateOf(face: { eyeState?: EyeState; eyesClosed?: boolean }): EyeState {
  return face.eyeState ?? (face.eyesClosed ? 'closed' : 'unknown');
}
