/**
 * Export (issue 16): photos rendered with a preset into a folder, queued on the low lane; the progress
 * shows in the Queues view. `ExportFields` is the form for any set of photos (the grid's selection in a
 * dialog); `ExportForm` is "Export…" on the photo detail, for the open photo.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../state/context.js';
import { useExports, type ExportDto } from '../state/exports-store.js';

const photosText = (n: number) => `${n.toLocaleString()} photo${n === 1 ? '' : 's'}`;

/** The export form for these photos; `onQueued` hears of a created export (a dialog closes on it). */
export function ExportFields({ photoIds, onQueued, autoFocus = false }: { photoIds: string[]; onQueued?: (created: ExportDto) => void; autoFocus?: boolean }) {
  const create = useExports((s) => s.create);
  const loadPresets = useExports((s) => s.presets);
  const toast = useApp((s) => s.toast);
  const [presets, setPresets] = useState<Array<{ id: string; name: string }>>([]);
  const [targetDir, setTargetDir] = useState('');
  const [presetId, setPresetId] = useState('');
  const [longEdge, setLongEdge] = useState('2048');
  const [format, setFormat] = useState<'jpeg' | 'webp' | 'avif'>('jpeg');
  const [stripGps, setStripGps] = useState(false);
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'done' | 'error'; text?: string }>({ kind: 'idle' });

  useEffect(() => {
    void loadPresets().then(setPresets).catch(() => setPresets([]));
  }, [loadPresets]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setStatus({ kind: 'busy' });
    try {
      const created = await create({
        photoIds,
        targetDir: targetDir.trim(),
        options: {
          presetId: presetId || null,
          longEdge: longEdge.trim() ? Number(longEdge) : null,
          format,
          metadata: stripGps ? 'without-gps' : 'all',
        },
      });
      const text = `Export queued: ${photosText(created.total)} → ${created.targetDir} (progress in Queues)`;
      setStatus({ kind: 'done', text });
      toast('info', text);
      onQueued?.(created);
    } catch (err) {
      setStatus({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <form className="export-form" onSubmit={(e) => void submit(e)}>
      <label>
        Folder <input required autoFocus={autoFocus} placeholder="/path/to/export" value={targetDir} onChange={(e) => setTargetDir(e.target.value)} aria-label="Export folder" />
      </label>
      <label>
        Preset{' '}
        <select value={presetId} onChange={(e) => setPresetId(e.target.value)} aria-label="Preset">
          <option value="">none (as shot)</option>
          {presets.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </label>
      <label>
        Long edge <input type="number" min={16} max={65535} value={longEdge} onChange={(e) => setLongEdge(e.target.value)} aria-label="Long edge in pixels" /> px
      </label>
      <label>
        Format{' '}
        <select value={format} onChange={(e) => setFormat(e.target.value as 'jpeg' | 'webp' | 'avif')} aria-label="Format">
          <option value="jpeg">JPEG</option>
          <option value="webp">WebP</option>
          <option value="avif">AVIF</option>
        </select>
      </label>
      <label className="small">
        <input type="checkbox" checked={stripGps} onChange={(e) => setStripGps(e.target.checked)} /> Without GPS
      </label>
      <button className="primary" type="submit" disabled={status.kind === 'busy' || photoIds.length === 0}>
        {photoIds.length > 1 ? `Export ${photosText(photoIds.length)}` : 'Export'}
      </button>
      {status.kind === 'error' && <p className="bad small" role="alert">{status.text}</p>}
      {status.kind === 'done' && <p className="small muted" role="status">{status.text}</p>}
    </form>
  );
}

export function ExportForm({ photoIds }: { photoIds: string[] }) {
  const [open, setOpen] = useState(false);
  return (
    <section data-testid="export-form">
      <h4>
        <button className="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? '▾' : '▸'} Export…</button>
      </h4>
      {open && <ExportFields photoIds={photoIds} />}
    </section>
  );
}
