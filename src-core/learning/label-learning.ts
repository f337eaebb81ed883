/**
 * What the learning jobs and the CLI do with labels, over the store (issue 17): recompute a label's
 * prototypes and score every photo, score one newly analysed photo against every label, run an
 * evaluation. Vectors are read for ONE descriptor model (the library's current one): a prototype records
 * that model, and a photo embedded by another model is neither learned from nor scored.
 */
import { LabelsRepo, type EvalRun, type PhotoSignals } from '../store/repos/labels-repo.js';
import type { SqlDb } from '../store/sql/sql-db.js';
import { featureStats, LABEL_FEATURES, labelFeature, rawFeature, type FeatureRecipe, type FeatureStats } from './features.js';
import { evaluate, score, seededRandom, shuffled, train, type Prototype } from './fewshot.js';

/** What is stored as a label's prototype: the few-shot prototype plus the library statistics it was made with. */
interface StoredLabelPrototype extends Prototype {
  stats: FeatureStats;
  recipe: FeatureRecipe;
}

/** Unlabeled photos that calibrate the threshold (a seeded sample of the library; enough for its upper tail). */
const BACKGROUND = 400;

export interface PrototypeOutcome {
  labelId: string;
  model: string | null;
  positives: number;
  negatives: number;
  threshold: number | null;
  scored: number;
  evaluation: EvalRun | null;
}

interface Library {
  model: string;
  photos: PhotoSignals[];
  stats: FeatureStats;
  features: Map<string, Float32Array>;
}

async function readLibrary(repo: LabelsRepo): Promise<Library | null> {
  const model = await repo.currentModel();
  if (!model) return null;
  const photos = await repo.signals(model);
  if (photos.length === 0) return null;
  const raws = photos.map((p) => rawFeature(p.vector, p.detect));
  const stats = featureStats(raws);
  return { model, photos, stats, features: new Map(photos.map((p, i) => [p.photoId, labelFeature(raws[i]!, stats)])) };
}

/** Recomputes the prototypes of one label (or of every label) and scores every photo of the library. */
export async function recomputePrototypes(db: SqlDb, labelId?: string): Promise<PrototypeOutcome[]> {
  const repo = new LabelsRepo(db);
  const ids = labelId ? [labelId] : await repo.allLabelIds();
  const library = await readLibrary(repo);
  const out: PrototypeOutcome[] = [];
  for (const id of ids) {
    if (!(await repo.labelById(id))) continue; // deleted meanwhile
    const examples = await repo.examples(id);
    const pos = library ? examples.filter((e) => e.kind === 'positive' && library.features.has(e.photoId)) : [];
    const neg = library ? examples.filter((e) => e.kind === 'negative' && library.features.has(e.photoId)) : [];
    if (!library || pos.length === 0) {
      // Nothing to learn from (yet, or under this model): no prototype, no stale suggestions.
      await repo.dropPrototype(id);
      out.push({ labelId: id, model: library?.model ?? null, positives: pos.length, negatives: neg.length, threshold: null, scored: 0, evaluation: null });
      continue;
    }
    const f = (photoId: string) => library.features.get(photoId)!;
    const exampleIds = new Set(examples.map((e) => e.photoId));
    const background = shuffled(
      library.photos.filter((p) => !exampleIds.has(p.photoId)),
      seededRandom(1),
    )
      .slice(0, BACKGROUND)
      .map((p) => f(p.photoId));
    const proto = train(pos.map((e) => f(e.photoId)), neg.map((e) => f(e.photoId)), background);
    const stored: StoredLabelPrototype = { ...proto, stats: library.stats, recipe: LABEL_FEATURES };
    await repo.savePrototype(id, { model: library.model, features: LABEL_FEATURES, prototype: stored, threshold: proto.threshold, positives: pos.length, negatives: neg.length });
    const scores = library.photos.map((p) => ({ photoId: p.photoId, score: score(proto, f(p.photoId)) }));
    await repo.replaceScores(id, library.model, scores);
    // Every recalculation leaves an evaluation run, so the label's page shows whether it got better.
    const evaluation = pos.length >= 2 ? await saveEvaluation(repo, id, library, pos.map((e) => f(e.photoId)), neg.map((e) => f(e.photoId)), background, 1) : null;
    out.push({ labelId: id, model: library.model, positives: pos.length, negatives: neg.length, threshold: proto.threshold, scored: scores.length, evaluation });
  }
  return out;
}

async function saveEvaluation(
  repo: LabelsRepo,
  labelId: string,
  library: Library,
  pos: Float32Array[],
  neg: Float32Array[],
  background: Float32Array[],
  seed: number,
): Promise<EvalRun> {
  const e = evaluate(pos, neg, seed, background);
  return repo.saveEvalRun({ labelId, model: library.model, features: LABEL_FEATURES, seed, folds: e.folds, positives: e.positives, negatives: e.negatives, precision: e.precision, recall: e.recall, f1: e.f1, curve: e.curve });
}

/** An evaluation run of one label (seeded k-fold over its examples), stored and returned. */
export async function evaluateLabel(db: SqlDb, labelId: string, seed = 1): Promise<EvalRun> {
  const repo = new LabelsRepo(db);
  const library = await readLibrary(repo);
  const examples = await repo.examples(labelId);
  if (!library) throw new Error('the library has no analysed photos to evaluate a label on');
  const f = (photoId: string) => library.features.get(photoId)!;
  const pos = examples.filter((e) => e.kind === 'positive' && library.features.has(e.photoId)).map((e) => f(e.photoId));
  const neg = examples.filter((e) => e.kind === 'negative' && library.features.has(e.photoId)).map((e) => f(e.photoId));
  const exampleIds = new Set(examples.map((e) => e.photoId));
  const background = shuffled(library.photos.filter((p) => !exampleIds.has(p.photoId)), seededRandom(seed)).slice(0, BACKGROUND).map((p) => f(p.photoId));
  return saveEvaluation(repo, labelId, library, pos, neg, background, seed);
}

/**
 * Scores one photo (just analysed) against every label whose prototype was made with the photo's
 * descriptor model, with the statistics stored in the prototype. Cheap: a few dot products per label.
 */
export async function scorePhoto(db: SqlDb, photoId: string): Promise<number> {
  const repo = new LabelsRepo(db);
  const prototypes = await repo.prototypes();
  let scored = 0;
  for (const p of prototypes) {
    const [signals] = await repo.signals(p.model, [photoId]);
    if (!signals) continue; // embedded with another model, or gone
    const stored = p.prototype as StoredLabelPrototype;
    const feature = labelFeature(rawFeature(signals.vector, signals.detect), stored.stats, stored.recipe);
    await repo.saveScore(p.labelId, photoId, p.model, score(stored, feature));
    scored++;
  }
  return scored;
}
