/**
 * The Queues view's history (issue 18): what the app did over the last hour, day or week, from the
 * engine's metrics in the store — stages finished per minute (and failures), queue depth per lane,
 * and resource use (CPU %, temperatures; memory per process class in the key) — and what the
 * resource governor is doing now.
 */
import { useEffect } from 'react';
import { LANES } from '../../../src-shared/lanes.js';
import { STAGES } from '../../../src-shared/stages.js';
import { gaugeAverage, METRIC_RANGES, perMinute, prefixPerMinute, type MetricBucket, type MetricRange } from '../../../src-shared/metrics.js';
import { useMaintenance, type MetricsDto } from '../state/maintenance-store.js';
import { laneName } from '../format.js';
import { LineChart, type Series } from './LineChart.js';
import './maintenance.css';

const POLL_MS = 15_000;
const RANGE_LABEL: Record<MetricRange, string> = { hour: 'Last hour', day: 'Last day', week: 'Last week' };
const STAGE_COLORS = ['#2f6fed', '#0e9f9f', '#b7791f', '#9b51e0', '#d53f8c', '#1a8a4a', '#dd6b20', '#4a5568'];
const LANE_COLORS: Record<string, string> = { high_priority: '#c8372d', default: '#2f6fed', learning: '#9b51e0', maintenance: '#b7791f' };

/** Bucket starts from `from` to `to`, each with its bucket or null (the engine was not running). */
function timeline(m: MetricsDto): { times: number[]; buckets: Array<MetricBucket | null> } {
  const step = m.span * 1000;
  const byAt = new Map(m.buckets.map((b) => [b.at, b]));
  const times: number[] = [];
  for (let t = Math.floor(m.from / step) * step; t <= m.to; t += step) times.push(t);
  return { times, buckets: times.map((t) => byAt.get(t) ?? null) };
}

const round1 = (v: number) => (v >= 10 ? Math.round(v) : Math.round(v * 10) / 10);

function xLabel(range: MetricRange): (t: number) => string {
  const d = (t: number) => new Date(t);
  if (range === 'week') return (t) => d(t).toLocaleDateString('en', { weekday: 'short', day: 'numeric' });
  return (t) => d(t).toLocaleTimeString('en', { hour: '2-digit', minute: '2-digit', hour12: false });
}

