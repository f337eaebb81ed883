/**
 * What the CLI and the API do with labels (issue 17): mark photos as examples ("this" / "not this"),
 * read suggestions and evaluation runs. A change of examples queues a debounced recalculation on the
 * learning lane when an engine runs; without one (the CLI on a closed library) it is done right here.
 */
import path from 'node:path';
import type { Lanes } from '../queues.js';
import type { Store } from '../store/store.js';
import { LabelError, LabelsRepo, type EvalRun, type ExampleKind, type LabelExample, type LabelSummary, type Suggestion } from '../store/repos/labels-repo.js';
import { evaluateLabel, recomputePrototypes } from './label-learning.js';

export interface LabelPage {
  label: LabelSummary;
  threshold: number | null;
  model: string | null;
  examples: LabelExample[];
  suggestions: Suggestion[];
  runs: EvalRun[];
}

export class LabelService {
  private readonly repo: LabelsRepo;

  constructor(
    private readonly store: Pick<Store, 'sql' | 'photos'>,
    private readonly lanes: Pick<Lanes, 'addPrototypes' | 'addEvaluate'> | null,
  ) {
    this.repo = new LabelsRepo(store.sql);
  }

  /** Photo ids of files (absolute or relative paths) or photo ids; every one must be in the library. */
  async resolvePhotos(refs: readonly string[]): Promise<string[]> {
    if (refs.length === 0) throw new LabelError('invalid-request', 'name at least one photo');
    const byPath = await this.store.photos.getByPaths(refs.map((r) => path.resolve(r)));
    const ids: string[] = [];
    const missing: string[] = [];
    for (const ref of refs) {
      const found = byPath.get(path.resolve(ref)) ?? (await this.store.photos.get(ref));
      if (found) ids.push(found.id);
      else missing.push(ref);
    }
    // All or nothing: one wrong path must not leave the others half-labelled.
    if (missing.length) throw new LabelError('not-found', `not in the library: ${missing.join(', ')}`);
    return [...new Set(ids)];
  }

  /**
   * Marks photos as examples of a label (created on first use) and asks for a recalculation.
   * Returns whether it was queued on a running engine or done in place.
   */
  async mark(labelName: string, photoRefs: readonly string[], kind: ExampleKind, by: string): Promise<{ labelId: string; photos: number; recalculation: 'queued' | 'done' }> {
    const photoIds = await this.resolvePhotos(photoRefs);
    const label = await this.repo.label(labelName, true);
    await this.repo.addExamples(label.id, photoIds, kind, by);
    return { labelId: label.id, photos: photoIds.length, recalculation: await this.recalculate(label.name) };
  }

  /** Takes a photo out of a label's examples. */
  async unmark(labelName: string, photoId: string): Promise<{ recalculation: 'queued' | 'done' }> {
    const label = await this.repo.label(labelName);
    if (!(await this.repo.removeExample(label.id, photoId))) throw new LabelError('not-found', `photo "${photoId}" is not an example of "${label.name}"`);
    return { recalculation: await this.recalculate(label.name) };
  }

  private async recalculate(labelName: string): Promise<'queued' | 'done'> {
    if (this.lanes) {
      await this.lanes.addPrototypes({ label: labelName });
      return 'queued';
    }
    await recomputePrototypes(this.store.sql, (await this.repo.label(labelName)).id);
    return 'done';
  }

  list(): Promise<LabelSummary[]> {
    return this.repo.list();
  }

  /** A label's page: examples, suggestions above the calibrated threshold (best first), evaluation runs. */
  async page(labelName: string, limit = 200): Promise<LabelPage> {
    const label = await this.repo.label(labelName);
    const summary = (await this.repo.list()).find((l) => l.id === label.id)!;
    const proto = await this.repo.prototype(label.id);
    return {
      label: summary,
      threshold: proto?.threshold ?? null,
      model: proto?.model ?? null,
      examples: await this.repo.examples(label.id),
      suggestions: proto ? await this.repo.suggestions(label.id, proto.threshold, limit) : [],
      runs: await this.repo.evalRuns(label.id, 30),
    };
  }

  /**
   * Suggestions for the CLI: the stored ones, computed here first when the label has examples but no
   * prototype yet (a library without an engine, or a recalculation still waiting).
   */
  async suggest(labelName: string, limit = 1000): Promise<{ threshold: number | null; suggestions: Suggestion[] }> {
    const label = await this.repo.label(labelName);
    if (!(await this.repo.prototype(label.id))) await recomputePrototypes(this.store.sql, label.id);
    const proto = await this.repo.prototype(label.id);
    return { threshold: proto?.threshold ?? null, suggestions: proto ? await this.repo.suggestions(label.id, proto.threshold, limit) : [] };
  }

  /** Runs an evaluation now (k-fold over the examples) and stores it. */
  async evaluateNow(labelName: string, seed = 1): Promise<EvalRun> {
    const label = await this.repo.label(labelName);
    try {
      return await evaluateLabel(this.store.sql, label.id, seed);
    } catch (error) {
      throw new LabelError('invalid-request', `"${label.name}": ${(error as Error).message}`);
    }
  }

  /** Queues an evaluation on the learning lane (a running engine), else runs it here. */
  async evaluate(labelName: string): Promise<'queued' | EvalRun> {
    const label = await this.repo.label(labelName);
    if (this.lanes) {
      await this.lanes.addEvaluate({ label: label.name });
      return 'queued';
    }
    return this.evaluateNow(label.name);
  }
}
