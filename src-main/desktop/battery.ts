import { LANES, type Lane } from '../../src-shared/lanes.js';
import type { Lanes } from '../../src-core/queues.js';
import type { EngineStateRepo } from '../../src-core/store/repos/engine-state-repo.js';

/** The reason a battery pause carries: the person reads it in the app and in `shoebox status`. */
export const BATTERY_PAUSE_REASON = 'on battery power; Shoebox resumes on mains power';

type EngineParts = { store: { engineState: Pick<EngineStateRepo, 'listPauses' | 'setPause' | 'clearPause'> }; lanes: Pick<Lanes, 'pause' | 'resume'> };

/**
 * Pauses everything when the machine goes on battery (the "Pause on battery" preference). A pause
 * that already covers everything (the person's own) is left alone. Recorded as the system's pause,
 * so it survives a restart like any other and says why.
 */
export async function pauseForBattery(engine: EngineParts): Promise<boolean> {
  if ((await engine.store.engineState.listPauses()).some((p) => p.scope === 'all')) return false;
  await engine.store.engineState.setPause({ scope: 'all', by: 'system', reason: BATTERY_PAUSE_REASON, at: new Date().toISOString() });
  await engine.lanes.pause(LANES);
  return true;
}

/**
 * Lifts the battery pause on mains power (or at start when the app quit on battery and starts on
 * mains). Only that pause: a pause the person made, of everything or of one lane, stays.
 */
export async function resumeFromBattery(engine: EngineParts): Promise<boolean> {
  const pauses = await engine.store.engineState.listPauses();
  if (!pauses.some((p) => p.scope === 'all' && p.by === 'system' && p.reason === BATTERY_PAUSE_REASON)) return false;
  await engine.store.engineState.clearPause('all');
  const stillPaused = new Set(pauses.filter((p) => p.scope !== 'all').map((p) => p.scope as Lane));
  await engine.lanes.resume(LANES.filter((lane) => !stillPaused.has(lane)));
  return true;
}
