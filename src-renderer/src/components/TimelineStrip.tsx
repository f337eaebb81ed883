import { useEffect, useMemo } from 'react';
import { periodText } from '../../../src-shared/photo-words.js';
import { useApp } from '../state/context.js';

interface Bucket {
  key: string;
  from: string;
  to: string;
  count: number;
}

const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Days → months when the span is long (more than ~2 months), else the days themselves. */
export function bucketsOf(days: { day: string; count: number }[]): { unit: 'day' | 'month'; buckets: Bucket[] } {
  if (days.length === 0) return { unit: 'month', buckets: [] };
  const first = Date.parse(days[0]!.day);
  const last = Date.parse(days[days.length - 1]!.day);
  if (last - first <= 62 * 86_400_000) return { unit: 'day', buckets: days.map((d) => ({ key: d.day, from: d.day, to: d.day, count: d.count })) };
  const months = new Map<string, number>();
  for (const d of days) months.set(d.day.slice(0, 7), (months.get(d.day.slice(0, 7)) ?? 0) + d.count);
  // Every month of the span, empty ones too, so the strip reads as time.
  const buckets: Bucket[] = [];
  let [y, m] = days[0]!.day.slice(0, 7).split('-').map(Number) as [number, number];
  const [ly, lm] = days[days.length - 1]!.day.slice(0, 7).split('-').map(Number) as [number, number];
  while (y < ly || (y === ly && m <= lm)) {
    const key = `${y}-${String(m).padStart(2, '0')}`;
    buckets.push({ key, from: `${key}-01`, to: `${key}-${String(lastDayOf(y, m)).padStart(2, '0')}`, count: months.get(key) ?? 0 });
    if (buckets.length > 600) break; // fifty years of months is plenty for a strip
    m++;
    if (m > 12) (m = 1), y++;
  }
  return { unit: 'month', buckets };
}

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
  return (
    <div className="timeline" data-testid="timeline">
      <div className="timeline-bars" role="toolbar" aria-label={`Photos per ${unit}`}>
        {buckets.map((b, i) => {
          const selected = from === b.from && to === b.to;
          const inRange = from !== undefined && to !== undefined && b.from >= from && b.to <= to;
          const yearStart = unit === 'month' && (b.key.endsWith('-01') || i === 0);
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
