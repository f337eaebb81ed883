/**
 * What a person reads about a photo, from what the stages stored: quality in words, the camera's
 * name without the make twice, a focal length, a capture date. Pure: the renderer, the CLI and the
 * tests share it.
 */

export type SharpnessWord = 'sharp' | 'slightly soft' | 'blurry';
export type ExposureWord = 'well exposed' | 'dark' | 'bright' | 'blown highlights' | 'crushed shadows';

/** The parts of a quality result this module reads (older results may lack some). */
export interface QualityParts {
  sharpness?: number | null;
  exposure?: number | null;
  clippedHighlights?: number | null;
  clippedShadows?: number | null;
  meanLuma?: number | null;
  noise?: number | null;
  facesSharpness?: number | null;
  eyes?: number | null;
}

/**
 * Sharpness 0–1 is lapVar / (lapVar + 300) (src-worker/ml/quality.ts): ≥ 0.6 means a Laplacian
 * variance of 450 or more at the working size (crisp edges), < 0.35 under ~160 (soft everywhere).
 */
export function sharpnessWord(sharpness: number): SharpnessWord {
  if (sharpness >= 0.6) return 'sharp';
  if (sharpness >= 0.35) return 'slightly soft';
  return 'blurry';
}

/**
 * Exposure from the clipping shares and the mean luma (0–255): more than 3 % of pixels at 250+
 * is blown, more than 15 % at 5 or less is crushed, a mean far from mid-grey is dark or bright.
 */
export function exposureWord(parts: QualityParts): ExposureWord {
  const hi = parts.clippedHighlights ?? 0;
  const lo = parts.clippedShadows ?? 0;
  const mean = parts.meanLuma ?? 118;
  if (hi > 0.03) return 'blown highlights';
  if (lo > 0.15) return 'crushed shadows';
  if (mean < 60) return 'dark';
  if (mean > 195) return 'bright';
  return 'well exposed';
}

/** Follow-up priority, as the engine orders follow-up work (not a verdict on the photo). */
export function priorityLabel(priority: string | null | undefined): string | null {
  if (priority !== 'high' && priority !== 'medium' && priority !== 'low') return null;
  return `follow-up priority ${priority}`;
}

export interface QualityWords {
  sharpness: SharpnessWord | null;
  exposure: ExposureWord | null;
  noisy: boolean;
  eyesClosed: boolean;
  /** "sharp, well exposed" */
  summary: string;
}

export function qualityWords(parts: QualityParts | null | undefined): QualityWords {
  const p = parts ?? {};
  const sharpness = typeof p.sharpness === 'number' ? sharpnessWord(p.sharpness) : null;
  const exposure = typeof p.exposure === 'number' || typeof p.meanLuma === 'number' ? exposureWord(p) : null;
  const noisy = typeof p.noise === 'number' && p.noise < 0.8;
  const eyesClosed = typeof p.eyes === 'number' && p.eyes < 1;
  const words = [sharpness, exposure, noisy ? 'noisy' : null, eyesClosed ? 'eyes closed' : null].filter((w): w is string => w !== null);
  return { sharpness, exposure, noisy, eyesClosed, summary: words.join(', ') };
}

/** "Canon" + "Canon EOS 40D" reads "Canon EOS 40D"; "NIKON CORPORATION" + "D70" reads "NIKON D70". */
export function cameraName(make: string | null | undefined, model: string | null | undefined): string | null {
  const mk = make?.trim() || null;
  const md = model?.trim() || null;
  if (!md) return mk;
  if (!mk) return md;
  const firstWord = mk.split(/\s+/)[0]!.toLowerCase();
  if (md.toLowerCase().startsWith(firstWord)) return md;
  const short = mk.replace(/\s+(corporation|corp\.?|co\.?,?\s*ltd\.?|company|imaging|optical|camera)\b.*$/i, '').trim();
  return `${short} ${md}`;
}

/** 10.8125 → "10.8 mm", 50 → "50 mm". */
export function focalLengthText(mm: number | null | undefined): string | null {
  if (typeof mm !== 'number' || !Number.isFinite(mm) || mm <= 0) return null;
  const rounded = mm >= 20 ? Math.round(mm) : Math.round(mm * 10) / 10;
  return `${rounded} mm`;
}

/** 1/250 s, 0.5 s, 2 s. */
export function exposureTimeText(seconds: number | null | undefined): string | null {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return null;
  if (seconds >= 0.5) return `${Math.round(seconds * 10) / 10} s`;
  return `1/${Math.round(1 / seconds)} s`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * A capture time as recorded ("2008-05-30T15:56:01", maybe with an offset) as a person reads it:
 * "30 May 2008, 15:56". The wall-clock time of the camera is kept (never shifted to this machine's zone).
 */
export function takenAtText(iso: string | null | undefined): string | null {
  if (!iso) return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/.exec(iso);
  if (!m) return iso;
  const [, y, mo, d, h, mi] = m;
  const month = MONTHS[Number(mo) - 1];
  if (!month) return iso;
  return `${Number(d)} ${month} ${y}${h !== undefined ? `, ${h}:${mi}` : ''}`;
}

/** "2008-05" → "May 2008"; "2008-05-30" → "30 May 2008". */
export function periodText(key: string): string {
  const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?$/.exec(key);
  if (!m) return key;
  const month = MONTHS[Number(m[2]) - 1] ?? m[2];
  return m[3] ? `${Number(m[3])} ${month} ${m[1]}` : `${month} ${m[1]}`;
}
