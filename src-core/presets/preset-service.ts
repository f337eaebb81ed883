/**
 * Context → suggested preset → XMP sidecar, for one photo (issue 15). Used by the worker's
 * `presets.apply` job and by the CLI when no engine runs; everything it knows comes from the store
 * (metadata, derivatives, stage results, marks) and the photo's cached preview.
 */
import path from 'node:path';
import type { PhotoDetail } from '../../src-shared/photo.js';
import type { ContextFinding } from '../../src-shared/presets.js';
import { contextInputOf } from '../context/context-input.js';
import { labelsOf, recogniseContext } from '../context/context-rules.js';
import { imageStats } from '../context/image-stats.js';
import { PhotoPresetsRepo, type PhotoContext } from '../store/repos/photo-presets-repo.js';
import { PresetsRepo } from '../store/repos/presets-repo.js';
import { PhotoRotationsRepo } from '../store/repos/photo-rotations-repo.js';
import { composeOrientation } from '../../src-shared/orientation.js';
import type { Store } from '../store/store.js';
import type { SidecarUpdate, XmpRegion } from '../xmp/sidecar-merge.js';
import { writeSidecar, type SidecarNaming } from '../xmp/sidecar-writer.js';
import { selectPreset } from './select-preset.js';

export class PresetApplyError extends Error {}

export interface ApplyOutcome {
  photoId: string;
  path: string;
  sidecarPath: string;
  presetId: string | null;
  ruleId: string | null;
  merged: boolean;
  /** The sidecar had been changed by another app since Shoebox last wrote it (it was re-read and merged). */
  changedOutside: boolean;
}

/**
 * What to write: a preset's settings (by id) or the photo's suggested preset — each with the marks the
 * person set in Shoebox — or only some marks (`null` clears one: "label none").
 */
export type ApplyChoice = { presetId: string } | { suggested: true } | { marks: { rating?: number | null; label?: string | null } };

function facesOf(detail: PhotoDetail): XmpRegion[] {
  const faces = (detail.results.detect as { faces?: { box?: unknown }[] } | undefined)?.faces ?? [];
  const out: XmpRegion[] = [];
  for (const f of faces) {
    const b = f.box;
    if (!Array.isArray(b) || b.length !== 4) continue;
    const [x, y, w, h] = b as number[];
    // Detect boxes are top-left based; MWG areas are centre based.
    const clamp = (v: number): number => Math.min(1, Math.max(0, v));
    out.push({ name: null, type: 'Face', x: clamp(x! + w! / 2), y: clamp(y! + h! / 2), w: clamp(w!), h: clamp(h!) });
  }
  return out;
}

/** The photo's size as displayed: the preprocess stage's, else the metadata's (swapped for orientations 5–8). */
function orientedSize(detail: PhotoDetail): { width: number; height: number } | null {
  if (detail.derivatives) return { width: detail.derivatives.width, height: detail.derivatives.height };
  const m = detail.metadata;
  if (!m?.width || !m.height) return null;
  return (m.orientation ?? 1) >= 5 ? { width: m.height, height: m.width } : { width: m.width, height: m.height };
}

function tagsOf(detail: PhotoDetail): string[] {
  const tags = (detail.results.tag as { tags?: unknown } | undefined)?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string' && t.trim().length > 0 && !t.includes('|')) : [];
}

export class PresetService {
  readonly presets: PresetsRepo;
  readonly photoState: PhotoPresetsRepo;

  constructor(
    private readonly store: Store,
    private readonly cacheDir: string,
  ) {
    this.presets = new PresetsRepo(store.sql);
    this.photoState = new PhotoPresetsRepo(store.sql);
  }

  private async detail(photoId: string): Promise<PhotoDetail> {
    const detail = await this.store.photos.getDetail(photoId);
    if (!detail) throw new PresetApplyError(`no photo with id ${photoId}`);
    return detail;
  }

