/**
 * The Library's multi-select as pure functions (the renderer's store calls them; tests call them without
 * a browser): a click, a Ctrl/Cmd-click toggle and a Shift-click range, Finder / Lightroom style.
 */

/**
 * Photo ids one `presets.apply` / `photos.mark` request carries (their contract's cap): a bigger selection
 * is sent in requests of this many.
 */
export const IDS_PER_REQUEST = 5000;

export interface SelectionAnchor {
  /** The tile index a Shift-click extends from. */
  index: number;
  /** The selection a Shift range is added to (what was selected when the anchor was set, less the anchor). */
  base: ReadonlySet<string>;
}

export interface Selection {
  ids: ReadonlySet<string>;
  anchor: SelectionAnchor | null;
}

export type SelectHow = 'only' | 'toggle' | 'range';

/** A plain click: this photo alone, the anchor here. */
export function selectOnly(index: number, id: string): Selection {
  return { ids: new Set([id]), anchor: { index, base: new Set() } };
}

/** Ctrl/Cmd-click (or the tile's checkbox): in or out of the selection, the anchor here. */
export function toggleOne(current: ReadonlySet<string>, index: number, id: string): Selection {
  const ids = new Set(current);
  if (ids.has(id)) ids.delete(id);
  else ids.add(id);
  const base = new Set(ids);
  base.delete(id);
  return { ids, anchor: { index, base } };
}

/** The inclusive index bounds of a Shift range. */
export function rangeBounds(anchorIndex: number, index: number): [number, number] {
  return anchorIndex <= index ? [anchorIndex, index] : [index, anchorIndex];
}

/** Shift-click: the anchor's base plus every id of the range; the anchor stays (a second Shift-click replaces the range). */
export function withRange(anchor: SelectionAnchor, rangeIds: readonly string[], max: number): Selection {
  const ids = new Set(anchor.base);
  for (const id of rangeIds) {
    if (ids.size >= max) break;
    ids.add(id);
  }
  return { ids, anchor };
}

/** The ids of tiles from..to (inclusive) when every one is loaded; null when a page is missing (ask the engine). */
export function loadedIds(tiles: readonly ({ id: string } | undefined)[], from: number, to: number): string[] | null {
  const ids: string[] = [];
  for (let i = from; i <= to; i++) {
    const tile = tiles[i];
    if (!tile) return null;
    ids.push(tile.id);
  }
  return ids;
}

/** Splits ids into requests of at most `size`. */
export function chunked<T>(items: readonly T[], size = IDS_PER_REQUEST): T[][] {
  if (!(size >= 1)) throw new Error(`chunk size ${size} is not a positive number`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
