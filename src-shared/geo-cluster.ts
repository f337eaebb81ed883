/** Map markers: positions on an equirectangular plane, merged into clusters by cell. Pure. */

/** Equirectangular: x = lon + 180, y = 90 − lat, in a 360 × 180 plane. */
export const X = (lon: number) => lon + 180;
export const Y = (lat: number) => 90 - lat;

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