  /** Recognises the photo's context from its stored analysis and saves it with the suggested preset. */
  async computeContext(photoId: string): Promise<PhotoContext> {
    const detail = await this.detail(photoId);
    const faces = (detail.results.detect as { faces?: { box: [number, number, number, number] }[] } | undefined)?.faces ?? [];
    const source = detail.derivatives ? path.join(this.cacheDir, detail.derivatives.previewPath) : detail.path;
    const stats = await imageStats(source, faces).catch(() => null);
    const findings: ContextFinding[] = recogniseContext(contextInputOf({ metadata: detail.metadata, derivatives: detail.derivatives, results: detail.results, stats }));
    const suggestion = selectPreset(labelsOf(findings), await this.presets.rules());
    await this.photoState.saveContext(photoId, detail.revision, findings, suggestion);
    return { revision: detail.revision, findings, presetId: suggestion.presetId, ruleId: suggestion.ruleId, computedAt: new Date().toISOString() };
  }

  /** The stored context when it is for the photo's current revision, else a fresh one. */
  async contextFor(photoId: string): Promise<PhotoContext> {
    const [stored, photo] = await Promise.all([this.photoState.context(photoId), this.store.photos.get(photoId)]);
    if (stored && photo && stored.revision === photo.revision) return stored;
    return this.computeContext(photoId);
  }

  /** Writes the photo's sidecar; never touches the photo itself. Throws with a reason on failure. */
  async apply(photoId: string, choice: ApplyChoice, naming?: SidecarNaming): Promise<ApplyOutcome> {
    const detail = await this.detail(photoId);
    const update: SidecarUpdate = {};
    let presetId: string | null = null;
    let ruleId: string | null = null;
    if ('marks' in choice) {
      update.rating = choice.marks.rating;
      update.label = choice.marks.label;
    } else {
      let context: PhotoContext | null = null;
      if ('suggested' in choice) {
        context = await this.contextFor(photoId);
        presetId = context.presetId;
        ruleId = context.ruleId;
      } else {
        presetId = choice.presetId;
      }
      const preset = presetId ? await this.presets.find(presetId) : null;
      if (!preset) throw new PresetApplyError(`no preset "${presetId}" (shoebox preset list shows them)`);
      presetId = preset.id;
      update.develop = preset.settings;
      const tags = tagsOf(detail);
      update.keywords = tags;
      update.hierarchicalKeywords = tags.map((t) => `Shoebox|${t}`);
      const faces = facesOf(detail);
      const size = orientedSize(detail);
      if (faces.length > 0 && size) update.regions = { imageWidth: size.width, imageHeight: size.height, list: faces };
      update.shoebox = {
        Preset: preset.name,
        PresetId: preset.id,
        ...(ruleId ? { Rule: ruleId } : {}),
        ...(context ? { Context: context.findings.map((f) => f.label) } : {}),
      };
      // Marks set in Shoebox go along; an unset one leaves what another app recorded.
      const marks = await this.photoState.marks(photoId);
      if (marks?.rating !== null && marks?.rating !== undefined) update.rating = marks.rating;
      if (marks?.label) update.label = marks.label;
    }
    // A person's rotation goes along with every write (a row at 0 too: it undoes an earlier turn).
    const rotation = await new PhotoRotationsRepo(this.store.sql).get(photoId);
    if (rotation !== null) update.orientation = composeOrientation(detail.metadata?.orientation, rotation);
    const last = await this.photoState.lastSidecarWrite(photoId);
    const written = await writeSidecar(detail.path, update, { naming: naming ?? (await this.presets.sidecarNaming()) });
    await this.photoState.recordSidecarWrite(photoId, { sidecarPath: written.sidecarPath, sha256: written.sha256, presetId });
    const changedOutside = last !== null && last.sidecarPath === written.sidecarPath && last.sha256 !== written.previousSha256;
    return { photoId, path: detail.path, sidecarPath: written.sidecarPath, presetId, ruleId, merged: written.merged, changedOutside };
  }
}
