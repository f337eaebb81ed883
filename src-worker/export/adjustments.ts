/**
 * The part of a preset's Camera Raw (crs:) settings that an export renders itself, and the pixel pass
 * that renders it. Lightroom's own processing is not public, so these are honest approximations:
 *
 * - Exposure2012 (EV): a linear-light gain of 2^EV (+1 EV doubles linear luminance; measured in a test).
 * - IncrementalTemperature / IncrementalTint: a white-balance shift as a per-channel multiply in linear
 *   light, normalised so that luminance stays where it was.
 * - Contrast2012, Highlights2012, Shadows2012, Whites2012, Blacks2012: one tone curve on the
 *   gamma-encoded values (an S-curve around mid-grey; bumps centred on the highlights / shadows / ends).
 * - Saturation, Vibrance (vibrance weighs less saturated colours more), ConvertToGrayscale.
 * - Sharpness (unsharp mask, radius from SharpenRadius) and positive Clarity2012 (a wide, weak unsharp
 *   mask: local contrast) are sharp operations, see render.ts.
 *
 * Everything else (Texture, Dehaze, noise reduction, HSL, point curves, lens corrections, Kelvin white
 * balance of RAWs…) is carried in the XMP sidecar only, for Lightroom / Camera Raw to render.
 */
import type { CrsSettings } from '../../src-shared/presets.js';

export interface RenderedAdjustments {
  exposureEv: number;
  /** −100…100 each. */
  temperature: number;
  tint: number;
  contrast: number;
  highlights: number;
  shadows: number;
  whites: number;
  blacks: number;
  saturation: number;
  vibrance: number;
  grayscale: boolean;
  /** 0…150 (Lightroom's Sharpness amount). */
  sharpness: number;
  sharpenRadius: number;
  /** −100…100; only positive values are rendered. */
  clarity: number;
}

/** The crs: keys render.ts renders (the rest stays in the sidecar). */
export const RENDERED_CRS_KEYS = [
  'Exposure2012', 'IncrementalTemperature', 'IncrementalTint', 'Contrast2012', 'Highlights2012', 'Shadows2012',
  'Whites2012', 'Blacks2012', 'Saturation', 'Vibrance', 'ConvertToGrayscale', 'Sharpness', 'SharpenRadius', 'Clarity2012',
] as const;

function num(settings: CrsSettings, key: string, fallback: number, min: number, max: number): number {
  const raw = settings[key];
  if (typeof raw !== 'string') return fallback;
  const value = Number.parseFloat(raw);
  if (!Number.isFinite(value)) return fallback;
  return Math.min(max, Math.max(min, value));
}

/** Reads the rendered settings from a preset (missing or unreadable values are neutral). */
export function adjustmentsFromCrs(settings: CrsSettings): RenderedAdjustments {
  return {
    exposureEv: num(settings, 'Exposure2012', 0, -5, 5),
    temperature: num(settings, 'IncrementalTemperature', 0, -100, 100),
    tint: num(settings, 'IncrementalTint', 0, -100, 100),
    contrast: num(settings, 'Contrast2012', 0, -100, 100),
    highlights: num(settings, 'Highlights2012', 0, -100, 100),
    shadows: num(settings, 'Shadows2012', 0, -100, 100),
    whites: num(settings, 'Whites2012', 0, -100, 100),
    blacks: num(settings, 'Blacks2012', 0, -100, 100),
    saturation: num(settings, 'Saturation', 0, -100, 100),
    vibrance: num(settings, 'Vibrance', 0, -100, 100),
    grayscale: settings.ConvertToGrayscale === 'True',
    sharpness: num(settings, 'Sharpness', 0, 0, 150),
    sharpenRadius: num(settings, 'SharpenRadius', 1, 0.5, 3),
    clarity: num(settings, 'Clarity2012', 0, -100, 100),
  };
}

export const NEUTRAL: RenderedAdjustments = adjustmentsFromCrs({});

/** True when the pixel pass (tone, colour) changes nothing, so render.ts can skip it. */
export function pixelPassIsNeutral(a: RenderedAdjustments): boolean {
  return (
    a.exposureEv === 0 && a.temperature === 0 && a.tint === 0 && a.contrast === 0 && a.highlights === 0 &&
    a.shadows === 0 && a.whites === 0 && a.blacks === 0 && a.saturation === 0 && a.vibrance === 0 && !a.grayscale
  );
}

export function srgbToLinear(v: number): number {
  return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
}

export function linearToSrgb(v: number): number {
  const c = Math.min(1, Math.max(0, v));
  return c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055;
}

/** Per-channel linear gains of the white-balance shift, normalised to keep Rec. 709 luminance. */
export function whiteBalanceGains(temperature: number, tint: number): [number, number, number] {
  const warm = temperature / 100;
  const magenta = tint / 100;
  const r = 2 ** (0.5 * warm);
  const b = 2 ** (-0.5 * warm);
  const g = 2 ** (-0.3 * magenta);
  const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return [r / y, g / y, b / y];
}

