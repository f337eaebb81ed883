/** The Library's timeline: photos per day, grouped into months when the span is long. Pure. */

export interface TimelineBucket {
  key: string;
  from: string;
  to: string;
  count: number;
}

const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Days → months when the span is long (more than ~2 months), else the days themselves. */
export function bucketsOf(days: { day: string; count: number }[]): { unit: 'day' | 'month'; buckets: TimelineBucket[] } {
  if (days.length === 0) return { unit: 'month', buckets: [] };
  const first = Date.parse(days[0]!.day);
  const last = Date.parse(days[days.length - 1]!.day);
  if (last - first <= 62 * 86_400_000) return { unit: 'day', buckets: days.map((d) => ({ key: d.day, from: d.day, to: d.day, count: d.count })) };
  const months = new Map<string, number>();
  for (const d of days) months.set(d.day.slice(0, 7), (months.get(d.day.slice(0, 7)) ?? 0) + d.count);
  // Every month of the span, empty ones too, so the strip reads as time.
  const buckets: TimelineBucket[] = [];
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

