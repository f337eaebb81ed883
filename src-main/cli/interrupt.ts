/**
 * Ctrl-C (or SIGTERM, SIGHUP) for a long-running command: the first one stops gracefully (the photos in
 * hand finish or go back to their queue), a second one forces. Returns the function that removes the
 * handlers again; its `interrupt(message)` counts as a first Ctrl-C from elsewhere (the parent went away).
 */
export function onInterrupt(handlers: {
  stop: () => void;
  force: () => void;
  message?: string;
}): (() => void) & { interrupt(message?: string): void } {
  let interrupts = 0;
  const interrupt = (message = handlers.message): void => {
    interrupts++;
    if (interrupts === 1) {
      if (message) process.stderr.write(message);
      handlers.stop();
    } else {
      process.stderr.write('Forcing stop.\n');
      handlers.force();
    }
  };
  const onSignal = (): void => interrupt();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const remove = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
  };
  return Object.assign(remove, { interrupt });
}

/** The usual notice for the first Ctrl-C. */
export const STOPPING_MESSAGE = 'Stopping: finishing the photos in hand (Ctrl-C again to force)…\n';
