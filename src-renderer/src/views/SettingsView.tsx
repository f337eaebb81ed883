import { useEffect, useState, type FormEvent } from 'react';
import type { SettingsDto } from '../../../src-shared/api/contract.js';
import { useApp } from '../state/context.js';

function SettingsForm({ settings }: { settings: SettingsDto }) {
  const save = useApp((s) => s.saveSettings);
  const transport = useApp((s) => s.transport);
  const [cpu, setCpu] = useState(String(settings.saved.cpuWorkers ?? settings.effective.cpuWorkers));
  const [ml, setMl] = useState(String(settings.saved.mlWorkers ?? settings.effective.mlWorkers));
  const [redis, setRedis] = useState(settings.saved.redisUrl ?? '');
  const [store, setStore] = useState(settings.saved.store ?? 'sqlite');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    await save({ cpuWorkers: Number(cpu), mlWorkers: Number(ml), redisUrl: redis.trim() || null, store: store.trim() || null });
    setBusy(false);
  };
  return (
    <form className="card settings" onSubmit={(e) => void submit(e)}>
      <fieldset>
        <legend>Concurrency</legend>
        <label>
          CPU worker processes
          <input type="number" min={1} max={64} required value={cpu} onChange={(e) => setCpu(e.target.value)} />
          <span className="hint">Decoding, thumbnails, metadata. Running now: {settings.effective.cpuWorkers}.</span>
        </label>
        <label>
          ML worker processes
          <input type="number" min={1} max={64} required value={ml} onChange={(e) => setMl(e.target.value)} />
          <span className="hint">Detection, tags, embeddings, quality. Running now: {settings.effective.mlWorkers}.</span>
        </label>
      </fieldset>
      <fieldset>
        <legend>Library</legend>
        <label>
          Data folder
          <input type="text" value={settings.dataDir} readOnly />
          <span className="hint">{transport === 'http' ? 'Chosen with shoebox serve --data.' : 'Where the library, caches and logs live.'}</span>
        </label>
        <label>
          Store
          <input type="text" value={store} onChange={(e) => setStore(e.target.value)} placeholder="sqlite" spellCheck={false} />
          <span className="hint">“sqlite” (default, in the data folder) or a postgres:// URL. In use: {settings.effective.store}.</span>
        </label>
        <label>
          External Redis URL
          <input type="text" value={redis} onChange={(e) => setRedis(e.target.value)} placeholder="empty: the bundled redis-server" spellCheck={false} />
          <span className="hint">For several machines sharing the queues. {settings.effective.redisUrl ? `In use: ${settings.effective.redisUrl}` : 'In use: bundled.'}</span>
        </label>
      </fieldset>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Saving…' : 'Save'}</button>
        <span className="hint">Saved settings apply the next time the engine starts.</span>
      </div>
    </form>
  );
}

export function SettingsView() {
  const settings = useApp((s) => s.settings);
  const load = useApp((s) => s.loadSettings);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <div className="view" data-testid="view-settings">
      <div className="view-head">
        <h2>Settings</h2>
      </div>
      {settings.status === 'ready' ? (
        <SettingsForm settings={settings.data} />
      ) : settings.status === 'error' ? (
        <div className="center-state" role="alert">
          <p>{settings.message}</p>
          <button onClick={() => void load()}>Try again</button>
        </div>
      ) : (
        <div className="center-state" aria-busy="true">
          <div className="spinner" aria-hidden="true" />
        </div>
      )}
    </div>
  );
}
