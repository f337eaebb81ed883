/** The model-upgrade calls of the API contract (src-shared/api/contract.ts, "model upgrades" block). */
import { ApiError } from '../../../src-shared/api/contract.js';
import { VECTOR_KINDS } from '../../../src-shared/vector-models.js';
import type { Lanes } from '../../../src-core/queues.js';
import { VectorModelsError, VectorModelsRepo } from '../../../src-core/store/repos/vector-models-repo.js';
import type { Store } from '../../../src-core/store/store.js';
import { useModel } from '../maintenance/model-upgrade-jobs.js';
import type { Handlers } from './dispatch.js';

type ModelsMethod = Extract<keyof Handlers, `models.${string}`>;

export function createModelsHandlers(engine: { store: Store; lanes: unknown }): Pick<Handlers, ModelsMethod> {
  const repo = new VectorModelsRepo(engine.store.sql);
  return {
    'models.status': async () => ({ models: await Promise.all(VECTOR_KINDS.map((kind) => repo.status(kind))) }),
    'models.use': async ({ kind, model }) => {
      const lanes = engine.lanes as Pick<Lanes, 'queue'> | null;
      if (!lanes?.queue) throw new ApiError('no-engine', 'a model upgrade needs a running engine');
      try {
        return await useModel(engine.store.sql, lanes, kind, model);
      } catch (error) {
        if (error instanceof VectorModelsError) throw new ApiError(error.code === 'invalid-request' ? 'bad-request' : 'conflict', error.message);
        throw error;
      }
    },
  };
}
