import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { feature } from 'topojson-client';
import type { GeometryCollection, Topology } from 'topojson-specification';
// Natural Earth 1:110m countries (public domain) as TopoJSON, from the world-atlas package (ISC):
// bundled with the app, so the map needs no tile server and works offline.
import countries110m from 'world-atlas/countries-110m.json';
import { useApp } from '../state/context.js';
import { clusterPoints, X, Y } from '../../../src-shared/geo-cluster.js';


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
  const svgRef = useRef<SVGSVGElement>(null);
  const [box, setBox] = useState({ width: 800, height: 300 });
  useLayoutEffect(() => {
    const el = svgRef.current;
    if (!el) return;
    const measure = () => setBox({ width: el.clientWidth || 800, height: el.clientHeight || 300 });
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);
  const width = box.width;
  useEffect(() => {
    void loadPlaces();
  }, [loadPlaces, version]);

  // The view: the chosen box with a margin (kept at the map's 2:1), or the whole world.
  // The view fills the element: the chosen area (or the world) widened to the element's shape.
  const aspect = box.width / Math.max(1, box.height);
  const view = useMemo(() => {
    let cx = 180;
    let cy = 90;
    let w = 360;
    let h = 180;
    if (bbox) {
      const [south, west, north, east] = bbox;
      cx = (X(west) + X(east)) / 2;
      cy = (Y(north) + Y(south)) / 2;
      // At least ~12° across: a cluster of one street still shows its country around it.
      w = Math.max(12, (X(east) - X(west)) * 1.6);
      h = Math.max(6, (Y(south) - Y(north)) * 1.6);
    }
    if (w / h < aspect) w = h * aspect;
    else h = w / aspect;
    return { x: cx - w / 2, y: cy - h / 2, w, h };
  }, [bbox, aspect]);
  const points = places.status === 'ready' ? places.data.points : [];
  const clusters = useMemo(() => clusterPoints(points, (36 * view.w) / Math.max(200, width)), [points, view.w, width]);
  const unit = view.w / Math.max(200, width); // map units per screen pixel

  return (
    <div className="map" ref={ref} data-testid="map">
      <div className="map-stage">
        <svg ref={svgRef} viewBox={`${view.x} ${view.y} ${view.w} ${view.h}`} role="img" aria-label={`Map of ${places.status === 'ready' ? places.data.total : 0} photos with a GPS position`}>
          <rect x={-360} y={-180} width={1080} height={540} className="map-sea" />
          <path d={worldOutline()} className="map-land" strokeWidth={0.6 * unit} />
        </svg>
        {/* Markers in screen pixels (a text scaled down by a zoomed viewBox hits the browser's minimum font size). */}
        <svg className="map-markers" viewBox={`0 0 ${box.width} ${box.height}`}>
          {clusters.map((c) => {
            const r = 9 + Math.min(14, Math.sqrt(c.count) * 3);
            const sx = ((c.x - view.x) / view.w) * box.width;
            const sy = ((c.y - view.y) / view.h) * box.height;
            const choose = () => setFilter({ bbox: [c.south, c.west, c.north, c.east] });
            return (
              <g
                key={`${c.x},${c.y}`}
                className="map-cluster"
                role="button"
                tabIndex={0}
                aria-label={`${c.count} photo${c.count === 1 ? '' : 's'} here`}
                data-count={c.count}
                onClick={choose}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' || e.key === ' ') choose();
                }}
              >
                <circle cx={sx} cy={sy} r={r} strokeWidth={2} />
                <text x={sx} y={sy} dy={4} fontSize={11} textAnchor="middle">{c.count}</text>
              </g>
            );
          })}
        </svg>
      </div>
      <div className="map-foot small muted">
        {places.status === 'ready' && (places.data.total === 0 ? 'No photo here records a GPS position.' : `${places.data.total.toLocaleString()} photo${places.data.total === 1 ? '' : 's'} with a position · click a marker to show its photos`)}
        {bbox && <button className="ghost small" onClick={() => setFilter({ bbox: undefined })}>Whole world</button>}
        <span className="map-credit">Map: Natural Earth</span>
      </div>
    </div>
  );
}
