import { useEffect, useState, type KeyboardEvent } from 'react';
import type { PersonDto } from '../../../src-shared/api/contract.js';
import { useMediaUrl } from '../components/media.js';
import { fileName } from '../format.js';
import { usePeople } from '../state/people.js';
import { useApp } from '../state/context.js';
import './people.css';

/** A name that edits in place: Enter or leaving the field saves, Escape cancels, empty clears it. */
function NameField({ person }: { person: PersonDto }) {
  const rename = usePeople((s) => s.rename);
  const [value, setValue] = useState(person.name ?? '');
  useEffect(() => setValue(person.name ?? ''), [person.name]);
  const save = () => {
    const next = value.trim() || null;
    if (next !== person.name) void rename(person.id, next);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') e.currentTarget.blur();
    if (e.key === 'Escape') {
      setValue(person.name ?? '');
      e.currentTarget.blur();
    }
  };
  return (
    <input
      className="person-name"
      aria-label={`Name of person ${person.name ?? 'unnamed'}`}
      placeholder="Add a name"
      value={value}
      onChange={(e) => setValue(e.target.value)}
      onBlur={save}
      onKeyDown={onKey}
    />
  );
}

function FaceImage({ thumb, label }: { thumb: string | null; label: string }) {
  const mediaUrl = useMediaUrl();
  return thumb ? <img className="face-img" src={mediaUrl(thumb)} alt={label} loading="lazy" /> : <div className="face-img face-missing" aria-label={label} />;
}

function PersonCard({ person }: { person: PersonDto }) {
  const selected = usePeople((s) => s.selected.includes(person.id));
  const toggle = usePeople((s) => s.toggle);
  const openPerson = usePeople((s) => s.openPerson);
  return (
    <li className={`person-card${selected ? ' selected' : ''}`} data-testid="person-card">
      <button className="person-face" onClick={() => void openPerson(person.id)} title="Open this person's photos">
        <FaceImage thumb={person.coverThumb} label={person.name ?? 'unnamed person'} />
      </button>
      <NameField person={person} />
      <div className="person-foot">
        <span className="muted">
          {person.faceCount} face{person.faceCount === 1 ? '' : 's'} · {person.photoCount} photo{person.photoCount === 1 ? '' : 's'}
        </span>
        <label className="person-pick">
          <input type="checkbox" checked={selected} onChange={() => toggle(person.id)} aria-label="Select for merge" />
        </label>
      </div>
    </li>
  );
}

function PhotoGrid({ photos }: { photos: Array<{ id: string; path: string; thumbnail: string | null; takenAt: string | null }> }) {
  const mediaUrl = useMediaUrl();
  return (
    <ul className="person-photos">
      {photos.map((p) => (
        <li key={p.id} title={p.path}>
          {p.thumbnail ? <img src={mediaUrl(p.thumbnail)} alt={fileName(p.path)} loading="lazy" /> : <div className="face-missing" />}
          <span className="muted small">{p.takenAt ? p.takenAt.slice(0, 10) : 'no date'}</span>
        </li>
      ))}
    </ul>
  );
}

/** The library filtered by several people: photos showing all of them, by date. */
function TogetherPage() {
  const together = usePeople((s) => s.together)!;
  const showTogether = usePeople((s) => s.showTogether);
  const names = together.people.map((p) => p.name ?? 'unnamed').join(' + ');
  return (
    <div className="view people">
      <div className="view-head">
        <button onClick={() => void showTogether(null)}>← People</button>
        <h2 className="together-title">
          {names} <span className="muted">{together.total} photo{together.total === 1 ? '' : 's'} together</span>
        </h2>
      </div>
      <section className="card">{together.photos.length ? <PhotoGrid photos={together.photos} /> : <p className="muted">No photo shows all of them.</p>}</section>
    </div>
  );
}

