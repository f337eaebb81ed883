/** Selection rules: the first rule whose `when` labels the photo all has (and none of `unless`) picks the preset. */
import type { ContextLabel, PresetRule } from '../../src-shared/presets.js';

export const FALLBACK_PRESET_ID = 'builtin:natural';

export interface PresetSuggestion {
  presetId: string;
  /** The rule that chose it; null when no rule matched and the fallback was used. */
  ruleId: string | null;
}

export function selectPreset(labels: ReadonlySet<ContextLabel>, rules: readonly PresetRule[]): PresetSuggestion {
  for (const rule of rules) {
    if (rule.when.every((l) => labels.has(l)) && !(rule.unless ?? []).some((l) => labels.has(l))) return { presetId: rule.presetId, ruleId: rule.id };
  }
  return { presetId: FALLBACK_PRESET_ID, ruleId: null };
}

/** "portrait and golden-hour, not night → Warm portrait" */
export function describeRule(rule: PresetRule, presetName: string): string {
  const when = rule.when.length > 0 ? rule.when.join(' and ') : 'any photo';
  const unless = (rule.unless ?? []).length > 0 ? `, not ${rule.unless.join(' or ')}` : '';
  return `${when}${unless} → ${presetName}`;
}
