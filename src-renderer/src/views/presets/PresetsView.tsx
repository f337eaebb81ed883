/**
 * The Presets view (issue 15): the library's presets (built-ins, imported Lightroom / Camera Raw files,
 * the person's own) with the editor and its live before/after, importing a `.xmp` preset file, the ordered
 * selection rules, and "apply suggested presets to this folder" (bulk lane, best quality first).
 */
import { useEffect, useState, type ChangeEvent } from 'react';
import type { Preset } from '../../../../src-shared/presets.js';
import { useApp } from '../../state/context.js';
import { usePresets } from '../../state/presets-store.js';
import { PresetEditor, type PreviewPhoto } from './PresetEditor.js';
import { RuleEditor } from './RuleEditor.js';
import './presets.css';

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
const SOURCE_LABEL: Record<Preset['source'], string> = { builtin: 'built in', imported: 'imported', user: 'yours' };

function ImportButton({ onImported }: { onImported: (p: Preset, skipped: string[]) => void }) {
  const importPreset = usePresets((s) => s.importPreset);
  const [error, setError] = useState<string | null>(null);
  const onFile = async (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    try {
      if (file.size > 2_000_000) throw new Error(`${file.name} is ${Math.round(file.size / 1e6)} MB: not a preset file`);
      const { preset, skipped } = await importPreset(file.name, await file.text());
      onImported(preset, skipped);
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <div className="import-preset">
      <label className="button-like">
        Import .xmp preset…
        <input type="file" accept=".xmp,application/rdf+xml" className="sr-only" onChange={(e) => void onFile(e)} data-testid="import-preset" />
      </label>
      {error && <span className="small bad" role="alert">{error}</span>}
    </div>
  );
}

/** How sidecars are named: `photo.xmp` (Lightroom, Capture One) or `photo.jpg.xmp` (darktable, digiKam). */
function SidecarNaming({ naming }: { naming: 'stem' | 'full' }) {
  const setNaming = usePresets((s) => s.setNaming);
  const [error, setError] = useState<string | null>(null);
  const choose = (n: 'stem' | 'full') => setNaming(n).then(() => setError(null), (e: unknown) => setError(errorText(e)));
  return (
    <div className="chips-row" role="group" aria-label="Sidecar names">
      <span className="small muted">Sidecar names</span>
      <div className="segmented">
        <button className={naming === 'stem' ? 'active' : ''} aria-pressed={naming === 'stem'} onClick={() => void choose('stem')} title="Lightroom, Capture One">photo.xmp</button>
        <button className={naming === 'full' ? 'active' : ''} aria-pressed={naming === 'full'} onClick={() => void choose('full')} title="darktable, digiKam">photo.jpg.xmp</button>
      </div>
      {error && <span className="small bad" role="alert">{error}</span>}
    </div>
  );
}

function FolderApply({ naming }: { naming: 'stem' | 'full' }) {
  const folders = useApp((s) => s.folders);
  const loadFolders = useApp((s) => s.loadFolders);
  const applyFolder = usePresets((s) => s.applyFolder);
  const [folder, setFolder] = useState('');
  const [result, setResult] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  useEffect(() => {
    void loadFolders();
  }, [loadFolders]);
  const list = folders.status === 'ready' ? folders.data : [];
  const chosen = folder || list[0]?.path || '';
  const apply = async () => {
    try {
      const r = await applyFolder(chosen);
      const b = r.byPriority;
      setResult({ kind: 'ok', text: `Queued ${r.queued} sidecar write${r.queued === 1 ? '' : 's'} on the bulk lane: ${b.high} high, ${b.medium} medium, ${b.low} low priority (by quality).` });
    } catch (e) {
      setResult({ kind: 'error', text: errorText(e) });
    }
  };
  return (
    <section className="card folder-apply" aria-label="Apply suggested presets to a folder">
      <h3>Apply suggested presets to a folder</h3>
      <p className="small muted">Writes each photo's XMP sidecar with its suggested preset, in the background, best photos first (quality ≥ 4.5, then 3.5–4.5, then the rest).</p>
      <div className="chips-row">
        <select aria-label="Folder" value={chosen} onChange={(e) => setFolder(e.target.value)} disabled={list.length === 0}>
          {list.length === 0 && <option value="">no folder in the library</option>}
          {list.map((f) => <option key={f.path} value={f.path}>{f.path} ({f.photos})</option>)}
        </select>
        <button disabled={!chosen} onClick={() => void apply()}>Apply suggested presets</button>
      </div>
      {result && <p className={`small ${result.kind === 'error' ? 'bad' : 'muted'}`} role={result.kind === 'error' ? 'alert' : 'status'}>{result.text}</p>}
      <SidecarNaming naming={naming} />
    </section>
  );
}

export function PresetsView() {
  const library = usePresets((s) => s.library);
  const loadLibrary = usePresets((s) => s.loadLibrary);
  const savePreset = usePresets((s) => s.savePreset);
  const previewPhotos = usePresets((s) => s.previewPhotos);
  const openPhotoId = useApp((s) => (s.detail.status === 'ready' && s.detail.data.state === 'done' ? s.detail.data.id : null));
  const [selected, setSelected] = useState<string | null>(null);
  const [photos, setPhotos] = useState<PreviewPhoto[]>([]);
  const [photoId, setPhotoId] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);

  useEffect(() => {
    void loadLibrary();
    void previewPhotos().then(
      (list) => {
        setPhotos(list);
        setPhotoId((cur) => cur ?? (openPhotoId && list.some((p) => p.id === openPhotoId) ? openPhotoId : list[0]?.id ?? null));
      },
      () => setPhotos([]),
    );
  }, [loadLibrary, previewPhotos, openPhotoId]);

  if (library.status !== 'ready') {
    return (
      <div className="view" data-testid="view-presets">
        <div className="view-head"><h2>Presets</h2></div>
        {library.status === 'error' ? (
          <div className="center-state" role="alert">
            <p>{library.message}</p>
            <button onClick={() => void loadLibrary()}>Try again</button>
          </div>
        ) : (
          <div className="center-state" aria-busy="true"><div className="spinner" aria-hidden="true" /></div>
        )}
      </div>
    );
  }
  const { presets, rules } = library.data;
  const current = presets.find((p) => p.id === selected) ?? presets[0] ?? null;
  const duplicate = async (p: Preset) => {
    try {
      const copy = await savePreset({ name: `${p.name} (copy)`, group: p.group, settings: p.settings });
      setSelected(copy.id);
      setNote(null);
    } catch (e) {
      setNote(errorText(e));
    }
  };

  return (
    <div className="view presets-view" data-testid="view-presets">
      <div className="view-head">
        <h2>Presets</h2>
        <ImportButton
          onImported={(p, skipped) => {
            setSelected(p.id);
            setNote(`Imported “${p.name}” (${Object.keys(p.settings).length} settings${skipped.length ? `; not imported: ${skipped.join(', ')}` : ''}).`);
          }}
        />
      </div>
      {note && <p className="small muted" role="status">{note}</p>}
      <div className="presets-layout">
        <nav className="card preset-list" aria-label="Presets">
          <ul>
            {presets.map((p) => (
              <li key={p.id}>
                <button className={current?.id === p.id ? 'active' : ''} aria-current={current?.id === p.id ? 'true' : undefined} onClick={() => { setSelected(p.id); setNote(null); }}>
                  <span className="preset-list-name">{p.name}</span>
                  <span className="small muted">{SOURCE_LABEL[p.source]}</span>
                </button>
              </li>
            ))}
          </ul>
        </nav>
        {current && (
          <PresetEditor
            preset={current}
            photos={photos}
            photoId={photoId}
            onPhoto={setPhotoId}
            onDuplicate={(p) => void duplicate(p)}
            onDeleted={() => { setSelected(null); setNote('Preset deleted.'); }}
          />
        )}
      </div>
      <RuleEditor rules={rules} presets={presets} />
      <FolderApply naming={library.data.sidecarNaming} />
    </div>
  );
}
