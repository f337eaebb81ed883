/** The preset calls of the API (issue 15, src-shared/api/presets-contract.ts). */
import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { ApiError } from '../../../src-shared/api/contract.js';
import type { PRESET_API } from '../../../src-shared/api/presets-contract.js';
import { PRESET_PREVIEW_DIR, type PresetPreviewJobData } from '../../../src-shared/jobs.js';
import { bulkApplyJobs, countBands, requestedApplyJobs, type PresetApplyJob } from '../../../src-core/presets/apply-priority.js';
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

/** How long the editor waits for a preview before saying so (a busy interactive worker finishes its photo first). */
const PREVIEW_TIMEOUT_MS = 30_000;

export function presetHandlers(engine: HandlerEngine): PresetHandlers {
  const cacheDir = libraryPaths(engine.config.dataDir).cacheDir;
  const service = new PresetService(engine.store, cacheDir);
  const lanesOf = () => engine.lanes as Partial<Pick<Lanes, 'addPresetApply' | 'addAndWait'>>;
  const queue = async (jobs: PresetApplyJob[]): Promise<number> => {
    const lanes = lanesOf();
    if (!lanes.addPresetApply) throw new ApiError('no-engine', 'the engine is not running: no queue to write sidecars with');
    await lanes.addPresetApply(jobs);
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
      return { queued: await queue(requestedApplyJobs(photoIds, presetId)) };
    },
    'presets.applyFolder': async ({ folder }) => {
      const photos = await service.photoState.photosUnder(path.resolve(folder));
      if (photos.length === 0) throw new ApiError('not-found', `no photo of the library is in ${folder}`);
      const jobs = bulkApplyJobs(photos, null);
      return { queued: await queue(jobs), byPriority: countBands(jobs) };
    },
    'presets.delete': ({ id }) =>
      asRequestError(async () => {
        await service.presets.remove(id);
        return { ok: true as const };
      }),
    'presets.preview': async ({ photoId, settings, longEdge }) => {
      const lanes = lanesOf();
      if (!lanes.addAndWait) throw new ApiError('no-engine', 'the engine is not running: no worker to render the preview');
      const detail = await engine.store.photos.getDetail(photoId);
      if (!detail) throw new ApiError('not-found', `no photo "${photoId}" in the library`);
      if (!detail.derivatives) throw new ApiError('conflict', 'this photo has no cached preview yet: wait for its analysis');
      const outName = `${randomUUID()}.jpg`;
      const data: PresetPreviewJobData = { photoId, settings, longEdge, outName };
      let result: { width: number; height: number; ms: number };
      const file = path.join(cacheDir, PRESET_PREVIEW_DIR, outName);
      try {
        result = (await lanes.addAndWait('presets.preview', 'high_priority', data, `presets_preview-${outName.slice(0, -4)}`, PREVIEW_TIMEOUT_MS)) as typeof result;
      } catch (err) {
        // A wait that timed out may still see the worker write the file: remove it once that is past.
        setTimeout(() => void rm(file, { force: true }), 2 * PREVIEW_TIMEOUT_MS).unref();
        throw new ApiError('internal', `the preview could not be rendered: ${err instanceof Error ? err.message : String(err)}`);
      }
      try {
        const bytes = await readFile(file);
        return { image: `data:image/jpeg;base64,${bytes.toString('base64')}`, width: result.width, height: result.height, ms: result.ms };
      } finally {
        await rm(file, { force: true });
      }
    },
    'photos.mark': async ({ photoIds, rating, label }) => {
      const updated = await service.photoState.setMarks(photoIds, { rating, label });
      await queue(updated.map((photoId) => ({ lane: 'high_priority', data: { photoId, presetId: null, marks: { rating, label } } })));
      return { updated: updated.length };
    },
  };
}
