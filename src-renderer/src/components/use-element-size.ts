import { useLayoutEffect, useState, type RefObject } from 'react';

/** The element's client size, followed as the window (or its layout) changes. */
export function useElementSize(ref: RefObject<HTMLElement | null>, initial = { width: 0, height: 0 }): { width: number; height: number } {
  const [size, setSize] = useState(initial);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setSize({ width: el.clientWidth, height: el.clientHeight }));
    observer.observe(el);
    setSize({ width: el.clientWidth, height: el.clientHeight });
    return () => observer.disconnect();
  }, [ref]);
  return size;
}
