import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useApp } from '../state/context.js';

const KIND_LABELS: Record<string, string> = {
  tag: 'tag',
  text: 'text in photo',
  camera: 'camera',
  lens: 'lens',
  keyword: 'keyword',
  person: 'person',
};

/**
 * The one search field (`/` focuses it anywhere): words over tags, recognised text, description,
 * camera, lens, keywords and folders, with suggestions from what the library holds (↑ ↓ Enter).
 */
export function SearchBox() {
  const q = useApp((s) => s.filter.q);
  const setFilter = useApp((s) => s.setFilter);
  const suggestions = useApp((s) => s.suggestions);
  const suggest = useApp((s) => s.suggest);
  const [draft, setDraft] = useState(q ?? '');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  useEffect(() => setDraft(q ?? ''), [q]);

  // `/` focuses the field from anywhere (not while typing in another field).
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== '/' || e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
      e.preventDefault();
      input.current?.focus();
      input.current?.select();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // Suggestions for the word being typed, after a short pause.
  const lastWord = draft.split(/\s+/).pop() ?? '';
  useEffect(() => {
    if (!open) return;
    const timer = setTimeout(() => void suggest(lastWord), 150);
    return () => clearTimeout(timer);
  }, [lastWord, open, suggest]);

  // The search applies after a pause in typing too.
  useEffect(() => {
    if (draft.trim() === (q ?? '')) return;
    const timer = setTimeout(() => setFilter({ q: draft.trim() || undefined }), 400);
    return () => clearTimeout(timer);
  }, [draft, q, setFilter]);

  const apply = (text: string) => {
    setDraft(text);
    setFilter({ q: text.trim() || undefined });
    setOpen(false);
    setActive(-1);
  };
  const choose = (term: string) => {
    const words = draft.split(/\s+/);
    words[words.length - 1] = /\s/.test(term) ? `"${term}"` : term;
    apply(`${words.join(' ')} `.trimStart());
    input.current?.focus();
  };
  const shown = open && lastWord.length > 0 ? suggestions : [];
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && shown.length) {
      e.preventDefault();
      setActive((a) => (a + 1) % shown.length);
    } else if (e.key === 'ArrowUp' && shown.length) {
      e.preventDefault();
      setActive((a) => (a <= 0 ? shown.length - 1 : a - 1));
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (active >= 0 && shown[active]) choose(shown[active].text);
      else apply(draft);
    } else if (e.key === 'Escape') {
      if (open && shown.length) setOpen(false);
      else if (draft) apply('');
      else input.current?.blur();
      e.stopPropagation();
    }
  };
  return (
    <div className="search" role="search">
      <label className="sr-only" htmlFor={`${listId}-input`}>Search photos</label>
      <input
        id={`${listId}-input`}
        ref={input}
        type="search"
        role="combobox"
        aria-expanded={shown.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={active >= 0 ? `${listId}-${active}` : undefined}
        placeholder="Search tags, text, camera, places…  ( / )"
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          setOpen(true);
          setActive(-1);
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setTimeout(() => setOpen(false), 150)}
        onKeyDown={onKeyDown}
        spellCheck={false}
        autoComplete="off"
        data-testid="search"
      />
      {shown.length > 0 && (
        <ul className="suggestions" id={listId} role="listbox" aria-label="Suggestions" data-testid="suggestions">
          {shown.map((s, i) => (
            <li
              key={`${s.kind}:${s.text}`}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : ''}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(s.text);
              }}
            >
              <span className="suggestion-text">{s.text}</span>
              <span className="muted small">{KIND_LABELS[s.kind] ?? s.kind} · {s.count.toLocaleString()}</span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
