/**
 * Ctrl-C (or SIGTERM) for a long-running command: the first one stops gracefully (the photos in hand
 * finish or go back to their queue), a second one forces. Returns the function that removes the
 * handlers again.
 */
export function onInterrupt(handlers: { stop: () => void; force: () => void; message?: string }): () => void {
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      if (handlers.message) process.stderr.write(handlers.message);
      handlers.stop();
    } else {
      process.stderr.write('Forcing stop.\n');
      handlers.force();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

/** The usual notice for the first Ctrl-C. */
export const STOPPING_MESSAGE = 'Stopping: finishing the photos in hand (Ctrl-C again to force)…\n';
