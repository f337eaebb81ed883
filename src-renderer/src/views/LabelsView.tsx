import { useEffect, type ReactNode } from 'react';
import type { EvalRunDto, LabelPhotoDto } from '../../../src-shared/api/labels-contract.js';
import { useMediaUrl } from '../components/media.js';
import { fileName } from '../format.js';
import { useLabels } from '../state/labels.js';
import './labels.css';

const pct = (v: number) => `${Math.round(v * 100)} %`;
/** Two decimals, without a "-0.00" for a score a hair under zero. */
const num = (v: number) => (Math.abs(v) < 0.005 ? 0 : v).toFixed(2);

/** The latest run's precision/recall curve and the P / R / F1 of every run, oldest to newest. */
function EvalChart({ runs }: { runs: EvalRunDto[] }) {
  if (runs.length === 0) return <p className="muted">No evaluation yet: a label needs two examples.</p>;
  const latest = runs[0]!;
  const W = 220;
  const H = 140;
  const pad = 24;
  const x = (r: number) => pad + r * (W - pad - 6);
  const y = (p: number) => H - pad - p * (H - pad - 6);
  const curve = [...latest.curve].sort((a, b) => a.recall - b.recall);
  const history = [...runs].reverse().slice(-12);
  const hx = (i: number) => pad + (history.length === 1 ? 0.5 : i / (history.length - 1)) * (W - pad - 6);
  const line = (key: 'precision' | 'recall' | 'f1') => history.map((r, i) => `${hx(i).toFixed(1)},${y(r[key]).toFixed(1)}`).join(' ');
  return (
    <div className="eval-charts">
      <figure>
        <svg width={W} height={H} role="img" aria-label={`Precision/recall curve of the latest evaluation: precision ${pct(latest.precision)}, recall ${pct(latest.recall)}`}>
          <line x1={pad} y1={y(0)} x2={W - 6} y2={y(0)} className="axis" />
          <line x1={pad} y1={y(0)} x2={pad} y2={6} className="axis" />
          <text x={pad} y={H - 6} className="tick">recall →</text>
          <text x={2} y={12} className="tick">P</text>
          <polyline points={curve.map((p) => `${x(p.recall).toFixed(1)},${y(p.precision).toFixed(1)}`).join(' ')} className="curve" />
          <circle cx={x(latest.recall)} cy={y(latest.precision)} r={4} className="operating" />
        </svg>
        <figcaption className="muted small">Latest run at the threshold: P {pct(latest.precision)} · R {pct(latest.recall)} · F1 {pct(latest.f1)}</figcaption>
      </figure>
      <figure>
        <svg width={W} height={H} role="img" aria-label={`Precision, recall and F1 of the last ${history.length} evaluations`}>
          <line x1={pad} y1={y(0)} x2={W - 6} y2={y(0)} className="axis" />
          <line x1={pad} y1={y(0)} x2={pad} y2={6} className="axis" />
          <text x={pad} y={H - 6} className="tick">runs →</text>
          {(['precision', 'recall', 'f1'] as const).map((k) => (
            <polyline key={k} points={line(k)} className={`hist hist-${k}`} />
          ))}
          {history.map((r, i) => (
            <circle key={r.id} cx={hx(i)} cy={y(r.f1)} r={2.5} className="hist-dot" />
          ))}
        </svg>
        <figcaption className="muted small">
          <span className="key key-precision">precision</span> <span className="key key-recall">recall</span> <span className="key key-f1">F1</span> · {latest.positives} examples, {latest.negatives} “not this”, {latest.folds}-fold
        </figcaption>
      </figure>
    </div>
  );
}

function Tile({ photo, children }: { photo: LabelPhotoDto; children?: ReactNode }) {
  const mediaUrl = useMediaUrl();
  return (
    <li className="label-tile" data-testid={photo.kind ? 'label-example' : 'label-suggestion'} title={photo.path}>
      {photo.thumbnail ? <img src={mediaUrl(photo.thumbnail)} alt={fileName(photo.path)} loading="lazy" /> : <div className="face-missing" />}
      <div className="label-tile-foot">
        {photo.score !== null ? <span className="score">{num(photo.score)}</span> : <span className={`kind kind-${photo.kind}`}>{photo.kind === 'negative' ? 'not this' : 'example'}</span>}
        {children}
      </div>
    </li>
  );
}

function LabelPage() {
  const page = useLabels((s) => s.page);
  const name = useLabels((s) => s.openName)!;
  const open = useLabels((s) => s.open);
  const judge = useLabels((s) => s.judge);
  const evaluate = useLabels((s) => s.evaluate);
  const recalculating = useLabels((s) => s.recalculating);
  if (!page) {
    return (
      <div className="center-state" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
      </div>
    );
  }
  return (
    <div className="view labels">
      <div className="view-head">
        <button onClick={() => void open(null)}>← Labels</button>
        <h2 className="label-title">
          {page.label.name}{' '}
          <span className="muted">
            {page.label.positives} example{page.label.positives === 1 ? '' : 's'} · {page.label.negatives} “not this”
            {page.threshold !== null ? ` · threshold ${num(page.threshold)}` : ''}
          </span>
        </h2>
        {recalculating && <span className="pill pill-running" role="status">recalculating…</span>}
        <button onClick={() => void evaluate()}>Evaluate</button>
      </div>
      <section className="card">
        <h3>How well it learns {page.model && <span className="muted small">({page.model})</span>}</h3>
        <EvalChart runs={page.runs} />
      </section>
      <section className="card">
        <h3>
          Suggestions <span className="muted">{page.suggestions.length}</span>
        </h3>
        {page.suggestions.length === 0 ? (
          <p className="muted">{page.threshold === null ? 'No suggestions until the label has an analysed example.' : `No other photo scores above ${num(page.threshold)}.`}</p>
        ) : (
          <ul className="label-grid">
            {page.suggestions.map((s) => (
              <Tile key={s.photoId} photo={s}>
                <button className="primary small-button" aria-label={`Accept ${fileName(s.path)} as ${name}`} onClick={() => void judge(s.photoId, 'positive')}>✓</button>
                <button className="small-button" aria-label={`Reject ${fileName(s.path)} for ${name}`} onClick={() => void judge(s.photoId, 'negative')}>✕</button>
              </Tile>
            ))}
          </ul>
        )}
      </section>
      <section className="card">
        <h3>Examples</h3>
        <ul className="label-grid">
          {page.examples.map((e) => (
            <Tile key={e.photoId} photo={e} />
          ))}
        </ul>
      </section>
    </div>
  );
}

export function LabelsView() {
  const labels = useLabels((s) => s.labels);
  const openName = useLabels((s) => s.openName);
  const load = useLabels((s) => s.load);
  const open = useLabels((s) => s.open);
  const error = useLabels((s) => s.error);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <>
      {error && <div className="banner-inline" role="alert">{error}</div>}
      {openName ? (
        <LabelPage />
      ) : (
        <div className="view labels">
          <div className="view-head">
            <h2>Labels</h2>
          </div>
          {labels.length === 0 ? (
            <p className="muted card">
              No labels yet. Teach one with a few photos: <code>shoebox label add &lt;label&gt; &lt;photo…&gt;</code>
            </p>
          ) : (
            <ul className="label-list">
              {labels.map((l) => (
                <li key={l.id} className="card">
                  <button className="link" onClick={() => void open(l.name)}>{l.name}</button>
                  <span className="muted small">
                    {l.positives} examples · {l.suggestions} suggested{l.lastF1 !== null ? ` · F1 ${pct(l.lastF1)}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </>
  );
}
