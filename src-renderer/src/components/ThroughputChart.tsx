import { useLayoutEffect, useRef, useState } from 'react';
import type { ThroughputSample } from '../state/store.js';

const WINDOW_S = 600;
const BUCKET_S = 10;

/** A round step for the y axis (1, 2, 5 × 10ⁿ) giving about three gridlines. */
export function niceStep(max: number): number {
  const raw = max / 3;
  const power = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  return ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
}

/**
 * Jobs finished per minute, by worker class, over the last ten minutes (10-second buckets), with
 * the values on the y axis and the minutes on the x axis. CPU is a filled area, ML a line on top,
 * so one never hides the other.
 */
export function ThroughputChart({ samples }: { samples: ThroughputSample[] }) {
  // Drawn at the element's own pixel width, so the axis labels keep their size at any window width.
  const ref = useRef<HTMLElement>(null);
  const [w, setW] = useState(640);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setW(Math.max(240, el.clientWidth)));
    observer.observe(el);
    setW(Math.max(240, el.clientWidth));
    return () => observer.disconnect();
  }, []);
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
  const peak = Math.max(...buckets.map((b) => perMin(Math.max(b.cpu, b.ml))));
  const step = niceStep(Math.max(6, peak));
  const max = Math.ceil(Math.max(6, peak) / step) * step;
  const left = 34;
  const bottom = 18;
  const h = 150;
  const plotW = w - left - 8;
  const plotH = h - bottom - 6;
  const bw = plotW / buckets.length;
  const x = (i: number) => left + (i + 0.5) * bw;
  const y = (v: number) => 6 + plotH - (v / max) * plotH;
  const line = (key: 'cpu' | 'ml') => buckets.map((b, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(perMin(b[key])).toFixed(1)}`).join(' ');
  const area = `${line('cpu')} L${x(buckets.length - 1).toFixed(1)},${y(0)} L${x(0).toFixed(1)},${y(0)} Z`;
  const lastMinute = buckets.slice(-6).reduce((a, b) => ({ cpu: a.cpu + b.cpu, ml: a.ml + b.ml }), { cpu: 0, ml: 0 });
  const empty = samples.every((s) => s.cpu === 0 && s.ml === 0);
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
  return (
    <figure className="chart" ref={ref} aria-label={`Throughput: ${lastMinute.cpu} CPU jobs and ${lastMinute.ml} ML jobs in the last minute`}>
      <svg viewBox={`0 0 ${w} ${h}`} role="img" aria-hidden="true" data-testid="throughput-chart">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={w - 8} y1={y(t)} y2={y(t)} className="grid" />
            <text x={left - 6} y={y(t) + 4} textAnchor="end" className="axis">{t}</text>
          </g>
        ))}
        {[10, 8, 6, 4, 2, 0].map((m) => {
          const i = buckets.length - 1 - (m * 60) / BUCKET_S;
          return (
            <text key={m} x={Math.max(left, x(Math.max(0, i)))} y={h - 4} textAnchor={m === 10 ? 'start' : m === 0 ? 'end' : 'middle'} className="axis">
              {m === 0 ? 'now' : `−${m} min`}
            </text>
          );
        })}
        <path d={area} className="area-cpu" />
        <path d={line('cpu')} className="series-cpu" />
        <path d={line('ml')} className="series-ml" />
      </svg>
      <figcaption>
        <span className="key key-cpu">CPU {lastMinute.cpu}/min</span>
        <span className="key key-ml">ML {lastMinute.ml}/min</span>
        <span className="muted">{empty ? 'nothing finished in the last 10 minutes' : `jobs finished per minute over the last 10 min · peak ${Math.round(peak)}/min`}</span>
      </figcaption>
    </figure>
  );
}
