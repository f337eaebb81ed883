/**
 * Context recognition (issue 15): cheap, deterministic rules over what the earlier stages measured.
 * Each label comes with its reason (the numbers behind it). Rule by rule:
 *
 *   golden-hour      sun altitude −4° … +6° at the capture time and GPS position (suncalc).
 *   blue-hour        sun altitude −6° … −4°.
 *   daylight         sun altitude above +6°.
 *   night            sun altitude below −6°; without GPS: the camera clock between 22:00 and 05:00 and a
 *                    dark preview (mean luma < 70). Capture times without a UTC offset are placed in time
 *                    by the longitude (solar time, 15° per hour), which the reason says. A time of exactly
 *                    00:00 (a date without a time) gives no time-of-day label.
 *   low-light        exposure value EV100 = log2(N²/t) − log2(ISO/100) below 7 (dim interior, dusk), or a
 *                    dark preview (mean luma < 50 of 255) when the exposure data is missing.
 *   high-iso         ISO ≥ 3200; or, when no ISO is recorded, measured noise σ̂ ≥ 4 (quality stage).
 *   portrait         one or two faces, the largest covering ≥ 4 % of the frame.
 *   group            three or more faces (or 'person' boxes).
 *   landscape        no faces or people, wider than tall (≥ 1.2:1), not a document, focal length ≤ 50 mm
 *                    (35 mm equivalent unknown: the recorded focal length) or unknown.
 *   document         ≥ 3 lines of read text covering ≥ 6 % of the frame; or a page (some text on a mostly
 *                    white, colourless frame: mean luma ≥ 200, colourfulness < 12: scans, diagrams); or a
 *                    screen (tv / laptop / cell phone box) covering ≥ 25 %.
 *   backlit          the frame's border brighter than its centre by ≥ 35 luma levels with ≥ 2 % of the
 *                    pixels clipped white; or a face ≥ 35 levels darker than the frame around it.
 *   black-and-white  mean colourfulness below 4 (of 255): the source has no colour.
 */
import { getPosition } from 'suncalc';
import type { ContextFinding, ContextLabel } from '../../src-shared/presets.js';

export interface ContextInput {
  /** Capture time as recorded ('2009-09-09T17:00:00+02:00' or without offset), or null. */
  takenAt: string | null;
  gps: { lat: number; lon: number } | null;
  iso: number | null;
  exposureTime: number | null;
  fNumber: number | null;
  focalLength: number | null;
  /** Oriented size. */
  width: number | null;
  height: number | null;
  /** Normalised x, y, w, h boxes (detect stage). */
  faces: ReadonlyArray<{ box: readonly [number, number, number, number] }>;
  objects: ReadonlyArray<{ label: string; score: number; box: readonly [number, number, number, number] }>;
  text: ReadonlyArray<{ text: string; box: readonly [number, number, number, number] }>;
  /** Quality stage parts, when it ran. */
  noiseSigma: number | null;
  /** From the preview (image-stats.ts). */
  stats: ImageStats | null;
}

export interface ImageStats {
  meanLuma: number;
  centreLuma: number;
  borderLuma: number;
  /** Share of pixels with luma ≥ 250. */
  clippedHighlights: number;
  /** Mean of (max − min) over R, G, B per pixel, 0–255. */
  colourfulness: number;
  /** Mean luma inside each face box, in the detect result's order. */
  faceLuma: number[];
}

const f1 = (v: number): string => v.toFixed(1);
const pct = (v: number): string => `${(v * 100).toFixed(1)} %`;

const SCREENS = new Set(['tv', 'laptop', 'cell phone']);

/** The capture time as an instant, and how it was placed in time. */
function captureInstant(takenAt: string, gps: { lon: number } | null): { when: Date; how: string } | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/.exec(takenAt.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  const utcGuess = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +(s ?? 0));
  if (zone) {
    const offsetMin = zone === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (+zone.slice(1, 3) * 60 + +zone.slice(-2));
    return { when: new Date(utcGuess - offsetMin * 60_000), how: `recorded time ${takenAt}` };
  }
  if (!gps) return null;
  // No offset: local solar time, 4 minutes per degree of longitude.
  return { when: new Date(utcGuess - (gps.lon / 15) * 3_600_000), how: `camera clock ${takenAt} taken as solar time at longitude ${f1(gps.lon)}°` };
}

