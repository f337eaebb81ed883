import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
// Natural Earth 1:110m countries (public domain) as TopoJSON, from the world-atlas package (ISC):
// bundled with the app, so the map needs no tile server and works offline.
import countries110m from 'world-atlas/countries-110m.json';
import { useApp } from '../state/context.js';

/** Equirectangular: x = lon + 180, y = 90 − lat, in a 360 × 180 plane. */
const X = (lon: number) => lon + 180;
const Y = (lat: number) => 90 - lat;

type Ring = number[][];
let worldPath: string | null = null;
/** The land as one SVG path (computed once). */
function worldOutline(): string {
  if (worldPath) return worldPath;
  const topo = countries110m as unknown as Topology<{ countries: GeometryCollection }>;
  const fc = feature(topo, topo.objects.countries);
  const parts: string[] = [];
  const ring = (r: Ring) => {
    // Rings that cross the antimeridian jump across the map: split them there.
    let d = '';
    let prev: number[] | null = null;
    for (const [lon, lat] of r as [number, number][]) {
      const jump = prev !== null && Math.abs(lon - prev[0]!) > 180;
      d += `${d === '' || jump ? 'M' : 'L'}${X(lon).toFixed(2)},${Y(lat).toFixed(2)}`;
      prev = [lon, lat];
    }
    parts.push(`${d}Z`);
  };
  for (const f of fc.features) {
    const g = f.geometry;
    if (!g) continue;
    if (g.type === 'Polygon') (g.coordinates as Ring[]).forEach(ring);
    else if (g.type === 'MultiPolygon') (g.coordinates as Ring[][]).forEach((poly) => poly.forEach(ring));
  }
  worldPath = parts.join('');
  return worldPath;
}

export interface Cluster {
  x: number;
  y: number;
  count: number;
  south: number;
  west: number;
  north: number;
  east: number;
}

/** Points grouped in square cells of `cell` map units; each cluster keeps the bounds of its points. */
export function clusterPoints(points: { lat: number; lon: number }[], cell: number): Cluster[] {
  const cells = new Map<string, Cluster & { sx: number; sy: number }>();
  for (const p of points) {
    const x = X(p.lon);
    const y = Y(p.lat);
    const key = `${Math.floor(x / cell)},${Math.floor(y / cell)}`;
    const c = cells.get(key);
    if (!c) cells.set(key, { x, y, sx: x, sy: y, count: 1, south: p.lat, north: p.lat, west: p.lon, east: p.lon });
    else {
      c.count++;
      c.sx += x;
      c.sy += y;
      c.south = Math.min(c.south, p.lat);
      c.north = Math.max(c.north, p.lat);
      c.west = Math.min(c.west, p.lon);
      c.east = Math.max(c.east, p.lon);
    }
  }
  return [...cells.values()].map(({ sx, sy, ...c }) => ({ ...c, x: sx / c.count, y: sy / c.count }));
}

/**
 * Photos with GPS on a world map drawn from bundled data; nearby markers merge into clusters. A
 * click on a cluster shows its photos in the grid (and zooms there); "Whole world" clears it.
 */
export function PhotoMap() {
  const places = useApp((s) => s.places);
  const loadPlaces = useApp((s) => s.loadPlaces);
  const version = useApp((s) => s.libraryVersion);
  const bbox = useApp((s) => s.filter.bbox);
  const setFilter = useApp((s) => s.setFilter);
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth || 800));
    observer.observe(el);
    setWidth(el.clientWidth || 800);
    return () => observer.disconnect();
  }, []);
  useEffect(() => {
    void loadPlaces();
  }, [loadPlaces, version]);

  // The view: the chosen box with a margin (kept at the map's 2:1), or the whole world.
  const view = useMemo(() => {
    if (!bbox) return { x: 0, y: 0, w: 360, h: 180 };
    const [south, west, north, east] = bbox;
    const cx = (X(west) + X(east)) / 2;
    const cy = (Y(north) + Y(south)) / 2;
    const w = Math.max(4, (X(east) - X(west)) * 1.6, (Y(south) - Y(north)) * 1.6 * 2);
    return { x: cx - w / 2, y: cy - w / 4, w, h: w / 2 };
  }, [bbox]);
  const points = places.status === 'ready' ? places.data.points : [];
  const clusters = useMemo(() => clusterPoints(points, (36 * view.w) / Math.max(200, width)), [points, view.w, width]);
  const unit = view.w / Math.max(200, width); // map units per screen pixel

  return (
    <div className="map" ref={ref} data-testid="map">
      <svg viewBox={`${view.x} ${view.y} ${view.w} ${view.h}`} role="img" aria-label={`Map of ${places.status === 'ready' ? places.data.total : 0} photos with a GPS position`}>
        <rect x={-360} y={-180} width={1080} height={540} className="map-sea" />
        <path d={worldOutline()} className="map-land" strokeWidth={0.6 * unit} />
        {clusters.map((c) => {
          const r = (8 + Math.min(14, Math.sqrt(c.count) * 3)) * unit;
          return (
            <g
              key={`${c.x},${c.y}`}
              className="map-cluster"
              role="button"
              tabIndex={0}
              aria-label={`${c.count} photo${c.count === 1 ? '' : 's'} here`}
              data-count={c.count}
              onClick={() => setFilter({ bbox: [c.south, c.west, c.north, c.east] })}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') setFilter({ bbox: [c.south, c.west, c.north, c.east] });
              }}
            >
              <circle cx={c.x} cy={c.y} r={r} strokeWidth={2 * unit} />
              <text x={c.x} y={c.y} dy={4 * unit} fontSize={11 * unit} textAnchor="middle">{c.count}</text>
            </g>
          );
        })}
      </svg>
      <div className="map-foot small muted">
        {places.status === 'ready' && (places.data.total === 0 ? 'No photo here records a GPS position.' : `${places.data.total.toLocaleString()} photo${places.data.total === 1 ? '' : 's'} with a position · click a marker to show its photos`)}
        {bbox && <button className="ghost small" onClick={() => setFilter({ bbox: undefined })}>Whole world</button>}
        <span className="map-credit">Map: Natural Earth</span>
      </div>
    </div>
  );
}
