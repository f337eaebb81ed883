/**
 * One preset in the editor: its name and its crs: settings as sliders with Camera Raw's ranges, and a
 * live before/after of a library photo. The "after" is rendered by a worker (presets.preview, a
 * high_priority job) from the photo's cached preview, debounced while a slider moves; an answer that
 * arrives after a newer request is dropped. Built-ins are read-only: "Duplicate to edit".
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { CRS_SLIDERS, formatCrsValue, sliderValue, withSlider, type CrsSlider } from '../../../../src-shared/crs-sliders.js';
import type { CrsSettings, Preset } from '../../../../src-shared/presets.js';
import { usePresets, type PresetPreviewDto } from '../../state/presets-store.js';

/** Slider changes wait this long for the next one before a preview is asked for. */
const PREVIEW_DEBOUNCE_MS = 250;

const GROUPS = ['Light', 'Colour', 'Presence', 'Detail'] as const;
const SHOWN_KEYS = new Set<string>([...CRS_SLIDERS.map((s) => s.key), 'ConvertToGrayscale', 'ProcessVersion', 'HasSettings']);

export interface PreviewPhoto {
  id: string;
  name: string;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

type Shot = { status: 'idle' | 'loading' } | { status: 'ready'; data: PresetPreviewDto } | { status: 'error'; message: string };

/** Renders `settings` for `photoId`, debounced; keeps the last image on screen while the next one renders. */
function usePreview(photoId: string | null, settings: CrsSettings | null, delayMs: number): Shot & { last: PresetPreviewDto | null } {
  const preview = usePresets((s) => s.preview);
  const [shot, setShot] = useState<Shot>({ status: 'idle' });
  const [last, setLast] = useState<PresetPreviewDto | null>(null);
  const seq = useRef(0);
  const key = settings ? JSON.stringify(settings) : null;
  useEffect(() => {
    if (!photoId || key === null) return;
    const mine = ++seq.current;
    setShot({ status: 'loading' });
    const timer = setTimeout(() => {
      preview(photoId, JSON.parse(key) as CrsSettings).then(
        (data) => {
          if (seq.current !== mine) return;
          setShot({ status: 'ready', data });
          setLast(data);
        },
        (e: unknown) => seq.current === mine && setShot({ status: 'error', message: errorText(e) }),
      );
    }, delayMs);
    return () => clearTimeout(timer);
  }, [photoId, key, delayMs, preview]);
  useEffect(() => setLast(null), [photoId]);
  return { ...shot, last };
}

function Slider({ slider, value, disabled, onChange }: { slider: CrsSlider; value: number; disabled: boolean; onChange: (v: number) => void }) {
  const id = `crs-${slider.key}`;
  return (
    <div className="crs-slider">
      <label htmlFor={id}>{slider.label}</label>
      <input
        id={id}
        type="range"
        min={slider.min}
        max={slider.max}
        step={slider.step}
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(Number(e.target.value))}
        aria-valuetext={formatCrsValue(slider, value)}
        data-key={slider.key}
      />
      <output htmlFor={id} className="crs-value">{formatCrsValue(slider, value)}</output>
    </div>
  );
}