function sunLabels(input: ContextInput, out: ContextFinding[]): void {
  // A date without a time of day (recorded as exactly midnight) says nothing about the light.
  if (!input.takenAt || /[T ]00:00(:00(\.0+)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(input.takenAt)) return;
  const placed = input.gps ? captureInstant(input.takenAt, input.gps) : null;
  if (placed && input.gps) {
    // suncalc 2 answers the apparent (refraction-corrected) altitude in degrees.
    const altitude = getPosition(placed.when, input.gps.lat, input.gps.lon).altitude;
    const why = `sun ${f1(altitude)}° above the horizon (${placed.how}, at ${input.gps.lat.toFixed(3)}, ${input.gps.lon.toFixed(3)})`;
    if (altitude > 6) out.push({ label: 'daylight', reason: why });
    else if (altitude >= -4) out.push({ label: 'golden-hour', reason: why });
    else if (altitude >= -6) out.push({ label: 'blue-hour', reason: why });
    else out.push({ label: 'night', reason: why });
    return;
  }
  const hour = /[T ](\d{2}):/.exec(input.takenAt)?.[1];
  const dark = input.stats === null || input.stats.meanLuma < 70;
  if (hour !== undefined && (+hour >= 22 || +hour < 5) && dark) {
    const luma = input.stats ? `, dark preview (mean luma ${f1(input.stats.meanLuma)})` : '';
    out.push({ label: 'night', reason: `camera clock ${input.takenAt} between 22:00 and 05:00${luma}; no GPS for the sun's position` });
  }
}

function lightLabels(input: ContextInput, out: ContextFinding[]): void {
  const { iso, exposureTime: t, fNumber: n } = input;
  if (iso && t && n && iso > 0 && t > 0 && n > 0) {
    const ev100 = Math.log2((n * n) / t) - Math.log2(iso / 100);
    if (ev100 < 7) out.push({ label: 'low-light', reason: `EV100 ${f1(ev100)} (f/${n}, ${t >= 1 ? t : `1/${Math.round(1 / t)}`} s, ISO ${iso}) is below 7` });
  } else if (input.stats && input.stats.meanLuma < 50) {
    out.push({ label: 'low-light', reason: `dark preview: mean luma ${f1(input.stats.meanLuma)} of 255 (no exposure data)` });
  }
  if (iso && iso >= 3200) out.push({ label: 'high-iso', reason: `ISO ${iso} ≥ 3200` });
  // Measured noise only speaks when the ISO is unknown: at a known low ISO it is the JPEG's texture, not sensor noise.
  else if (!iso && input.noiseSigma !== null && input.noiseSigma >= 4) out.push({ label: 'high-iso', reason: `measured noise σ ${f1(input.noiseSigma)} ≥ 4 (ISO not recorded)` });
}

function peopleLabels(input: ContextInput, out: ContextFinding[]): number {
  const persons = input.objects.filter((o) => o.label === 'person').length;
  const people = Math.max(input.faces.length, persons);
  if (input.faces.length >= 1 && input.faces.length <= 2) {
    const largest = Math.max(...input.faces.map((f) => f.box[2] * f.box[3]));
    if (largest >= 0.04) out.push({ label: 'portrait', reason: `${input.faces.length} face(s), the largest covering ${pct(largest)} of the frame (≥ 4 %)` });
  }
  if (people >= 3) out.push({ label: 'group', reason: `${input.faces.length} faces, ${persons} person boxes` });
  return people;
}

function documentLabel(input: ContextInput, out: ContextFinding[]): boolean {
  const textArea = input.text.reduce((sum, l) => sum + l.box[2] * l.box[3], 0);
  if (input.text.length >= 3 && textArea >= 0.06) {
    out.push({ label: 'document', reason: `${input.text.length} lines of text covering ${pct(textArea)} of the frame` });
    return true;
  }
  const s = input.stats;
  if (input.text.length >= 1 && s && s.meanLuma >= 200 && s.colourfulness < 12) {
    out.push({ label: 'document', reason: `a page: mostly white (mean luma ${f1(s.meanLuma)}), no colour (${f1(s.colourfulness)}), with ${input.text.length} line(s) of text` });
    return true;
  }
  const screen = input.objects.find((o) => SCREENS.has(o.label) && o.box[2] * o.box[3] >= 0.25);
  if (screen) {
    out.push({ label: 'document', reason: `a ${screen.label} covering ${pct(screen.box[2] * screen.box[3])} of the frame (a screen)` });
    return true;
  }
  return false;
}

function toneLabels(input: ContextInput, out: ContextFinding[]): void {
  const s = input.stats;
  if (!s) return;
  if (s.borderLuma - s.centreLuma >= 35 && s.clippedHighlights >= 0.02) {
    out.push({ label: 'backlit', reason: `border ${f1(s.borderLuma)} vs centre ${f1(s.centreLuma)} luma, ${pct(s.clippedHighlights)} clipped white` });
  } else {
    const i = s.faceLuma.findIndex((l) => s.meanLuma - l >= 35);
    if (i >= 0) out.push({ label: 'backlit', reason: `face ${i + 1} at luma ${f1(s.faceLuma[i]!)} against a frame at ${f1(s.meanLuma)}` });
  }
  if (s.colourfulness < 4) out.push({ label: 'black-and-white', reason: `colourfulness ${f1(s.colourfulness)} of 255 (< 4): no colour in the source` });
}

/** The photo's context labels, each with its reason, in a fixed order. */
export function recogniseContext(input: ContextInput): ContextFinding[] {
  const out: ContextFinding[] = [];
  sunLabels(input, out);
  lightLabels(input, out);
  const people = peopleLabels(input, out);
  const isDocument = documentLabel(input, out);
  const { width, height, focalLength } = input;
  if (people === 0 && !isDocument && width && height && width / height >= 1.2 && (focalLength === null || focalLength <= 50)) {
    out.push({ label: 'landscape', reason: `no people, ${width}×${height} (${(width / height).toFixed(2)}:1)${focalLength !== null ? `, ${focalLength} mm` : ''}` });
  }
  toneLabels(input, out);
  return out;
}

export function labelsOf(findings: readonly ContextFinding[]): Set<ContextLabel> {
  return new Set(findings.map((f) => f.label));
}
