import { useEffect, useRef, useState } from 'react';
import type { CullGroup, CullPhoto } from '../../../src-shared/api/culling-contract.js';
import { useMediaUrl } from '../components/media.js';
import { plural } from '../format.js';
import { useApp } from '../state/context.js';
import './culling.css';

const fileName = (p: string): string => p.split(/[\\/]/).pop() ?? p;
/** Side of one loupe crop, in preview pixels shown at 100 % (smaller on a short window). */
const loupeSide = (): number => (window.innerHeight < 720 ? 150 : 220);

const KINDS = [
  { id: 'all', label: 'All' },
  { id: 'burst', label: 'Bursts' },
  { id: 'duplicate', label: 'Duplicates' },
] as const;

/** One frame of a group: thumbnail, pick / reject marks, reasons under it. */
function Frame({ photo, selected, onSelect }: { photo: CullPhoto; selected: boolean; onSelect: () => void }) {
  const media = useMediaUrl();
  const rejected = photo.decision.rejected;
  const personPick = photo.decision.picked;
  return (
    <li
      className={`cull-frame${selected ? ' selected' : ''}${photo.pick ? ' pick' : ''}${rejected ? ' rejected' : ''}`}
      aria-selected={selected}
      data-photo-id={photo.photoId}
      onClick={onSelect}
    >
      <div className="cull-thumb">
        {photo.thumbnailPath ? <img src={media(photo.thumbnailPath)} alt={fileName(photo.path)} draggable={false} /> : <span aria-hidden="true">…</span>}
        {photo.pick && <span className="cull-badge pick-badge">★ {personPick ? 'Your pick' : 'Pick'}</span>}
        {rejected && <span className="cull-badge reject-badge">✗ Rejected</span>}
      </div>
      <div className="cull-caption">
        <span className="cull-name" title={photo.path}>{fileName(photo.path)}</span>
        <span className="cull-score" title="Rank score within this group (0–100)">{photo.score.toFixed(0)}</span>
      </div>
      <ul className="cull-reasons">
        {photo.reasons.map((r) => (
          <li key={r} className={/blur|closed|clipped|softer|out of focus|smaller/.test(r) ? 'bad' : /sharpest|open|full resolution|best/.test(r) ? 'good' : ''}>
            {r}
          </li>
        ))}
      </ul>
    </li>
  );
}

/** A 100 % crop of the preview around a point (normalised), the image's own pixels. */
function LoupeCrop({ src, cx, cy, label }: { src: string; cx: number; cy: number; label: string }) {
  const [size, setSize] = useState<{ w: number; h: number } | null>(null);
  const LOUPE = loupeSide();
  const left = size ? Math.min(0, Math.max(LOUPE - size.w, LOUPE / 2 - cx * size.w)) : 0;
  const top = size ? Math.min(0, Math.max(LOUPE - size.h, LOUPE / 2 - cy * size.h)) : 0;
  return (
    <figure className="loupe-crop">
      <div className="loupe-window" style={{ width: LOUPE, height: LOUPE }}>
        <img
          src={src}
          alt=""
          draggable={false}
          style={{ left, top, visibility: size ? 'visible' : 'hidden' }}
          onLoad={(e) => setSize({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })}
        />
      </div>
      <figcaption>{label}</figcaption>
    </figure>
  );
}

function Loupe({ photo }: { photo: CullPhoto }) {
  const media = useMediaUrl();
  if (!photo.previewPath) return null;
  const src = media(photo.previewPath);
  const spots = photo.faces.length
    ? photo.faces.slice(0, 6).map((f, i) => ({
        cx: f.box[0] + f.box[2] / 2,
        cy: f.box[1] + f.box[3] / 2,
        label: `face ${i + 1}${f.eyeState === 'closed' ? ' · eyes closed' : f.eyeState === 'open' ? ' · eyes open' : ''}`,
      }))
    : [{ cx: 0.5, cy: 0.5, label: 'centre (no faces found)' }];
  return (
    <section className="cull-loupe card" aria-label="Loupe at 100 %">
      <h3>
        Loupe · 100 % <span className="muted">{fileName(photo.path)} — preview pixels, L to close</span>
      </h3>
      <div className="loupe-crops">
        {spots.map((s) => (
          <LoupeCrop key={s.label} src={src} cx={s.cx} cy={s.cy} label={s.label} />
        ))}
      </div>
    </section>
  );
}