function PersonPage() {
  const open = usePeople((s) => s.open);
  const openPerson = usePeople((s) => s.openPerson);
  const notThisPerson = usePeople((s) => s.notThisPerson);
  const hide = usePeople((s) => s.hide);
  if (!open) {
    return (
      <div className="center-state" aria-busy="true">
        <div className="spinner" aria-hidden="true" />
      </div>
    );
  }
  const { person, faces, photos } = open;
  return (
    <div className="view people">
      <div className="view-head">
        <button onClick={() => void openPerson(null)}>← People</button>
        <div className="person-title">
          <FaceImage thumb={person.coverThumb} label={person.name ?? 'unnamed person'} />
          <NameField person={person} />
          <span className="muted">
            {person.faceCount} face{person.faceCount === 1 ? '' : 's'} in {person.photoCount} photo{person.photoCount === 1 ? '' : 's'}
          </span>
        </div>
        <button onClick={() => void hide(person.id, !person.hidden)}>{person.hidden ? 'Show in People' : 'Hide this person'}</button>
      </div>
      <section className="card">
        <h3>Faces</h3>
        <ul className="face-row">
          {faces.map((f) => (
            <li key={f.id} className="face-item">
              <FaceImage thumb={f.thumb} label={fileName(f.path)} />
              <button className="link small" onClick={() => void notThisPerson(f.id, person.id)} title="Take this face out of the person; it will not be put back">
                Not {person.name ?? 'this person'}
              </button>
            </li>
          ))}
        </ul>
      </section>
      <section className="card">
        <h3>Photos by date</h3>
        <PhotoGrid photos={photos} />
      </section>
    </div>
  );
}

export function PeopleView() {
  const { people, unassigned, lowQuality, loading, error, selected, openId, together } = usePeople();
  const showTogether = usePeople((s) => s.showTogether);
  const load = usePeople((s) => s.load);
  const mergeSelected = usePeople((s) => s.mergeSelected);
  const clearSelection = usePeople((s) => s.clearSelection);
  const setFilter = useApp((s) => s.setFilter);
  const setView = useApp((s) => s.setView);
  useEffect(() => {
    void load();
  }, [load]);
  if (openId) return <PersonPage />;
  if (together) return <TogetherPage />;
  const firstName = people.find((p) => p.id === selected[0]);
  return (
    <div className="view people">
      <div className="view-head">
        <h2>
          People <span className="muted">{people.length}</span>
        </h2>
        <span className="muted">
          {unassigned} face{unassigned === 1 ? '' : 's'} in no person yet · {lowQuality} low-quality face{lowQuality === 1 ? '' : 's'} (not grouped)
        </span>
      </div>
      {error && (
        <div className="banner-inline" role="alert">
          {error}
        </div>
      )}
      {selected.length > 0 && (
        <div className="merge-bar card" role="region" aria-label="Merge">
          <span>
            {selected.length} selected{selected.length > 1 ? ` — merge into ${firstName?.name ?? 'the first picked'}` : ': pick another to merge'}
          </span>
          <button className="primary" disabled={selected.length < 2} onClick={() => void mergeSelected()}>
            Merge {selected.length > 1 ? selected.length : ''}
          </button>
          <button onClick={() => void showTogether(selected)}>{selected.length > 1 ? `Photos with all ${selected.length}` : 'Their photos'}</button>
          <button
            data-testid="people-in-library"
            onClick={() => {
              setFilter({ personIds: [...selected] });
              setView('library');
            }}
          >
            Show in Library
          </button>
          <button onClick={clearSelection}>Cancel</button>
        </div>
      )}
      {people.length === 0 ? (
        <div className="center-state">
          <p className="muted">{loading ? 'Loading…' : 'No people yet: faces are grouped into people as photos are analysed.'}</p>
        </div>
      ) : (
        <ul className="people-grid">
          {people.map((p) => (
            <PersonCard key={p.id} person={p} />
          ))}
        </ul>
      )}
    </div>
  );
}
