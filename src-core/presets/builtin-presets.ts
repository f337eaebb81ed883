/**
 * The presets Shoebox ships, in Camera Raw's own terms (crs:, process version 2012/PV 11), so that
 * Lightroom, Camera Raw and darktable's Lightroom import read them as they are. Values are gentle
 * starting points a person can refine in the preset editor or in their own app.
 */
import type { CrsSettings, PresetRule } from '../../src-shared/presets.js';

const BASE: CrsSettings = { ProcessVersion: '11.0', HasSettings: 'True' };

export interface BuiltinPreset {
  id: string;
  name: string;
  settings: CrsSettings;
}

export const BUILTIN_PRESETS: readonly BuiltinPreset[] = [
  {
    id: 'builtin:natural',
    name: 'Natural',
    settings: { ...BASE, Contrast2012: '+5', Highlights2012: '-15', Shadows2012: '+10', Vibrance: '+10', Clarity2012: '+5', Sharpness: '40' },
  },
  {
    id: 'builtin:portrait',
    name: 'Portrait',
    // Soft skin: less texture and clarity, lifted shadows, a touch less saturation.
    settings: { ...BASE, Contrast2012: '-5', Highlights2012: '-20', Shadows2012: '+15', Texture: '-15', Clarity2012: '-10', Vibrance: '+5', Saturation: '-5', Sharpness: '30' },
  },
  {
    id: 'builtin:warm-portrait',
    name: 'Warm portrait',
    settings: { ...BASE, Contrast2012: '-5', Highlights2012: '-25', Shadows2012: '+15', Texture: '-15', Clarity2012: '-10', Vibrance: '+10', IncrementalTemperature: '+8', IncrementalTint: '+2', Sharpness: '30' },
  },
  {
    id: 'builtin:low-light',
    name: 'Low light',
    // Lift and denoise: brighter shadows, stronger luminance and colour noise reduction, softer sharpening.
    settings: { ...BASE, Exposure2012: '+0.50', Highlights2012: '-20', Shadows2012: '+30', Blacks2012: '+5', LuminanceSmoothing: '35', ColorNoiseReduction: '30', Sharpness: '25' },
  },
  {
    id: 'builtin:landscape',
    name: 'Landscape',
    settings: { ...BASE, Contrast2012: '+15', Highlights2012: '-40', Shadows2012: '+25', Whites2012: '+10', Blacks2012: '-10', Clarity2012: '+15', Dehaze: '+10', Vibrance: '+25', Saturation: '+5', Sharpness: '50' },
  },
  {
    id: 'builtin:black-and-white',
    name: 'Black & white',
    settings: { ...BASE, ConvertToGrayscale: 'True', Contrast2012: '+20', Highlights2012: '-20', Shadows2012: '+15', Whites2012: '+10', Blacks2012: '-15', Clarity2012: '+10' },
  },
  {
    id: 'builtin:document',
    name: 'Document',
    // Paper white, ink black, no colour cast: strong whites/blacks, desaturated, crisp.
    settings: { ...BASE, Contrast2012: '+40', Whites2012: '+40', Blacks2012: '-30', Shadows2012: '+30', Saturation: '-30', Clarity2012: '+20', Sharpness: '60' },
  },
];

/** The selection rules a new library starts with: first match wins; the last (empty `when`) is the default. */
export const DEFAULT_RULES: readonly PresetRule[] = [
  { id: 'rule:document', when: ['document'], unless: [], presetId: 'builtin:document' },
  { id: 'rule:bw-source', when: ['black-and-white'], unless: [], presetId: 'builtin:black-and-white' },
  { id: 'rule:warm-portrait', when: ['portrait', 'golden-hour'], unless: [], presetId: 'builtin:warm-portrait' },
  { id: 'rule:portrait', when: ['portrait'], unless: [], presetId: 'builtin:portrait' },
  { id: 'rule:group', when: ['group'], unless: [], presetId: 'builtin:portrait' },
  { id: 'rule:low-light', when: ['low-light'], unless: [], presetId: 'builtin:low-light' },
  { id: 'rule:night', when: ['night'], unless: [], presetId: 'builtin:low-light' },
  { id: 'rule:landscape', when: ['landscape'], unless: [], presetId: 'builtin:landscape' },
  { id: 'rule:default', when: [], unless: [], presetId: 'builtin:natural' },
];