export function PresetEditor({ preset, photos, photoId, onPhoto, onDuplicate, onDeleted }: {
  preset: Preset;
  photos: PreviewPhoto[];
  photoId: string | null;
  onPhoto: (id: string) => void;
  onDuplicate: (preset: Preset) => void;
  onDeleted: () => void;
}) {
  const savePreset = usePresets((s) => s.savePreset);
  const deletePreset = usePresets((s) => s.deletePreset);
  const readOnly = preset.source === 'builtin';
  const [name, setName] = useState(preset.name);
  const [settings, setSettings] = useState<CrsSettings>(preset.settings);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setName(preset.name);
    setSettings(preset.settings);
    setStatus(null);
  }, [preset]);

  const neutral = useMemo<CrsSettings>(() => ({}), []);
  const before = usePreview(photoId, neutral, 0);
  const after = usePreview(photoId, settings, PREVIEW_DEBOUNCE_MS);
  const dirty = name !== preset.name || JSON.stringify(settings) !== JSON.stringify(preset.settings);
  const others = Object.keys(settings).filter((k) => !SHOWN_KEYS.has(k));

  const save = async () => {
    setBusy(true);
    try {
      await savePreset({ id: preset.id, name, group: preset.group, settings });
      setStatus({ kind: 'ok', text: 'Saved.' });
    } catch (e) {
      setStatus({ kind: 'error', text: errorText(e) });
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete the preset “${preset.name}”? Sidecars already written keep their settings.`)) return;
    try {
      await deletePreset(preset.id);
      onDeleted();
    } catch (e) {
      setStatus({ kind: 'error', text: errorText(e) });
    }
  };

  return (
    <section className="card preset-editor" aria-label="Preset editor" data-testid="preset-editor">
      <div className="preset-editor-head">
        {readOnly ? (
          <h3>{preset.name} <span className="pill">built in</span></h3>
        ) : (
          <label className="preset-name">
            <span className="sr-only">Preset name</span>
            <input type="text" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} aria-label="Preset name" />
          </label>
        )}
        <div className="preset-actions">
          {readOnly ? (
            <button className="primary" onClick={() => onDuplicate({ ...preset, name, settings })}>Duplicate to edit</button>
          ) : (
            <>
              <button className="primary" disabled={!dirty || busy || !name.trim()} onClick={() => void save()}>{busy ? 'Saving…' : 'Save'}</button>
              <button disabled={!dirty} onClick={() => { setName(preset.name); setSettings(preset.settings); }}>Revert</button>
              <button onClick={() => onDuplicate({ ...preset, name, settings })}>Duplicate</button>
              <button className="danger" onClick={() => void remove()}>Delete</button>
            </>
          )}
        </div>
      </div>
      {status && <p className={`small ${status.kind === 'error' ? 'bad' : 'muted'}`} role={status.kind === 'error' ? 'alert' : 'status'}>{status.text}</p>}
      {readOnly && <p className="small muted">Built-in presets stay as shipped; duplicate one to make it yours.</p>}

      <div className="preset-preview">
        <div className="preset-preview-bar">
          <label>
            Preview photo{' '}
            <select value={photoId ?? ''} onChange={(e) => onPhoto(e.target.value)} disabled={photos.length === 0}>
              {photos.length === 0 && <option value="">no analysed photo yet</option>}
              {photos.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
            </select>
          </label>
          <span className="small muted" aria-live="polite" data-testid="preview-status">
            {after.status === 'loading' ? 'Rendering…' : after.status === 'ready' ? `Rendered by a worker in ${after.data.ms} ms` : after.status === 'error' ? '' : ''}
          </span>
        </div>
        {after.status === 'error' && <p className="small bad" role="alert">{after.message}</p>}
        {photoId ? (
          <div className="before-after">
            <figure>
              {before.last ? <img src={before.last.image} alt="Before: the photo without the preset" data-testid="preview-before" /> : <div className="preview-placeholder" aria-busy="true" />}
              <figcaption>Before</figcaption>
            </figure>
            <figure className={after.status === 'loading' ? 'rendering' : ''}>
              {after.last ? <img src={after.last.image} alt={`After: the photo with ${name}`} data-testid="preview-after" /> : <div className="preview-placeholder" aria-busy="true" />}
              <figcaption>After</figcaption>
            </figure>
          </div>
        ) : (
          <p className="muted small">Analyse a folder first: the preview renders a photo of the library.</p>
        )}
      </div>

      <div className="crs-groups">
        {GROUPS.map((g) => (
          <fieldset key={g} className="crs-group">
            <legend>{g}</legend>
            {CRS_SLIDERS.filter((s) => s.group === g).map((s) => (
              <Slider key={s.key} slider={s} value={sliderValue(settings, s)} disabled={readOnly} onChange={(v) => setSettings((cur) => withSlider(cur, s, v))} />
            ))}
            {g === 'Colour' && (
              <label className="crs-check">
                <input
                  type="checkbox"
                  checked={settings.ConvertToGrayscale === 'True'}
                  disabled={readOnly}
                  onChange={(e) => setSettings((cur) => ({ ...cur, ConvertToGrayscale: e.target.checked ? 'True' : 'False' }))}
                />
                Black &amp; white
              </label>
            )}
          </fieldset>
        ))}
      </div>
      {others.length > 0 && (
        <p className="small muted">Also kept as they are ({others.length}): {others.slice(0, 12).join(', ')}{others.length > 12 ? '…' : ''}.</p>
      )}
    </section>
  );
}
