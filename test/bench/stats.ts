/** Median and spread of repeated measurements. */
export interface Figure {
  median: number;
  min: number;
  max: number;
  /** (max − min) / median, as a fraction. */
  spread: number;
  n: number;
  runs: number[];
}

export function figure(values: number[]): Figure {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: NaN, min: NaN, max: NaN, spread: NaN, n: 0, runs: [] };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, spread: median ? (v[v.length - 1]! - v[0]!) / median : 0, n: v.length, runs: values };
}

/** The p-th percentile (0–100) by nearest rank. */
export function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  return v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))]!;
}

export function round(n: number, digits = 2): number {
  if (!Number.isFinite(n)) return n;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function fmt(n: number, digits = 2): string {
  if (!Number.isFinite(n)) return '—';
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** "12.3 ±4 %" */
export function fmtFigure(f: Figure, digits = 2): string {
  if (f.n === 0) return '—';
  return f.n > 1 ? `${fmt(f.median, digits)} ±${Math.round((f.spread * 100) / 2)} %` : fmt(f.median, digits);
}
