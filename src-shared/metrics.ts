/**
 * Engine metrics over time (issue 18): what the app did overnight, kept compactly. The engine takes a
 * sample every minute; samples are merged into buckets (1 min kept 24 h, 15 min kept 8 days). A bucket
 * is a small record of named counters (summed: jobs done and failed per stage) and gauges (sum, max and
 * how many readings: queue depth per lane, CPU %, temperatures, RSS per process class), so any number of
 * buckets merge into one without losing the average or the peak.
 *
 * Pure TypeScript: the store writes buckets, the API reads them, the renderer draws them.
 */
import { z } from 'zod';

export const Gauge = z.object({ sum: z.number(), max: z.number(), n: z.number().int() });
export type Gauge = z.infer<typeof Gauge>;

export const MetricBucket = z.object({
  /** Bucket start, ms since the epoch. */
  at: z.number(),
  /** Seconds the bucket covers (60 or 900). */
  span: z.number().int(),
  /** Samples merged into it. */
  samples: z.number().int(),
  /** Events in the bucket: `done.<stage>`, `failed.<stage>`. */
  counts: z.record(z.string(), z.number()),
  /** Readings: `depth.<lane>`, `cpu`, `cpuTemp`, `gpuTemp`, `rss.<class>`. */
  gauges: z.record(z.string(), Gauge),
});
export type MetricBucket = z.infer<typeof MetricBucket>;

/** What one sample carries before it is merged into a bucket. */
export interface MetricSample {
  counts: Record<string, number>;
  /** A null reading is left out (a sensor this machine lacks). */
  gauges: Record<string, number | null>;
}

export const MINUTE_S = 60;
export const QUARTER_S = 15 * 60;
/** How long each resolution is kept. */
export const RETENTION_MS: Readonly<Record<number, number>> = { [MINUTE_S]: 24 * 3600_000, [QUARTER_S]: 8 * 24 * 3600_000 };

export function emptyBucket(at: number, span: number): MetricBucket {
  return { at, span, samples: 0, counts: {}, gauges: {} };
}

export function addSample(bucket: MetricBucket, sample: MetricSample): MetricBucket {
  const counts = { ...bucket.counts };
  for (const [key, n] of Object.entries(sample.counts)) if (n) counts[key] = (counts[key] ?? 0) + n;
  const gauges = { ...bucket.gauges };
  for (const [key, value] of Object.entries(sample.gauges)) {
    if (value === null || !Number.isFinite(value)) continue;
    const g = gauges[key];
    gauges[key] = g ? { sum: g.sum + value, max: Math.max(g.max, value), n: g.n + 1 } : { sum: value, max: value, n: 1 };
  }
  return { ...bucket, samples: bucket.samples + 1, counts, gauges };
}

/** Buckets merged into one (counts summed, gauges pooled); `at` is the first one's. */
export function mergeBuckets(buckets: readonly MetricBucket[], span: number): MetricBucket {
  const out = emptyBucket(buckets[0]?.at ?? 0, span);
  for (const b of buckets) {
    out.samples += b.samples;
    for (const [key, n] of Object.entries(b.counts)) out.counts[key] = (out.counts[key] ?? 0) + n;
    for (const [key, g] of Object.entries(b.gauges)) {
      const o = out.gauges[key];
      out.gauges[key] = o ? { sum: o.sum + g.sum, max: Math.max(o.max, g.max), n: o.n + g.n } : { ...g };
    }
  }
  return out;
}

/** Buckets regrouped into wider ones of `span` seconds, aligned to the epoch (for drawing a week in hours). */
export function regroup(buckets: readonly MetricBucket[], span: number): MetricBucket[] {
  const groups = new Map<number, MetricBucket[]>();
  for (const b of buckets) {
    const at = Math.floor(b.at / (span * 1000)) * span * 1000;
    groups.set(at, [...(groups.get(at) ?? []), b]);
  }
  return [...groups].sort((a, b) => a[0] - b[0]).map(([at, group]) => ({ ...mergeBuckets(group, span), at }));
}

export const METRIC_RANGES = ['hour', 'day', 'week'] as const;
export type MetricRange = (typeof METRIC_RANGES)[number];

/** Per range: how far back, which stored resolution, and the bucket width drawn. */
export const RANGE_PLAN: Readonly<Record<MetricRange, { ms: number; stored: number; drawn: number }>> = {
  hour: { ms: 3600_000, stored: MINUTE_S, drawn: MINUTE_S },
  day: { ms: 24 * 3600_000, stored: MINUTE_S, drawn: 5 * MINUTE_S },
  week: { ms: 7 * 24 * 3600_000, stored: QUARTER_S, drawn: 3600 },
};

/** Average of a gauge over a bucket, or null when nothing was read. */
export function gaugeAverage(bucket: MetricBucket, key: string): number | null {
  const g = bucket.gauges[key];
  return g && g.n > 0 ? g.sum / g.n : null;
}

/** A counter as a rate per minute over the bucket's span. */
export function perMinute(bucket: MetricBucket, key: string): number {
  return ((bucket.counts[key] ?? 0) * 60) / bucket.span;
}

/** Sum of the counters with this prefix (`done.` → every stage) per minute. */
export function prefixPerMinute(bucket: MetricBucket, prefix: string): number {
  let n = 0;
  for (const [key, value] of Object.entries(bucket.counts)) if (key.startsWith(prefix)) n += value;
  return (n * 60) / bucket.span;
}
