import type { ThroughputSample } from '../state/store.js';

const WINDOW_S = 600;
const BUCKET_S = 10;

/** Jobs finished per minute, by worker class, over the last ten minutes (10-second buckets). */
export function ThroughputChart({ samples }: { samples: ThroughputSample[] }) {
  const now = samples.length ? samples[samples.length - 1]!.at : Date.now();
  const buckets = Array.from({ length: WINDOW_S / BUCKET_S }, () => ({ cpu: 0, ml: 0 }));
  for (const s of samples) {
    const age = (now - s.at) / 1000;
    if (age < 0 || age >= WINDOW_S) continue;
    const b = buckets[buckets.length - 1 - Math.floor(age / BUCKET_S)]!;
    b.cpu += s.cpu;
    b.ml += s.ml;
  }
  const perMin = (n: number) => (n * 60) / BUCKET_S;
  const max = Math.max(6, ...buckets.map((b) => perMin(Math.max(b.cpu, b.ml))));
  const w = 600;
  const h = 120;
  const bw = w / buckets.length;
  const line = (key: 'cpu' | 'ml') =>
    buckets.map((b, i) => `${i === 0 ? 'M' : 'L'}${(i + 0.5) * bw},${h - (perMin(b[key]) / max) * (h - 8)}`).join(' ');
  const lastMinute = buckets.slice(-6).reduce((a, b) => ({ cpu: a.cpu + b.cpu, ml: a.ml + b.ml }), { cpu: 0, ml: 0 });
  const empty = samples.every((s) => s.cpu === 0 && s.ml === 0);
  return (
    <figure className="chart" aria-label={`Throughput: ${lastMinute.cpu} CPU jobs and ${lastMinute.ml} ML jobs in the last minute`}>
      <svg viewBox={`0 0 ${w} ${h}`} preserveAspectRatio="none" role="img" aria-hidden="true">
        {[0.25, 0.5, 0.75].map((f) => (
          <line key={f} x1="0" x2={w} y1={h * f} y2={h * f} className="grid" />
        ))}
        <path d={line('cpu')} className="series-cpu" vectorEffect="non-scaling-stroke" />
        <path d={line('ml')} className="series-ml" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption>
        <span className="key key-cpu">CPU {lastMinute.cpu}/min</span>
        <span className="key key-ml">ML {lastMinute.ml}/min</span>
        <span className="muted">{empty ? 'nothing finished in the last 10 minutes' : `last 10 min · peak ${Math.round(max)}/min`}</span>
      </figcaption>
    </figure>
  );
}
