/**
 * `shoebox label add|not <label> <photo…>`, `shoebox label suggest <label> [--json]`,
 * `shoebox label eval <label> [--json]` (issue 17). Examples go into the store; the recalculation is
 * queued on a running engine's learning lane, or done here when no engine runs on the library.
 */
import { Option, type Command } from 'commander';
import { LabelService } from '../../src-core/learning/label-service.js';
import { LabelError } from '../../src-core/store/repos/labels-repo.js';
import { OperationError } from '../engine/operations.js';
import { LibraryClient } from './library-client.js';

interface Options {
  data?: string;
  json?: boolean;
}

const r4 = (v: number) => Math.round(v * 10000) / 10000;

async function withLabels<T>(options: Options, fn: (labels: LabelService) => Promise<T>): Promise<T> {
  return LibraryClient.withExisting({ data: options.data }, async (client) => {
    try {
      return await fn(new LabelService(client.store, client.lanes));
    } catch (error) {
      // A wrong label or photo is the caller's mistake: exit 1 with the specific reason.
      if (error instanceof LabelError) throw new OperationError(error.message, error.code === 'not-found' ? 'not-found' : 'invalid');
      throw error;
    }
  });
}

export function registerLabelCommands(program: Command): void {
  const dataOption = () => new Option('--data <dir>', 'library folder (default: the app-data folder; env SHOEBOX_DATA)');
  const label = program.command('label').description('few-shot labels: teach a label with a few photos, get suggestions');

  for (const [name, kind, what] of [
    ['add', 'positive', 'mark photos as examples of a label (creates the label)'],
    ['not', 'negative', 'mark photos as "not this" for a label'],
  ] as const) {
    label
      .command(name)
      .description(what)
      .argument('<label>')
      .argument('<photos...>', 'photo files (as analysed) or photo ids')
      .addOption(dataOption())
      .action(async (labelName: string, photos: string[], _options: Options, cmd: Command) => {
        const r = await withLabels(cmd.optsWithGlobals<Options>(), (s) => s.mark(labelName, photos, kind, 'cli'));
        const again = r.recalculation === 'queued' ? 'recalculation queued on the learning lane' : 'recalculated';
        process.stdout.write(`${kind === 'positive' ? 'added' : 'marked "not this":'} ${r.photos} photo${r.photos === 1 ? '' : 's'} for "${labelName.trim()}" (${again})\n`);
      });
  }

  label
    .command('suggest')
    .description('photos the label suggests (score at or above its calibrated threshold), best first')
    .argument('<label>')
    .addOption(dataOption())
    .addOption(new Option('--json', 'print JSON instead of text'))
    .action(async (labelName: string, _options: Options, cmd: Command) => {
      const options = cmd.optsWithGlobals<Options>();
      const r = await withLabels(options, (s) => s.suggest(labelName));
      const doc = { label: labelName.trim(), threshold: r.threshold === null ? null : r4(r.threshold), suggestions: r.suggestions.map((s) => ({ path: s.path, score: r4(s.score) })) };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(doc)}\n`);
        return;
      }
      const lines = doc.suggestions.map((s) => `${s.score.toFixed(3)}  ${s.path}`);
      lines.push(doc.threshold === null ? `"${doc.label}" has no analysed example yet` : `${doc.suggestions.length} suggestion(s) at threshold ${doc.threshold}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });

  label
    .command('eval')
    .description("evaluate a label on its own examples (seeded k-fold): precision, recall, F1")
    .argument('<label>')
    .addOption(dataOption())
    .addOption(new Option('--json', 'print JSON instead of text'))
    .action(async (labelName: string, _options: Options, cmd: Command) => {
      const options = cmd.optsWithGlobals<Options>();
      const run = await withLabels(options, (s) => s.evaluateNow(labelName));
      const doc = { label: labelName.trim(), examples: run.positives + run.negatives, precision: r4(run.precision), recall: r4(run.recall), f1: r4(run.f1) };
      if (options.json) {
        process.stdout.write(`${JSON.stringify(doc)}\n`);
        return;
      }
      process.stdout.write(`"${doc.label}": ${run.positives} example(s), ${run.negatives} "not this"; ${run.folds}-fold: precision ${doc.precision}, recall ${doc.recall}, F1 ${doc.f1} (${run.model})\n`);
    });
}