export function MetricsCard() {
  const range = useMaintenance((s) => s.range);
  const metrics = useMaintenance((s) => s.metrics);
  const error = useMaintenance((s) => s.error);
  const setRange = useMaintenance((s) => s.setRange);
  const refresh = useMaintenance((s) => s.refresh);
  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  const body = (() => {
    if (!metrics) return <p className="muted small">{error ?? 'Loading…'}</p>;
    const { times, buckets } = timeline(metrics);
    const label = xLabel(metrics.range);
    const stages = STAGES.filter((stage) => buckets.some((b) => b && (b.counts[`done.${stage}`] ?? 0) > 0));
    const throughput: Series[] = stages.map((stage, i) => ({
      key: stage,
      label: stage,
      color: STAGE_COLORS[i % STAGE_COLORS.length]!,
      values: buckets.map((b) => (b ? perMinute(b, `done.${stage}`) : null)),
    }));
    throughput.push({ key: 'failed', label: 'failed', color: 'var(--bad)', dashed: true, values: buckets.map((b) => (b ? prefixPerMinute(b, 'failed.') : null)) });
    const depth: Series[] = LANES.map((lane) => ({ key: lane, label: laneName(lane), color: LANE_COLORS[lane]!, values: buckets.map((b) => (b ? gaugeAverage(b, `depth.${lane}`) : null)) }));
    const resources: Series[] = [
      { key: 'cpu', label: 'CPU %', color: 'var(--cpu)', area: true, values: buckets.map((b) => (b ? gaugeAverage(b, 'cpu') : null)) },
      { key: 'cpuTemp', label: 'CPU °C', color: '#dd6b20', values: buckets.map((b) => (b ? (b.gauges.cpuTemp?.max ?? null) : null)) },
      { key: 'gpuTemp', label: 'GPU °C', color: '#c8372d', dashed: true, values: buckets.map((b) => (b ? (b.gauges.gpuTemp?.max ?? null) : null)) },
    ].filter((s) => s.key === 'cpu' || s.values.some((v) => v !== null));
    const all = buckets.filter((b): b is MetricBucket => b !== null);
    const total = (key: string) => all.reduce((n, b) => n + (b.counts[key] ?? 0), 0);
    const minutes = all.length * (metrics.span / 60);
    const rss = (key: string) => {
      const vals = all.map((b) => gaugeAverage(b, key)).filter((v): v is number => v !== null);
      return vals.length ? Math.round(vals.reduce((a, b) => a + b, 0) / vals.length) : null;
    };
    const memory = ['engine', 'cpu', 'ml', 'interactive', 'redis'].map((k) => [k, rss(`rss.${k}`)] as const).filter(([, v]) => v !== null);
    if (all.length === 0) return <p className="muted small" data-testid="metrics-empty">No metrics for this range yet: the engine samples once a minute while it runs.</p>;
    return (
      <div className="metrics-grid">
        <figure className="metric">
          <figcaption>Stages finished per minute</figcaption>
          <LineChart times={times} series={throughput} xLabel={label} unit="per minute" testId="metrics-throughput" />
          <div className="metric-keys small">
            {throughput.map((s) => {
              const n = s.key === 'failed' ? all.reduce((a, b) => a + prefixPerMinute(b, 'failed.') * (b.span / 60), 0) : total(`done.${s.key}`);
              return (
                <span key={s.key} className="metric-key" data-testid="metrics-stage">
                  <i style={{ background: s.color }} /> {s.label} {Math.round(n).toLocaleString('en')}
                  {s.key !== 'failed' && minutes > 0 ? <span className="muted"> · {round1(n / minutes)}/min</span> : null}
                </span>
              );
            })}
          </div>
        </figure>
        <figure className="metric">
          <figcaption>Queue depth per lane</figcaption>
          <LineChart times={times} series={depth} xLabel={label} unit="jobs" testId="metrics-depth" />
          <div className="metric-keys small">
            {depth.map((s) => (
              <span key={s.key} className="metric-key">
                <i style={{ background: s.color }} /> {s.label}
              </span>
            ))}
          </div>
        </figure>
        <figure className="metric">
          <figcaption>Resource use</figcaption>
          <LineChart times={times} series={resources} xLabel={label} unit="% and °C" fixedMax={100} testId="metrics-resources" />
          <div className="metric-keys small">
            {resources.map((s) => (
              <span key={s.key} className="metric-key">
                <i style={{ background: s.color }} /> {s.label}
              </span>
            ))}
            {memory.length > 0 && (
              <span className="muted" data-testid="metrics-memory">
                memory: {memory.map(([k, v]) => `${k} ${v} MB`).join(' · ')}
              </span>
            )}
          </div>
        </figure>
      </div>
    );
  })();

  const governor = metrics?.governor ?? null;
  return (
    <section className="card" aria-labelledby="history-title" data-testid="metrics">
      <div className="card-head">
        <h3 id="history-title">History</h3>
        <div className="segmented" role="radiogroup" aria-label="Range">
          {METRIC_RANGES.map((r) => (
            <button key={r} role="radio" aria-checked={r === range} className={r === range ? 'active' : undefined} onClick={() => void setRange(r)}>
              {RANGE_LABEL[r]}
            </button>
          ))}
        </div>
      </div>
      {governor && (governor.pausedFor || governor.fewerWorkersFor) && (
        <p className="small warn" data-testid="governor-state">
          {governor.pausedFor && <>Bulk work paused by the system: {governor.pausedFor}. </>}
          {governor.fewerWorkersFor && <>Fewer workers: {governor.fewerWorkersFor}.</>}
        </p>
      )}
      {body}
    </section>
  );
}
