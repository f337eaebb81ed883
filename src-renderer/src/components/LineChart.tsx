import { useRef } from 'react';
import { niceStep } from './ThroughputChart.js';
import { useElementSize } from './use-element-size.js';

export interface Series {
  key: string;
  label: string;
  /** One value per x, null where nothing was measured (a gap in the line). */
  values: Array<number | null>;
  /** A CSS colour. */
  color: string;
  dashed?: boolean;
  area?: boolean;
}

/**
 * A small SVG line chart over time (no chart library): y axis with round steps, x axis labels from
 * `xLabel`, lines broken where a value is missing. Drawn at the element's own pixel width so the
 * labels keep their size at any window width.
 */
export function LineChart({ times, series, xLabel, unit, minMax = 1, fixedMax, testId }: {
  times: number[];
  series: Series[];
  xLabel: (t: number) => string;
  unit: string;
  minMax?: number;
  fixedMax?: number;
  testId: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const { width } = useElementSize(ref, { width: 640, height: 0 });
  const w = Math.max(240, width);
  const h = 130;
  const left = 40;
  const bottom = 18;
  const plotW = w - left - 10;
  const plotH = h - bottom - 8;
  const peak = Math.max(minMax, ...series.flatMap((s) => s.values.filter((v): v is number => v !== null)));
  const step = niceStep(fixedMax ?? peak);
  const max = fixedMax ?? Math.ceil(peak / step) * step;
  const n = Math.max(1, times.length - 1);
  const x = (i: number) => left + (i / n) * plotW;
  const y = (v: number) => 8 + plotH - (Math.min(v, max) / max) * plotH;
  const path = (values: Array<number | null>) => {
    let d = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null) return void (pen = false);
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)} `;
      pen = true;
    });
    return d.trim();
  };
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step);
  const labelEvery = Math.max(1, Math.ceil(times.length / Math.max(2, Math.floor(plotW / 90))));
  return (
    <div className="line-chart" ref={ref}>
      <svg viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={`${series.map((s) => s.label).join(', ')} (${unit})`} data-testid={testId}>
        {ticks.map((t) => (
          <g key={t}>
            <line x1={left} x2={w - 10} y1={y(t)} y2={y(t)} className="grid" />
            <text x={left - 6} y={y(t) + 4} textAnchor="end" className="axis">{t}</text>
          </g>
        ))}
        {times.map((t, i) =>
          i % labelEvery === 0 || i === times.length - 1 ? (
            i === times.length - 1 || times.length - 1 - i >= labelEvery * 0.8 ? (
              <text key={t} x={x(i)} y={h - 4} textAnchor={i === 0 ? 'start' : i === times.length - 1 ? 'end' : 'middle'} className="axis">{xLabel(t)}</text>
            ) : null
          ) : null,
        )}
        {series.map((s) =>
          s.area && s.values.filter((v) => v !== null).length > 1 ? (
            <path key={`${s.key}-area`} d={`${path(s.values.map((v) => v ?? 0))} L${x(times.length - 1)},${y(0)} L${x(0)},${y(0)} Z`} style={{ fill: s.color, opacity: 0.15, stroke: 'none' }} />
          ) : null,
        )}
        {series.map((s) => (
          <g key={s.key}>
            <path d={path(s.values)} style={{ stroke: s.color, fill: 'none', strokeWidth: 2, strokeDasharray: s.dashed ? '5 3' : undefined }} data-series={s.key} />
            {/* A value with no neighbour draws no line: a dot shows it (one busy minute in a quiet hour). */}
            {s.values.map((v, i) =>
              v !== null && (s.values[i - 1] ?? null) === null && (s.values[i + 1] ?? null) === null ? (
                <circle key={i} cx={x(i)} cy={y(v)} r={3} style={{ fill: s.color }} />
              ) : null,
            )}
          </g>
        ))}
      </svg>
    </div>
  );
}
