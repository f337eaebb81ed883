import { useId, useState, type FormEvent } from 'react';
import { useApp } from '../state/context.js';

/**
 * The folder "picker" that works everywhere: a path field. (A browser cannot reveal a dropped
 * folder's path; in Electron a drop, this field or the native picker behind "Choose…" all work.)
 */
export function AddFolder({ compact = false }: { compact?: boolean }) {
  const addFolders = useApp((s) => s.addFolders);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  // The desktop app has a native folder picker; a browser has only the path field.
  const pickFolders = window.shoebox?.pickFolders;
  const choose = async () => {
    const paths = (await pickFolders?.()) ?? [];
    if (paths.length === 0) return;
    setBusy(true);
    await addFolders(paths);
    setBusy(false);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const paths = value.split('\n').map((p) => p.trim()).filter(Boolean);
    if (paths.length === 0) return;
    setBusy(true);
    if (await addFolders(paths)) setValue('');
    setBusy(false);
  };
  return (
    <form className={`add-folder${compact ? ' compact' : ''}${pickFolders ? ' with-picker' : ''}`} onSubmit={(e) => void submit(e)}>
      <label htmlFor={id} className={compact ? 'sr-only' : ''}>Folder or photo to analyse</label>
      <input
        id={id}
        name="path"
        type="text"
        placeholder="/path/to/photos"
        value={value}
        onChange={(e) => setValue(e.target.value)}
        spellCheck={false}
        autoComplete="off"
      />
      <button type="submit" className="primary" disabled={busy || value.trim() === ''}>
        {busy ? 'Adding…' : 'Add folder'}
      </button>
      {pickFolders && (
        <button type="button" disabled={busy} onClick={() => void choose()} title="Choose folders with the system's folder picker">
          Choose…
        </button>
      )}
    </form>
  );
}
