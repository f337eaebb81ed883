/** The preset calls of the API (issue 15, src-shared/api/presets-contract.ts). */
import { ApiError } from '../../../src-shared/api/contract.js';
import type { PRESET_API } from '../../../src-shared/api/presets-contract.js';
import type { PresetApplyJobData } from '../../../src-shared/jobs.js';
import { libraryPaths } from '../../../src-core/paths.js';
import { PresetService } from '../../../src-core/presets/preset-service.js';
import { describeRule } from '../../../src-core/presets/select-preset.js';
import { PresetFileError } from '../../../src-core/presets/preset-file.js';
import { PresetError } from '../../../src-core/store/repos/presets-repo.js';
import type { Lanes } from '../../../src-core/queues.js';
import type { Handlers } from './dispatch.js';
import type { HandlerEngine } from './handlers.js';

type PresetHandlers = Pick<Handlers, keyof typeof PRESET_API>;

/** A preset or preset-file problem is the caller's: bad-request, with its reason. */
async function asRequestError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof PresetError || error instanceof PresetFileError) throw new ApiError('bad-request', error.message);
    throw error;
  }
}

export function presetHandlers(engine: HandlerEngine): PresetHandlers {
  const service = new PresetService(engine.store, libraryPaths(engine.config.dataDir).cacheDir);
  const queue = async (jobs: PresetApplyJobData[]): Promise<number> => {
    const lanes = engine.lanes as Partial<Pick<Lanes, 'addPresetApply'>>;
    if (!lanes.addPresetApply) throw new ApiError('no-engine', 'the engine is not running: no queue to write sidecars with');
    await lanes.addPresetApply(jobs.map((data) => ({ lane: 'high_priority', data })));
    return jobs.length;
  };
  return {
    'presets.list': async () => {
      const [presets, rules, sidecarNaming] = await Promise.all([service.presets.list(), service.presets.rules(), service.presets.sidecarNaming()]);
      return { presets, rules, sidecarNaming };
    },
    'presets.save': (input) => asRequestError(() => service.presets.save({ id: input.id, name: input.name, group: input.group ?? null, settings: input.settings })),
    'presets.import': ({ fileName, xml }) => asRequestError(() => service.presets.importFile(xml, fileName)),
    'presets.setRules': ({ rules }) => asRequestError(async () => ({ rules: await service.presets.setRules(rules) })),
    'presets.setNaming': async ({ naming }) => {
      await service.presets.setSidecarNaming(naming);
      return { ok: true };
    },
    'photos.context': async ({ photoId }) => {
      if (!(await engine.store.photos.get(photoId))) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      const ctx = await service.contextFor(photoId);
      const preset = ctx.presetId ? await service.presets.get(ctx.presetId) : null;
      const rule = (await service.presets.rules()).find((r) => r.id === ctx.ruleId);
      return { findings: ctx.findings, presetId: ctx.presetId, presetName: preset?.name ?? null, ruleId: ctx.ruleId, rule: rule ? describeRule(rule, preset?.name ?? rule.presetId) : null };
    },
    'presets.apply': async ({ photoIds, presetId }) => {
      if (presetId !== null && !(await service.presets.get(presetId))) throw new ApiError('not-found', `no preset "${presetId}"`);
      return { queued: await queue(photoIds.map((photoId) => ({ photoId, presetId }))) };
    },
    'photos.mark': async ({ photoIds, rating, label }) => {
      const updated = await service.photoState.setMarks(photoIds, { rating, label });
      await queue(updated.map((photoId) => ({ photoId, presetId: null, marks: { rating, label } })));
      return { updated: updated.length };
    },
  };
}
