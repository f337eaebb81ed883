import { useCallback, useEffect } from 'react';
import type { RotateDirection } from '../../../src-shared/orientation.js';
import { useApp } from '../state/context.js';
import { rotatedText, rotatePhoto } from '../state/rotation.js';

/** Lightroom's keys: Ctrl+[ turns left, Ctrl+] turns right (⌘ on a Mac). */
export const ROTATE_KEYS: Readonly<Record<string, RotateDirection>> = { '[': 'left', ']': 'right' };

function useRotate(): (photoId: string, direction: RotateDirection) => Promise<void> {
  const toast = useApp((s) => s.toast);
  return useCallback(
    async (photoId, direction) => {
      try {
        toast('info', rotatedText(direction, await rotatePhoto(photoId, direction)));
      } catch (error) {
        toast('error', error instanceof Error ? error.message : String(error));
      }
    },
    [toast],
  );
}

/** Turn left / right / 180° buttons for one photo (detail panel, viewer's info panel). */
export function RotateButtons({ photoId }: { photoId: string }) {
  const rotate = useRotate();
  return (
    <span className="rotate-buttons" role="group" aria-label="Correct the rotation">
      <button onClick={() => void rotate(photoId, 'left')} title="Rotate left (Ctrl+[)" aria-label="Rotate left">⟲ Left</button>
      <button onClick={() => void rotate(photoId, 'right')} title="Rotate right (Ctrl+])" aria-label="Rotate right">⟳ Right</button>
      <button onClick={() => void rotate(photoId, '180')} title="Rotate 180°" aria-label="Rotate 180°">180°</button>
    </span>
  );
}

/** Ctrl+[ / Ctrl+] turn the selected photo, wherever it is shown (detail or viewer). Renders nothing. */
export function RotateKeys() {
  const selectedId = useApp((s) => s.selectedId);
  const rotate = useRotate();
  useEffect(() => {
    if (!selectedId) return;
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return;
      if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return;
      const direction = ROTATE_KEYS[e.key];
      if (!direction) return;
      e.preventDefault();
      void rotate(selectedId, direction);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [selectedId, rotate]);
  return null;
}
