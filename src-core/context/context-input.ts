/**
 * The context rules' input from what a photo's analysis stored: its metadata, its derivatives (oriented
 * size), the detect and quality stage results (either may be missing: older or failed analyses), and the
 * preview's tone figures. Unknown shapes are read defensively: a result missing a field gives no label.
 */
import type { PhotoDerivatives, PhotoMetadata } from '../../src-shared/photo.js';
import type { ContextInput, ImageStats } from './context-rules.js';

type Box = [number, number, number, number];

function isBox(v: unknown): v is Box {
  return Array.isArray(v) && v.length === 4 && v.every((n) => typeof n === 'number' && Number.isFinite(n));
}

function boxes<T extends object>(list: unknown, pick: (item: Record<string, unknown>) => T | null): T[] {
  if (!Array.isArray(list)) return [];
  const out: T[] = [];
  for (const item of list) {
    if (item && typeof item === 'object') {
      const got = pick(item as Record<string, unknown>);
      if (got) out.push(got);
    }
  }
  return out;
}

export function contextInputOf(args: {
  metadata: PhotoMetadata | null;
  derivatives: PhotoDerivatives | null;
  results: Record<string, unknown>;
  stats: ImageStats | null;
}): ContextInput {
  const m = args.metadata;
  const detect = (args.results.detect ?? {}) as Record<string, unknown>;
  const quality = (args.results.quality ?? {}) as { parts?: { noiseSigma?: unknown } };
  const noise = quality.parts?.noiseSigma;
  // Oriented size: the preprocess stage's; else the metadata's (stored size, swapped for orientations 5–8).
  const swap = (m?.orientation ?? 1) >= 5;
  return {
    takenAt: m?.takenAt ?? null,
    gps: m?.gps ? { lat: m.gps.lat, lon: m.gps.lon } : null,
    iso: m?.iso ?? null,
    exposureTime: m?.exposureTime ?? null,
    fNumber: m?.fNumber ?? null,
    focalLength: m?.focalLength ?? null,
    width: args.derivatives?.width ?? (swap ? m?.height : m?.width) ?? null,
    height: args.derivatives?.height ?? (swap ? m?.width : m?.height) ?? null,
    faces: boxes(detect.faces, (f) => (isBox(f.box) ? { box: f.box } : null)),
    objects: boxes(detect.objects, (o) => (isBox(o.box) && typeof o.label === 'string' && typeof o.score === 'number' ? { label: o.label, score: o.score, box: o.box } : null)),
    text: boxes(detect.text, (t) => (isBox(t.box) && typeof t.text === 'string' ? { text: t.text, box: t.box } : null)),
    noiseSigma: typeof noise === 'number' ? noise : null,
    stats: args.stats,
  };
}
