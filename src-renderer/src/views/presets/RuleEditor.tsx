/**
 * The ordered selection rules (context labels → preset; first match wins). Rules can be added, removed
 * and moved; the default (matches every photo) stays last and only its preset can change. Saved as one
 * list through presets.setRules; the engine's refusal (a dangling preset, a rule that hides the ones after
 * it, a label both needed and excluded) is shown as it comes.
 */
import { useEffect, useState } from 'react';
import { CONTEXT_LABELS, type ContextLabel, type Preset, type PresetRule } from '../../../../src-shared/presets.js';
import { usePresets } from '../../state/presets-store.js';

const isDefault = (r: PresetRule): boolean => r.when.length === 0 && (r.unless ?? []).length === 0;

function LabelPicker({ title, labels, onChange, ruleIndex }: { title: string; labels: ContextLabel[]; onChange: (l: ContextLabel[]) => void; ruleIndex: number }) {
  const free = CONTEXT_LABELS.filter((l) => !labels.includes(l));
  return (
    <div className="rule-labels">
      <span className="small muted">{title}</span>
      {labels.map((l) => (
        <span key={l} className="active-filter">
          {l}
          <button className="ghost" aria-label={`Remove ${l} from “${title}” of rule ${ruleIndex + 1}`} onClick={() => onChange(labels.filter((x) => x !== l))}>×</button>
        </span>
      ))}
      {free.length > 0 && (
        <select aria-label={`Add a label to “${title}” of rule ${ruleIndex + 1}`} value="" onChange={(e) => e.target.value && onChange([...labels, e.target.value as ContextLabel])}>
          <option value="">+ label</option>
          {free.map((l) => <option key={l} value={l}>{l}</option>)}
        </select>
      )}
    </div>
  );
}

export function RuleEditor({ rules, presets }: { rules: PresetRule[]; presets: Preset[] }) {
  const saveRules = usePresets((s) => s.saveRules);
  const [draft, setDraft] = useState<PresetRule[]>(rules);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => setDraft(rules), [rules]);
  const dirty = JSON.stringify(draft) !== JSON.stringify(rules);
  const fallback = presets.find((p) => p.id === 'builtin:natural')?.id ?? presets[0]?.id ?? '';

  const update = (i: number, patch: Partial<PresetRule>) => setDraft((d) => d.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const move = (i: number, by: -1 | 1) =>
    setDraft((d) => {
      const next = [...d];
      [next[i], next[i + by]] = [next[i + by]!, next[i]!];
      return next;
    });
  const add = () =>
    setDraft((d) => {
      const rule: PresetRule = { id: `rule:user-${Date.now().toString(36)}`, when: ['portrait'], unless: [], presetId: fallback };
      const defaultAt = d.findIndex((r, i) => i === d.length - 1 && isDefault(r));
      return defaultAt >= 0 ? [...d.slice(0, defaultAt), rule, d[defaultAt]!] : [...d, rule];
    });
  const save = async () => {
    setBusy(true);
    try {
      await saveRules(draft);
      setStatus({ kind: 'ok', text: 'Rules saved. Photos get their new suggestion the next time their context is read.' });
    } catch (e) {
      setStatus({ kind: 'error', text: e instanceof Error ? e.message : String(e) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card rule-editor" aria-label="Selection rules" data-testid="rule-editor">
      <div className="preset-editor-head">
        <h3>Selection rules <span className="small muted">first match wins</span></h3>
        <div className="preset-actions">
          <button onClick={add}>Add rule</button>
          <button disabled={!dirty} onClick={() => { setDraft(rules); setStatus(null); }}>Revert</button>
          <button className="primary" disabled={!dirty || busy} onClick={() => void save()}>{busy ? 'Saving…' : 'Save rules'}</button>
        </div>
      </div>
      {status && <p className={`small ${status.kind === 'error' ? 'bad' : 'muted'}`} role={status.kind === 'error' ? 'alert' : 'status'} data-testid="rules-status">{status.text}</p>}
      <ol className="rule-list">
        {draft.map((r, i) => {
          const last = i === draft.length - 1;
          const theDefault = last && isDefault(r);
          return (
            <li key={r.id} className="rule-row" data-rule-id={r.id}>
              <span className="rule-pos" aria-hidden="true">{i + 1}</span>
              {theDefault ? (
                <span className="rule-labels"><span className="small muted">Default: every other photo</span></span>
              ) : (
                <div className="rule-conditions">
                  <LabelPicker title="When" labels={r.when} ruleIndex={i} onChange={(when) => update(i, { when })} />
                  <LabelPicker title="Unless" labels={r.unless ?? []} ruleIndex={i} onChange={(unless) => update(i, { unless })} />
                </div>
              )}
              <label className="rule-preset">
                <span aria-hidden="true">→</span>
                <select aria-label={`Preset of rule ${i + 1}`} value={r.presetId} onChange={(e) => update(i, { presetId: e.target.value })}>
                  {!presets.some((p) => p.id === r.presetId) && <option value={r.presetId}>{r.presetId} (missing)</option>}
                  {presets.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
                </select>
              </label>
              {theDefault && <span className="rule-actions-spacer" aria-hidden="true" />}
              {!theDefault && (
                <span className="preset-actions">
                  <button className="ghost" aria-label={`Move rule ${i + 1} up`} disabled={i === 0} onClick={() => move(i, -1)}>↑</button>
                  <button className="ghost" aria-label={`Move rule ${i + 1} down`} disabled={i >= draft.length - 1 || (i === draft.length - 2 && isDefault(draft.at(-1)!))} onClick={() => move(i, 1)}>↓</button>
                  <button className="ghost" aria-label={`Remove rule ${i + 1}`} onClick={() => setDraft((d) => d.filter((_, j) => j !== i))}>✕</button>
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
