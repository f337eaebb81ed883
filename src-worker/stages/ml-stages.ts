import type { Stage } from '../../src-shared/stages.js';
import type { StageOutcome } from '../stage-runner.js';

export interface MlStageInput {
  photoId: string;
  revision: number;
  /** Absolute path of the ~1600 px preview written by the CPU job. */
  previewPath: string;
}

export interface MlStage {
  stage: Stage;
  /** Loads models once per process; called before the worker reports 'ready'. */
  load?: () => Promise<void>;
  run: (input: MlStageInput, signal: AbortSignal) => Promise<StageOutcome>;
}

/**
 * The ML stages in pipeline order. Each is a named step that records an honest outcome: until a
 * model is installed for it, it is skipped with that reason (never reported as done).
 */
function notInstalled(stage: Stage, what: string): MlStage {
  return {
    stage,
    run: async () => ({ state: 'skipped', note: `no ${what} model is installed in this build` }),
  };
}

export const ML_STAGES: readonly MlStage[] = [
  notInstalled('detect', 'face/object detection'),
  notInstalled('tag', 'tagging'),
  notInstalled('embed', 'image embedding'),
  notInstalled('quality', 'quality scoring'),
];
