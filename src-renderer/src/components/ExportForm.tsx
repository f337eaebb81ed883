/**
 * "Export…" on the photo detail (issue 16): the photo rendered with a preset into a folder, queued on the
 * low lane; its progress shows in the Queues view.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { useApp } from '../state/context.js';
import { useExports } from '../state/exports-store.js';

export function ExportForm({ photoIds }: { photoIds: string[] }) {
  const create = useExports((s) => s.create);
  const loadPresets = useExports((s) => s.presets);
  const toast = useApp((s) => s.toast);
  const [open, setOpen] = useState(false);
  const [presets, setPresets] = useState<Array<{ id: string; name: string }>>([]);
  const [targetDir, setTargetDir] = useState('');
  const [presetId, setPresetId] = useState('');
  const [longEdge, setLongEdge] = useState('2048');
  const [format, setFormat] = useState<'jpeg' | 'webp' | 'avif'>('jpeg');
  const [stripGps, setStripGps] = useState(false);
  const [status, setStatus] = useState<{ kind: 'idle' | 'busy' | 'done' | 'error'; text?: string }>({ kind: 'idle' });

  useEffect(() => {
    if (open) void loadPresets().then(setPresets).catch(() => setPresets([]));
  }, [open, loadPresets]);

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
      const text = `Export queued: ${created.total} photo${created.total === 1 ? '' : 's'} → ${created.targetDir} (progress in Queues)`;
      setStatus({ kind: 'done', text });
      toast('info', text);
    } catch (err) {
      setStatus({ kind: 'error', text: err instanceof Error ? err.message : String(err) });
    }
  };

  return (
    <section data-testid="export-form">
      <h4>
        <button className="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>{open ? '▾' : '▸'} Export…</button>
      </h4>
      {open && (
        <form className="export-form" onSubmit={(e) => void submit(e)}>
          <label>
            Folder <input required placeholder="/path/to/export" value={targetDir} onChange={(e) => setTargetDir(e.target.value)} aria-label="Export folder" />
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
          <button className="primary" type="submit" disabled={status.kind === 'busy'}>Export</button>
          {status.kind === 'error' && <p className="bad small" role="alert">{status.text}</p>}
          {status.kind === 'done' && <p className="small muted" role="status">{status.text}</p>}
        </form>
      )}
    </section>
  );
}
