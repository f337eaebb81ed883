import { useId, useState, type FormEvent } from 'react';
import { useApp } from '../state/context.js';

/**
 * The folder "picker" that works everywhere: a path field. (A browser cannot reveal a dropped
 * folder's path; in Electron a drop or this field both work.)
 */
export function AddFolder({ compact = false }: { compact?: boolean }) {
  const addFolders = useApp((s) => s.addFolders);
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const paths = value.split('\n').map((p) => p.trim()).filter(Boolean);
    if (paths.length === 0) return;
    setBusy(true);
    if (await addFolders(paths)) setValue('');
    setBusy(false);
  };
  return (
    <form className={`add-folder${compact ? ' compact' : ''}`} onSubmit={(e) => void submit(e)}>
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
    </form>
  );
}
