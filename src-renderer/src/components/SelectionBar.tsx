/**
 * The bar over the Library grid while photos are selected (issues 15, 16): how many, Clear, and what a
 * person does to all of them at once: apply a preset (sidecars, high_priority), export, rate 0–5, colour
 * label, reject. The same keys work in the grid: 0–5 rate, 6–9 label, X rejects, Ctrl+A, Esc.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { COLOUR_LABELS, type ColourLabel } from '../../../src-shared/presets.js';
import { useApp } from '../state/context.js';
import { useExports } from '../state/exports-store.js';
import { ExportFields } from './ExportForm.js';
import { Modal } from './Modal.js';

const SUGGESTED = '';
const photosText = (n: number) => `${n.toLocaleString()} photo${n === 1 ? '' : 's'}`;

function ApplyPresetDialog({ count, onClose }: { count: number; onClose: () => void }) {
  const loadPresets = useExports((s) => s.presets);
  const apply = useApp((s) => s.applyPresetToSelection);
  const [presets, setPresets] = useState<Array<{ id: string; name: string }> | null>(null);
  const [presetId, setPresetId] = useState(SUGGESTED);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void loadPresets().then(setPresets, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, [loadPresets]);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const name = presetId === SUGGESTED ? 'each photo’s suggested preset' : presets?.find((p) => p.id === presetId)?.name ?? presetId;
    const ok = await apply(presetId === SUGGESTED ? null : presetId, name);
    setBusy(false);
    if (ok) onClose();
  };
  return (
    <Modal title={`Apply a preset to ${photosText(count)}`} onClose={onClose} testId="apply-preset-dialog">
      <form className="export-form" onSubmit={(e) => void submit(e)}>
        <p className="small muted">Writes an XMP sidecar next to each photo (Lightroom, darktable and digiKam read it); the originals are never changed.</p>
        <label>
          Preset{' '}
          <select value={presetId} onChange={(e) => setPresetId(e.target.value)} aria-label="Preset to apply">
            <option value={SUGGESTED}>Suggested preset (each photo’s own)</option>
            {(presets ?? []).map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
        </label>
        <button className="primary" type="submit" disabled={busy || presets === null}>Apply to {photosText(count)}</button>
        {error && <p className="bad small" role="alert">{error}</p>}
      </form>
    </Modal>
  );
}

const STARS = [0, 1, 2, 3, 4, 5] as const;

export function SelectionBar() {
  const ids = useApp((s) => s.selection);
  const clear = useApp((s) => s.clearSelection);
  const mark = useApp((s) => s.markSelection);
  const [dialog, setDialog] = useState<'preset' | 'export' | null>(null);
  const count = ids.size;
  // The bar keeps its place (and height) while nothing is selected, so that the first click of a
  // double-click does not move the grid under the second one.
  if (count === 0) {
    return (
      <div className="selection-bar empty" data-testid="selection-hint">
        <span className="muted small">Click, Ctrl-click or Shift-click photos to select them; Ctrl+A selects all of them. Then rate (0–5), label, apply a preset or export.</span>
      </div>
    );
  }
  return (
    <div className="selection-bar" role="toolbar" aria-label="Selected photos" data-testid="selection-bar">
      <span className="selection-count" data-testid="selection-count" aria-live="polite">{count.toLocaleString()} selected</span>
      <button className="ghost" onClick={clear} title="Clear the selection (Esc)">Clear</button>
      <span className="selection-sep" aria-hidden="true" />
      <button onClick={() => setDialog('preset')}>Apply preset…</button>
      <button onClick={() => setDialog('export')}>Export…</button>
      <span className="rating-buttons" role="group" aria-label="Rate">
        {STARS.map((n) => (
          <button key={n} onClick={() => void mark({ rating: n })} title={n === 0 ? 'No rating (key 0)' : `Rate ${'★'.repeat(n)} (key ${n})`} aria-label={n === 0 ? 'No rating' : `Rate ${n}`}>
            {n === 0 ? '☆' : `${n}★`}
          </button>
        ))}
      </span>
      <select
        aria-label="Colour label"
        value=""
        onChange={(e) => {
          const v = e.target.value;
          if (v) void mark({ label: v === 'none' ? null : (v as ColourLabel) });
        }}
      >
        <option value="">Label…</option>
        {COLOUR_LABELS.map((l) => <option key={l} value={l}>{l}</option>)}
        <option value="none">No label</option>
      </select>
      <button className="danger" onClick={() => void mark({ rating: -1 })} title="Reject (key X): rating −1 in the sidecar; nothing is deleted">Reject</button>
      {dialog === 'preset' && <ApplyPresetDialog count={count} onClose={() => setDialog(null)} />}
      {dialog === 'export' && (
        <Modal title={`Export ${photosText(count)}`} onClose={() => setDialog(null)} testId="export-dialog">
          <p className="small muted">Rendered from the originals on the low lane (analysis and your requests go first); the progress shows in Queues.</p>
          <ExportFields photoIds={[...ids]} autoFocus onQueued={() => setDialog(null)} />
        </Modal>
      )}
    </div>
  );
}