/** The tone curve on encoded values 0…1 (monotonic for every setting in range; ends stay fixed). */
export function toneCurve(x: number, a: RenderedAdjustments): number {
  let y = x - (0.45 * a.contrast / 100) * (Math.sin(2 * Math.PI * x) / (2 * Math.PI));
  // Bumps peaking at 2/3 (highlights) and 1/3 (shadows), each 0 at both ends.
  y += 0.25 * (a.highlights / 100) * 6.75 * x * x * (1 - x);
  y += 0.25 * (a.shadows / 100) * 6.75 * x * (1 - x) * (1 - x);
  y += 0.15 * (a.whites / 100) * 4 * x * x * x * (1 - x) * 1.6;
  y += 0.15 * (a.blacks / 100) * 4 * x * (1 - x) ** 3 * 1.6;
  return Math.min(1, Math.max(0, y));
}

/** One 256-entry table per channel: decode, exposure and white balance in linear light, encode, tone curve. */
export function channelLuts(a: RenderedAdjustments): [Float32Array, Float32Array, Float32Array] {
  const gain = 2 ** a.exposureEv;
  const wb = whiteBalanceGains(a.temperature, a.tint);
  return wb.map((channelGain) => {
    const lut = new Float32Array(256);
    for (let i = 0; i < 256; i++) lut[i] = toneCurve(linearToSrgb(srgbToLinear(i / 255) * gain * channelGain), a);
    return lut;
  }) as [Float32Array, Float32Array, Float32Array];
}

/** The tone tables rounded to 8 bits (the pixels are 8-bit either side of them). */
export function channelLuts8(a: RenderedAdjustments): [Uint8Array, Uint8Array, Uint8Array] {
  return channelLuts(a).map((lut) => Uint8Array.from(lut, (v) => Math.round(v * 255))) as [Uint8Array, Uint8Array, Uint8Array];
}

/** True when the tone tables change nothing (no exposure, white balance or tone curve). */
export function toneIsNeutral(a: RenderedAdjustments): boolean {
  return a.exposureEv === 0 && a.temperature === 0 && a.tint === 0 && a.contrast === 0 && a.highlights === 0 && a.shadows === 0 && a.whites === 0 && a.blacks === 0;
}

const LUMA = [0.2126, 0.7152, 0.0722] as const;

/**
 * Saturation and grayscale are one luma-preserving chroma scale, c' = Y + k·(c − Y): a fixed 3×3 matrix
 * that libvips applies natively (sharp's recomb). Vibrance scales each pixel by its own saturation, so it
 * has no matrix: null then, and when there is nothing to scale.
 */
export function chromaMatrix(a: RenderedAdjustments): [[number, number, number], [number, number, number], [number, number, number]] | null {
  if (a.vibrance !== 0 && !a.grayscale) return null;
  const k = a.grayscale ? 0 : 1 + a.saturation / 100;
  if (k === 1) return null;
  const row = (c: number): [number, number, number] => [0, 1, 2].map((j) => (1 - k) * LUMA[j]! + (j === c ? k : 0)) as [number, number, number];
  return [row(0), row(1), row(2)];
}

/** The chroma factor k for every (max, min) of a pixel's channels: index max·256 + min. */
function chromaFactors(a: RenderedAdjustments): Float32Array {
  const table = new Float32Array(65536);
  const sat = a.grayscale ? 0 : 1 + a.saturation / 100;
  const vib = a.grayscale ? 0 : a.vibrance / 100;
  for (let max = 0; max < 256; max++) {
    for (let min = 0; min <= max; min++) {
      const current = max > 0 ? (max - min) / max : 0;
      // Vibrance: strong on muted colours, almost nothing on already saturated ones.
      table[(max << 8) | min] = sat * (1 + vib * (1 - current));
    }
  }
  return table;
}

/**
 * Renders tone and colour on interleaved 8-bit sRGB pixels (3 or 4 channels; alpha passes through),
 * in place. With `withChroma` false only the tone tables are applied (render.ts then scales chroma
 * natively with chromaMatrix).
 */
export function applyPixelPass(data: Buffer, channels: number, a: RenderedAdjustments, withChroma = true): void {
  if (channels < 3) throw new Error(`the pixel pass needs RGB pixels, got ${channels} channel(s)`);
  const [lr, lg, lb] = channelLuts8(a);
  const n = data.length;
  if (!withChroma || (!a.grayscale && a.saturation === 0 && a.vibrance === 0)) {
    for (let i = 0; i < n; i += channels) {
      data[i] = lr[data[i]!]!;
      data[i + 1] = lg[data[i + 1]!]!;
      data[i + 2] = lb[data[i + 2]!]!;
    }
    return;
  }
  const factors = chromaFactors(a);
  // A clamped view: each store rounds and clips to 0…255 by itself.
  const out = new Uint8ClampedArray(data.buffer, data.byteOffset, n);
  for (let i = 0; i < n; i += channels) {
    const r = lr[data[i]!]!;
    const g = lg[data[i + 1]!]!;
    const b = lb[data[i + 2]!]!;
    const max = r > g ? (r > b ? r : b) : g > b ? g : b;
    const min = r < g ? (r < b ? r : b) : g < b ? g : b;
    const k = factors[(max << 8) | min]!;
    const y = 0.2126 * r + 0.7152 * g + 0.0722 * b;
    out[i] = y + (r - y) * k;
    out[i + 1] = y + (g - y) * k;
    out[i + 2] = y + (b - y) * k;
  }
}
