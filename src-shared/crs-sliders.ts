/**
 * The develop settings the preset editor shows as sliders, with Camera Raw's own ranges and steps
 * (Lightroom Classic / ACR, process version 2012+), and how Camera Raw writes their values in XMP
 * ("+0.50" for exposure, "+15" / "-15" / "0" for signed settings, "40" for amounts). A preset's other
 * settings (curves, HSL, masks…) are kept as they are when it is edited.
 */
import type { CrsSettings } from './presets.js';

export interface CrsSlider {
  key: string;
  label: string;
  group: 'Light' | 'Colour' | 'Presence' | 'Detail';
  min: number;
  max: number;
  step: number;
  /** Written with a sign ("+15") as Camera Raw does for settings centred on 0. */
  signed: boolean;
  decimals: number;
}

const s = (key: string, label: string, group: CrsSlider['group'], min: number, max: number, extra: Partial<CrsSlider> = {}): CrsSlider => ({
  key, label, group, min, max, step: 1, signed: min < 0, decimals: 0, ...extra,
});

export const CRS_SLIDERS: readonly CrsSlider[] = [
  s('Exposure2012', 'Exposure', 'Light', -5, 5, { step: 0.05, decimals: 2 }),
  s('Contrast2012', 'Contrast', 'Light', -100, 100),
  s('Highlights2012', 'Highlights', 'Light', -100, 100),
  s('Shadows2012', 'Shadows', 'Light', -100, 100),
  s('Whites2012', 'Whites', 'Light', -100, 100),
  s('Blacks2012', 'Blacks', 'Light', -100, 100),
  s('IncrementalTemperature', 'Temperature', 'Colour', -100, 100),
  s('IncrementalTint', 'Tint', 'Colour', -100, 100),
  s('Vibrance', 'Vibrance', 'Colour', -100, 100),
  s('Saturation', 'Saturation', 'Colour', -100, 100),
  s('Texture', 'Texture', 'Presence', -100, 100),
  s('Clarity2012', 'Clarity', 'Presence', -100, 100),
  s('Dehaze', 'Dehaze', 'Presence', -100, 100),
  s('Sharpness', 'Sharpening', 'Detail', 0, 150),
  s('SharpenRadius', 'Radius', 'Detail', 0.5, 3, { step: 0.1, decimals: 1, signed: false }),
  s('LuminanceSmoothing', 'Noise reduction', 'Detail', 0, 100),
  s('ColorNoiseReduction', 'Colour noise reduction', 'Detail', 0, 100),
];

/** The value a slider shows for a preset (0 / the slider's neutral when the preset does not set it). */
export function sliderValue(settings: CrsSettings, slider: CrsSlider): number {
  const raw = settings[slider.key];
  const value = typeof raw === 'string' ? Number.parseFloat(raw) : Number.NaN;
  const neutral = slider.key === 'SharpenRadius' ? 1 : 0;
  if (!Number.isFinite(value)) return neutral;
  return Math.min(slider.max, Math.max(slider.min, value));
}

/** Camera Raw's text for a value: "+0.50", "-15", "0", "40", "1.0". */
export function formatCrsValue(slider: CrsSlider, value: number): string {
  const clamped = Math.min(slider.max, Math.max(slider.min, value));
  const text = clamped.toFixed(slider.decimals);
  const isZero = Number(text) === 0;
  return slider.signed && !isZero && clamped > 0 ? `+${text}` : isZero ? (0).toFixed(slider.decimals) : text;
}

/** The settings with one slider set (kept even at 0: in a preset, "0" means "set it to 0", not "leave it"). */
export function withSlider(settings: CrsSettings, slider: CrsSlider, value: number): CrsSettings {
  return { ...settings, [slider.key]: formatCrsValue(slider, value) };
}
