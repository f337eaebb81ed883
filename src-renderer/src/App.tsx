import { Fragment, useEffect, useRef, useState, type DragEvent } from 'react';
import { useApp } from './state/context.js';
import type { View } from './state/store.js';
import { AddFolder } from './components/AddFolder.js';
import { useEta } from './components/eta.js';
import { QueuesView } from './views/QueuesView.js';
import { LibraryView } from './views/LibraryView.js';
import { FailedView } from './views/FailedView.js';
import { SettingsView } from './views/SettingsView.js';
import { PeopleView } from './views/PeopleView.js';
import { FoldersView } from './views/FoldersView.js';
import { Viewer } from './views/Viewer.js';
import { CullingView } from './views/CullingView.js';
import { LabelsView } from './views/LabelsView.js';
import { useLabels } from './state/labels.js';
import { PresetsView } from './views/presets/PresetsView.js';
import { duration, plural } from './format.js';

const VIEWS: { id: View; label: string; key: string }[] = [
  { id: 'queues', label: 'Queues', key: '1' },
  { id: 'library', label: 'Library', key: '2' },
  { id: 'culling', label: 'Culling', key: '6' },
  { id: 'people', label: 'People', key: '5' },
  { id: 'labels', label: 'Labels', key: '8' },
  { id: 'folders', label: 'Folders', key: '7' },
  { id: 'presets', label: 'Presets', key: '9' },
  { id: 'failed', label: 'Failed', key: '3' },
  { id: 'settings', label: 'Settings', key: '4' },
];

export function Unconnected({ message }: { message: string }) {
  return (
    <main className="center-state" role="alert">
      <h1>Shoebox</h1>
      <p>{message}</p>
      <p className="muted">Start it with <code>shoebox serve</code> and open the link it prints.</p>
    </main>
  );
}

function Header() {
  const counts = useApp((s) => s.photoCounts);
  const scanning = useApp((s) => s.scanning);
  const connection = useApp((s) => s.connection);
  const lanes = useApp((s) => s.lanes);
  const pause = useApp((s) => s.pause);
  const resume = useApp((s) => s.resume);
  const eta = useEta();
  const toggleNav = useApp((s) => s.toggleNav);
  const navCollapsed = useApp((s) => s.navCollapsed);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const remaining = (counts.queued ?? 0) + (counts.processing ?? 0);
  const allPaused = lanes ? Object.values(lanes).every((l) => l.isPaused) : false;
  const state = connection !== 'open' ? 'offline' : allPaused ? 'paused' : remaining > 0 || scanning ? 'running' : 'idle';
  return (
    <header className="topbar">
      <button className="ghost menu-button" aria-label={navCollapsed ? 'Show the views' : 'Hide the views'} aria-expanded={!navCollapsed} aria-controls="sidenav" onClick={() => toggleNav()}>☰</button>
      <div className="brand">
        <span className="logo" aria-hidden="true">▣</span> Shoebox
      </div>
      <div className="summary" aria-live="polite">
        <span className={`pill pill-${state}`} data-testid="engine-state">{state}</span>
        <span>{plural(total, 'photo')}</span>
        {remaining > 0 && <span>{remaining.toLocaleString()} to go{eta !== null ? ` · about ${duration(eta)} left` : ''}</span>}
        {scanning && <span>scanning…</span>}
        {(counts.failed ?? 0) > 0 && <span className="bad">{plural(counts.failed ?? 0, 'failed photo')}</span>}
      </div>
      <div className="actions">
        <AddFolder compact />
        {allPaused ? (
          <button className="primary" onClick={() => void resume('all')}>Resume all</button>
        ) : (
          <button onClick={() => void pause('all')}>Pause all</button>
        )}
      </div>
    </header>
  );
}

function Nav() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const failed = useApp((s) => s.photoCounts.failed ?? 0);
  const collapsed = useApp((s) => s.navCollapsed);
  const toggleNav = useApp((s) => s.toggleNav);
  // Narrow windows: the sidebar starts collapsed and closes after a choice.
  useEffect(() => {
    const narrow = window.matchMedia('(max-width: 899px)');
    const onChange = () => toggleNav(narrow.matches);
    narrow.addEventListener('change', onChange);
    return () => narrow.removeEventListener('change', onChange);
  }, [toggleNav]);
  return (
    <nav id="sidenav" className={`sidenav${collapsed ? ' collapsed' : ''}`} aria-label="Views">
      {VIEWS.map((v) => (
        <Fragment key={v.id}>
        <button
          className={view === v.id ? 'active' : ''}
          aria-current={view === v.id ? 'page' : undefined}
          onClick={() => {
            setView(v.id);
            if (window.innerWidth < 900) toggleNav(true);
          }}
          title={`${v.label} (Alt+${v.key})`}
        >
          {v.label}
          {v.id === 'failed' && failed > 0 && <span className="badge">{failed}</span>}
        </button>
        {v.id === 'labels' && <LabelLinks />}
        </Fragment>
      ))}
    </nav>
  );
}

