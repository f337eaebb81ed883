import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useElementSize } from './use-element-size.js';

interface Props {
  count: number;
  /** Tile width is at least this; columns fill the width. */
  minTileWidth: number;
  /** Extra height under the square image (caption). */
  captionHeight: number;
  gap?: number;
  /** Rows rendered above and below the visible ones. */
  overscan?: number;
  renderTile: (index: number) => ReactNode;
  /** The visible index range changed (to fetch pages). */
  onRange: (from: number, to: number) => void;
  label: string;
}

/**
 * A windowed grid: only the rows in view (plus a little overscan) exist in the DOM, so 30 000
 * photos cost what 60 do. Rows are positioned absolutely inside a spacer of the full height.
 * Arrow keys move the focus between tiles (Home/End, PageUp/PageDown too), scrolling as needed.
 */
export function VirtualGrid({ count, minTileWidth, captionHeight, gap = 8, overscan = 3, renderTile, onRange, label }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const size = useElementSize(ref, { width: 800, height: 600 });
  const [scrollTop, setScrollTop] = useState(0);
  const focusIndex = useRef<number | null>(null);


  const columns = Math.max(1, Math.floor((size.width - gap) / (minTileWidth + gap)));
  const tileWidth = (size.width - gap * (columns + 1)) / columns;
  const rowHeight = tileWidth + captionHeight + gap;
  const rows = Math.ceil(count / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const lastRow = Math.min(rows - 1, Math.ceil((scrollTop + size.height) / rowHeight) + overscan);
  const from = firstRow * columns;
  const to = Math.min(count - 1, (lastRow + 1) * columns - 1);

  useEffect(() => {
    if (count > 0) onRange(from, to);
  }, [from, to, count, onRange]);

  const focusTile = useCallback(
    (index: number) => {
      const el = ref.current;
      if (!el || count === 0) return;
      const target = Math.max(0, Math.min(count - 1, index));
      focusIndex.current = target;
      const top = Math.floor(target / columns) * rowHeight;
      if (top < el.scrollTop) el.scrollTop = top;
      else if (top + rowHeight > el.scrollTop + el.clientHeight) el.scrollTop = top + rowHeight - el.clientHeight;
      requestAnimationFrame(() => (el.querySelector(`[data-index="${target}"]`) as HTMLElement | null)?.focus());
    },
    [columns, count, rowHeight],
  );

  const onKeyDown = (e: KeyboardEvent) => {
    const current = Number((document.activeElement as HTMLElement | null)?.dataset.index ?? focusIndex.current ?? -1);
    if (current < 0) return;
    const page = Math.max(1, Math.floor(size.height / rowHeight)) * columns;
    const moves: Record<string, number> = {
      ArrowRight: current + 1,
      ArrowLeft: current - 1,
      ArrowDown: current + columns,
      ArrowUp: current - columns,
      PageDown: current + page,
      PageUp: current - page,
      Home: 0,
      End: count - 1,
    };
    if (e.key in moves) {
      e.preventDefault();
      focusTile(moves[e.key]!);
    }
  };

  const tiles: ReactNode[] = [];
  for (let index = from; index <= to; index++) {
    const row = Math.floor(index / columns);
    const col = index % columns;
    tiles.push(
      <div
        key={index}
        className="vtile"
        style={{ transform: `translate(${gap + col * (tileWidth + gap)}px, ${gap + row * rowHeight}px)`, width: tileWidth, height: tileWidth + captionHeight }}
      >
        {renderTile(index)}
      </div>,
    );
  }
  return (
    <div
      ref={ref}
      className="vgrid"
      role="region"
      aria-label={label}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}
      onKeyDown={onKeyDown}
    >
      <div style={{ height: rows * rowHeight + gap, position: 'relative' }} role="presentation">
        {tiles}
      </div>
    </div>
  );
}
