/** On the photo detail: the photo's context (each label with its reason) and the suggested preset with its rule. */
import { Fragment, useEffect } from 'react';
import { useApp } from '../state/context.js';
import { usePresets } from '../state/presets-store.js';

export function PresetSuggestion({ photoId, revision }: { photoId: string; revision: number }) {
  const context = usePresets((s) => s.context);
  const applying = usePresets((s) => s.applying);
  const loadContext = usePresets((s) => s.loadContext);
  const applySuggested = usePresets((s) => s.applySuggested);
  const state = useApp((s) => (s.detail.status === 'ready' ? s.detail.data.state : null));

  useEffect(() => {
    if (state === 'done') void loadContext(photoId);
  }, [photoId, revision, state, loadContext]);

  if (state !== 'done') return null;
  return (
    <section data-testid="detail-preset">
      <h4>
        Suggested preset{' '}
        {context.status === 'ready' && <span className="muted">{context.data.presetName ?? context.data.presetId ?? 'none'}</span>}
      </h4>
      {context.status === 'loading' && <p className="muted">Reading the photo's context…</p>}
      {context.status === 'error' && <p className="muted">Context unavailable: {context.message}</p>}
      {context.status === 'ready' && (
        <>
          <p className="small muted" data-testid="detail-preset-rule">
            {context.data.rule ? `Rule: ${context.data.rule}` : 'No rule matched: the default preset'}
          </p>
          {context.data.findings.length === 0 ? (
            <p className="small muted">No particular context recognised.</p>
          ) : (
            <dl className="meta">
              {context.data.findings.map((f) => (
                <Fragment key={f.label}>
                  <dt>{f.label}</dt>
                  <dd>{f.reason}</dd>
                </Fragment>
              ))}
            </dl>
          )}
          <div className="detail-actions">
            <button onClick={() => void applySuggested(photoId)} disabled={applying === 'queued'}>
              {applying === 'queued' ? 'Sidecar write queued' : 'Write XMP sidecar with this preset'}
            </button>
            {typeof applying === 'object' && <span className="small muted">{applying.error}</span>}
          </div>
        </>
      )}
    </section>
  );
}