/** Each label in the sidebar, under the views: opens its page (issue 17). */
function LabelLinks() {
  const labels = useLabels((s) => s.labels);
  const load = useLabels((s) => s.load);
  const openLabel = useLabels((s) => s.open);
  const openName = useLabels((s) => s.openName);
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const toggleNav = useApp((s) => s.toggleNav);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <>
      {labels.map((l) => (
        <button
          key={l.id}
          className={`nav-sub${view === 'labels' && openName === l.name ? ' active' : ''}`}
          aria-label={`Label ${l.name}`}
          onClick={() => {
            setView('labels');
            void openLabel(l.name);
            if (window.innerWidth < 900) toggleNav(true);
          }}
        >
          # {l.name}
          {l.suggestions > 0 && <span className="badge">{l.suggestions}</span>}
        </button>
      ))}
    </>
  );
}

function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const dismiss = useApp((s) => s.dismissToast);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`}>
          <span>{t.text}</span>
          <button className="ghost" aria-label="Dismiss" onClick={() => dismiss(t.id)}>×</button>
        </div>
      ))}
    </div>
  );
}

/** Drop folders or files anywhere: Electron gives their paths; a browser cannot, so it says what to do. */
function useDrop() {
  const [over, setOver] = useState(false);
  const transport = useApp((s) => s.transport);
  const addFolders = useApp((s) => s.addFolders);
  const toast = useApp((s) => s.toast);
  const onDragOver = (e: DragEvent) => {
    if (!e.dataTransfer.types.includes('Files')) return;
    e.preventDefault();
    setOver(true);
  };
  const onDragLeave = (e: DragEvent) => {
    if (e.currentTarget === e.target) setOver(false);
  };
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    const files = [...e.dataTransfer.files];
    if (files.length === 0) return;
    const paths = window.shoebox?.pathsForFiles(files).filter(Boolean) ?? [];
    if (paths.length > 0) void addFolders(paths.slice(0, 100));
    else toast('error', 'A browser does not tell the page where dropped files live: type the folder path in “Add folder” instead.');
  };
  return { over, transport, handlers: { onDragOver, onDragLeave, onDrop } };
}

export function App() {
  const view = useApp((s) => s.view);
  const setView = useApp((s) => s.setView);
  const loadError = useApp((s) => s.loadError);
  const connection = useApp((s) => s.connection);
  const lanes = useApp((s) => s.lanes);
  const loadStatus = useApp((s) => s.loadStatus);
  const drop = useDrop();
  const viewerOpen = useApp((s) => s.viewerIndex !== null);
  const viewRef = useRef(view);
  viewRef.current = view;
  const currentView = () => viewRef.current;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // `/` searches from any view (the Library's field handles it where it is shown).
      if (e.key === '/' && !e.altKey && !(e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) && currentView() !== 'library') {
        e.preventDefault();
        setView('library');
        requestAnimationFrame(() => (document.querySelector('[data-testid=search]') as HTMLInputElement | null)?.focus());
        return;
      }
      if (!e.altKey) return;
      const target = VIEWS.find((v) => v.key === e.key);
      if (target) {
        e.preventDefault();
        setView(target.id);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setView]);

  return (
    <div className="app" {...drop.handlers}>
      <a className="skip" href="#content">Skip to content</a>
      <Header />
      <div className="body">
        <Nav />
        <main id="content" className="content" tabIndex={-1}>
          {loadError && !lanes ? (
            <div className="center-state" role="alert">
              <h2>Cannot reach the engine</h2>
              <p className="muted">{loadError}</p>
              <button className="primary" onClick={() => void loadStatus()}>Try again</button>
            </div>
          ) : !lanes ? (
            <div className="center-state" aria-busy="true">
              <div className="spinner" aria-hidden="true" />
              <p className="muted">Connecting to the engine…</p>
            </div>
          ) : view === 'queues' ? (
            <QueuesView />
          ) : view === 'library' ? (
            <LibraryView />
          ) : view === 'folders' ? (
            <FoldersView />
          ) : view === 'culling' ? (
            <CullingView />
          ) : view === 'failed' ? (
            <FailedView />
          ) : view === 'people' ? (
            <PeopleView />
          ) : view === 'labels' ? (
            <LabelsView />
          ) : view === 'presets' ? (
            <PresetsView />
          ) : (
            <SettingsView />
          )}
        </main>
      </div>
      {viewerOpen && view === 'library' && <Viewer />}
      {connection === 'closed' && <div className="banner" role="alert">Connection to the engine lost; reconnecting…</div>}
      {drop.over && (
        <div className="dropzone" aria-hidden="true">
          <div>Drop folders or photos to analyse them</div>
        </div>
      )}
      <Toasts />
    </div>
  );
}
