/** Presets, context labels and selection rules (issue 15), as the API, CLI and UI see them. */
import { z } from 'zod';

/** A develop setting in Camera Raw's text form ("+0.50", "True"), or an ordered list (e.g. a tone curve). */
export const crsValueSchema = z.union([z.string(), z.array(z.string())]);
export const crsSettingsSchema = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/, 'not a crs: property name'), crsValueSchema);
export type CrsSettings = z.infer<typeof crsSettingsSchema>;

export const presetSourceSchema = z.enum(['builtin', 'imported', 'user']);

export const presetSchema = z.object({
  id: z.string().min(1),
  name: z.string().min(1),
  group: z.string().nullable(),
  source: presetSourceSchema,
  settings: crsSettingsSchema,
  updatedAt: z.string(),
});
export type Preset = z.infer<typeof presetSchema>;

export const CONTEXT_LABELS = [
  'golden-hour',
  'blue-hour',
  'daylight',
  'night',
  'low-light',
  'high-iso',
  'portrait',
  'group',
  'landscape',
  'document',
  'backlit',
  'black-and-white',
] as const;
export const contextLabelSchema = z.enum(CONTEXT_LABELS);
export type ContextLabel = z.infer<typeof contextLabelSchema>;

/** One recognised label and why (the measured values behind it). */
export const contextFindingSchema = z.object({ label: contextLabelSchema, reason: z.string() });
export type ContextFinding = z.infer<typeof contextFindingSchema>;

/** "When a photo has all of these labels (and none of `unless`), suggest this preset." Empty `when` matches every photo. */
export const presetRuleSchema = z.object({
  id: z.string().min(1),
  when: z.array(contextLabelSchema),
  unless: z.array(contextLabelSchema).default([]),
  presetId: z.string().min(1),
});
export type PresetRule = z.infer<typeof presetRuleSchema>;

export const COLOUR_LABELS = ['Red', 'Yellow', 'Green', 'Blue', 'Purple'] as const;
export type ColourLabel = (typeof COLOUR_LABELS)[number];