function GroupRow({ group, index, active, photoIndex }: { group: CullGroup; index: number; active: boolean; photoIndex: number }) {
  const select = useApp((s) => s.cullSelect);
  const loupe = useApp((s) => s.culling.loupe);
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (active) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, [active, photoIndex, loupe]);
  return (
    <section ref={ref} className={`cull-group card${active ? ' active' : ''}`} data-group-id={group.id} aria-label={`${group.kind} group ${index + 1}`}>
      <div className="cull-group-head">
        <strong>{group.kind === 'burst' ? 'Burst' : 'Duplicates'}</strong>
        <span className="muted">{plural(group.photos.length, group.kind === 'burst' ? 'frame' : 'copy', group.kind === 'burst' ? 'frames' : 'copies')}</span>
        {group.reviewed && <span className="cull-reviewed">reviewed</span>}
      </div>
      <ul className="cull-frames" role="listbox" aria-label="Frames">
        {group.photos.map((p, i) => (
          <Frame key={p.photoId} photo={p} selected={active && i === photoIndex} onSelect={() => select(index, i)} />
        ))}
      </ul>
    </section>
  );
}

export function CullingView() {
  const c = useApp((s) => s.culling);
  const load = useApp((s) => s.cullLoad);
  const move = useApp((s) => s.cullMove);
  const pick = useApp((s) => s.cullPick);
  const reject = useApp((s) => s.cullReject);
  const undo = useApp((s) => s.cullUndo);
  const next = useApp((s) => s.cullNextGroup);
  const toggleLoupe = useApp((s) => s.cullToggleLoupe);

  useEffect(() => {
    void load();
  }, [load]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT' || t.isContentEditable)) return;
      const actions: Record<string, () => void> = {
        ArrowLeft: () => move(0, -1),
        ArrowRight: () => move(0, 1),
        ArrowUp: () => move(-1, 0),
        ArrowDown: () => move(1, 0),
        p: () => void pick(),
        x: () => void reject(),
        u: () => void undo(),
        Enter: () => next(),
        l: () => toggleLoupe(),
      };
      const action = actions[e.key.length === 1 ? e.key.toLowerCase() : e.key];
      if (!action) return;
      e.preventDefault();
      action();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [move, pick, reject, undo, next, toggleLoupe]);

  const active = c.groups[c.groupIndex];
  const selected = active?.photos[c.photoIndex];
  return (
    <div className="cull-view">
      <div className="view-head">
        <h2>
          Culling{' '}
          {c.counts && (
            <span className="muted" data-testid="cull-counts">
              {plural(c.counts.toReview, 'group')} left to review · {plural(c.counts.burst, 'burst')} · {plural(c.counts.duplicate, 'duplicate group')}
            </span>
          )}
        </h2>
        <div className="segmented" role="group" aria-label="Kind of group">
          {KINDS.map((k) => (
            <button key={k.id} className={c.kind === k.id ? 'active' : ''} aria-pressed={c.kind === k.id} onClick={() => void load(k.id)}>
              {k.label}
            </button>
          ))}
        </div>
      </div>
      <p className="cull-keys muted" aria-label="Keyboard">
        <kbd>←</kbd>
        <kbd>→</kbd> frame · <kbd>↑</kbd>
        <kbd>↓</kbd> group · <kbd>P</kbd> pick · <kbd>X</kbd> reject · <kbd>U</kbd> undo · <kbd>Enter</kbd> next group to review · <kbd>L</kbd> loupe 100 %
        <span className="cull-safe">Nothing is ever deleted from disk.</span>
      </p>
      {c.status === 'error' ? (
        <div className="center-state" role="alert">
          <h2>Cannot load the groups</h2>
          <p className="muted">{c.error}</p>
          <button className="primary" onClick={() => void load()}>Try again</button>
        </div>
      ) : c.status !== 'ready' && c.groups.length === 0 ? (
        <div className="center-state" aria-busy="true">
          <div className="spinner" aria-hidden="true" />
          <p className="muted">Loading groups…</p>
        </div>
      ) : c.groups.length === 0 ? (
        <div className="center-state">
          <h2>No groups yet</h2>
          <p className="muted">Bursts and near-duplicate copies appear here as photos finish their analysis.</p>
        </div>
      ) : (
        <div className={`cull-body${c.loupe ? ' loupe-on' : ''}`}>
          <div className="cull-groups">
            {c.groups.map((g, i) => (
              <GroupRow key={g.id} group={g} index={i} active={i === c.groupIndex} photoIndex={c.photoIndex} />
            ))}
          </div>
          {c.loupe && selected && <Loupe photo={selected} />}
        </div>
      )}
    </div>
  );
}
