import { useEffect, useMemo } from 'react';
import { periodText } from '../../../src-shared/photo-words.js';
import { useApp } from '../state/context.js';
import { bucketsOf } from '../../../src-shared/timeline-buckets.js';

/**
 * The timeline scrubber: photos per month (or per day over a short span) as bars; a click shows
 * that period in the grid (sorted by date taken), another click on it or "All dates" clears it.
 */
export function TimelineStrip() {
  const timeline = useApp((s) => s.timeline);
  const loadTimeline = useApp((s) => s.loadTimeline);
  const version = useApp((s) => s.libraryVersion);
  const from = useApp((s) => s.filter.takenFrom);
  const to = useApp((s) => s.filter.takenTo);
  const setFilter = useApp((s) => s.setFilter);
  useEffect(() => {
    void loadTimeline();
  }, [loadTimeline, version]);
  const { unit, buckets } = useMemo(() => (timeline.status === 'ready' ? bucketsOf(timeline.data.days) : { unit: 'month' as const, buckets: [] }), [timeline]);
  if (timeline.status === 'error') return <p className="muted">Timeline unavailable: {timeline.message}</p>;
  if (timeline.status !== 'ready') return <div className="timeline timeline-loading" aria-busy="true" />;
  if (buckets.length === 0) return <p className="muted timeline-empty">No photo here records when it was taken.</p>;
  const max = Math.max(...buckets.map((b) => b.count));
  // Year labels every year, or every 2nd / 5th year over decades (the bars shrink to fit the width).
  const yearStep = buckets.length > 360 ? 5 : buckets.length > 180 ? 2 : 1;
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-bars" role="toolbar" aria-label={`Photos per ${unit}`}>
        {buckets.map((b, i) => {
          const selected = from === b.from && to === b.to;
          const inRange = from !== undefined && to !== undefined && b.from >= from && b.to <= to;
          const yearStart = unit === 'month' && (b.key.endsWith('-01') || i === 0) && Number(b.key.slice(0, 4)) % yearStep === 0;
          return (
            <button
              key={b.key}
              className={`bar${selected || inRange ? ' selected' : ''}${b.count === 0 ? ' empty' : ''}`}
              disabled={b.count === 0}
              aria-pressed={selected}
              title={`${periodText(b.key)}: ${b.count.toLocaleString()} photo${b.count === 1 ? '' : 's'}`}
              aria-label={`${periodText(b.key)}, ${b.count} photos`}
              data-period={b.key}
              onClick={() => setFilter(selected ? { takenFrom: undefined, takenTo: undefined, sort: 'taken' } : { takenFrom: b.from, takenTo: b.to, sort: 'taken' })}
            >
              <span className="bar-fill" style={{ height: `${Math.max(b.count ? 8 : 0, (100 * b.count) / max)}%` }} />
              {(yearStart || unit === 'day') && <span className="bar-label">{unit === 'day' ? Number(b.key.slice(8)) : b.key.slice(0, 4)}</span>}
            </button>
          );
        })}
      </div>
      <div className="timeline-foot small muted">
        {from || to ? (
          <>
            <span>
              Showing {from === to ? periodText(from!) : from && to && from.slice(0, 7) === to.slice(0, 7) && from.endsWith('-01') ? periodText(from.slice(0, 7)) : `${from ?? '…'} – ${to ?? '…'}`}
            </span>
            <button className="ghost small" onClick={() => setFilter({ takenFrom: undefined, takenTo: undefined })}>All dates</button>
          </>
        ) : (
          <span>{periodText(buckets[0]!.key)} – {periodText(buckets[buckets.length - 1]!.key)}{timeline.data.undated ? ` · ${timeline.data.undated.toLocaleString()} without a date` : ''}</span>
        )}
      </div>
    </div>
  );
}
