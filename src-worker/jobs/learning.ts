/**
 * The learning-lane jobs (issue 17): `learning.prototypes` (one label, or every label when the payload
 * names none) and `learning.evaluate`. Both read and write the store only (no model): CPU class.
 */
import { UnrecoverableError, type Job } from 'bullmq';
import { EvaluateJobData, PrototypesJobData, type LearningJobName } from '../../src-shared/learning-jobs.js';
import { LabelError, LabelsRepo } from '../../src-core/store/repos/labels-repo.js';
import { evaluateLabel, recomputePrototypes } from '../../src-core/learning/label-learning.js';
import type { SqlDb } from '../../src-core/store/sql/sql-db.js';

export interface LearningJobContext {
  sql: SqlDb;
}

/** A label named in a payload, or null when it was deleted since (nothing to do, not an error). */
async function labelId(db: SqlDb, name: string): Promise<string | null> {
  try {
    return (await new LabelsRepo(db).label(name)).id;
  } catch (error) {
    if (error instanceof LabelError && error.code === 'not-found') return null;
    throw error;
  }
}

export async function runLearningJob(job: Job, ctx: LearningJobContext): Promise<unknown> {
  const name = job.name as LearningJobName;
  switch (name) {
    case 'learning.prototypes': {
      const data = PrototypesJobData.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`internal: invalid learning.prototypes payload: ${data.error.issues[0]?.message}`);
      if (data.data.label === undefined) return { labels: await recomputePrototypes(ctx.sql) };
      const id = await labelId(ctx.sql, data.data.label);
      return id ? { labels: await recomputePrototypes(ctx.sql, id) } : { skipped: `no label "${data.data.label}"` };
    }
    case 'learning.evaluate': {
      const data = EvaluateJobData.safeParse(job.data);
      if (!data.success) throw new UnrecoverableError(`internal: invalid learning.evaluate payload: ${data.error.issues[0]?.message}`);
      const id = await labelId(ctx.sql, data.data.label);
      if (!id) return { skipped: `no label "${data.data.label}"` };
      try {
        return await evaluateLabel(ctx.sql, id, data.data.seed ?? 1);
      } catch (error) {
        // Too few examples cannot get better by retrying.
        throw new UnrecoverableError((error as Error).message);
      }
    }
  }
}
