import { STAGES } from '../../../src-shared/stages.js';
import type { PhotoDetailDto } from '../../../src-shared/api/contract.js';
import { ms } from '../format.js';

/** scan → preprocess → … → persist, each with its state and time; the failing stage shows its reason. */
export function StageStrip({ detail }: { detail: PhotoDetailDto }) {
  const byStage = new Map(detail.stages.map((s) => [s.stage, s]));
  return (
    <ol className="stages" aria-label="Stages">
      {STAGES.map((stage) => {
        const record = byStage.get(stage);
        // scan happens in the engine when the file is registered: it has no row of its own.
        const state = record?.state ?? (stage === 'scan' ? 'done' : 'pending');
        // The object detector's internal name means nothing to a person; the counts do.
        const why = (record?.error ?? record?.note ?? null)?.replace(/\s*\((nanodet|centernet)\)/g, '') ?? null;
        return (
          <li key={stage} className={`stage stage-${state}`} data-stage={stage} data-state={state}>
            <span className="stage-name">{stage}</span>
            <span className="stage-state">{state}{record?.ms != null ? ` · ${ms(record.ms)}` : ''}{record && record.attempts > 1 ? ` · ${record.attempts} tries` : ''}</span>
            {why && <span className="stage-why" title={why}>{why}</span>}
          </li>
        );
      })}
    </ol>
  );
}
