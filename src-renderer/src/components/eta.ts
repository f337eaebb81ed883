import { useApp } from '../state/context.js';

/**
 * Seconds left for the running work: photos still queued or in flight, divided by the rate at which
 * photos finished (ML jobs, the last step of a photo) over the last minute. Null while unknown.
 */
export function useEta(): number | null {
  const samples = useApp((s) => s.samples);
  const counts = useApp((s) => s.photoCounts);
  const remaining = (counts.queued ?? 0) + (counts.processing ?? 0);
  if (remaining === 0) return null;
  const recent = samples.filter((s) => s.at >= Date.now() - 60_000);
  if (recent.length < 3) return null;
  const seconds = (recent[recent.length - 1]!.at - recent[0]!.at) / 1000 || 1;
  const perSecond = recent.reduce((a, s) => a + s.ml, 0) / seconds;
  return perSecond > 0 ? remaining / perSecond : null;
}
