/**
 * `shoebox export` (issue 16): renders photos with a preset into a folder.
 *
 *   shoebox export <photo|folder…> | --group-picks | --person NAME | --label L… --to DIR
 *                  [--preset NAME] [--long-edge N] [--megapixels N] [--format jpeg|webp|avif] [--quality Q]
 *                  [--strip-gps | --no-metadata] [--p3] [--name TEMPLATE] [--json]
 *   shoebox exports list | resume <id> | pause <id> | cancel <id>
 *
 * The export is queued (one `export.photo` job per photo on the low lane, see plan-export.ts) on the
 * engine running on the library, or on one started for the command, and followed with progress and an
 * ETA. Interrupted either way (Ctrl-C, a crash, a kill), `shoebox exports resume
 * <id>` finishes it: files already written and verified are kept, none is written twice or half.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { EXPORT_FORMATS, type ExportOptions, type ExportSummary } from '../../src-shared/exports.js';
import { createExport, EXPORT_LANE, ExportRequestError, queueExportJobs } from '../../src-core/export/plan-export.js';
import { selectPhotos } from '../../src-core/export/select-photos.js';
import { TargetFolderError } from '../../src-core/export/target-folder.js';
import { ExportsRepo } from '../../src-core/store/repos/exports-repo.js';
import { PresetsRepo } from '../../src-core/store/repos/presets-repo.js';
import { loadConfig } from '../../src-core/config.js';
import { Engine } from '../engine/engine.js';
import { onInterrupt } from './interrupt.js';
import { formatEta } from './progress.js';
import { LibraryClient } from './library-client.js';
import { dataOption, flagsOf, jsonOption, positiveInt, UsageError, withEngineOptions, type CommonOptions } from './options.js';

interface ExportFlags extends CommonOptions {
  to?: string;
  preset?: string;
  longEdge?: number;
  megapixels?: number;
  format?: string;
  quality?: number;
  stripGps?: boolean;
  metadata?: boolean;
  p3?: boolean;
  name?: string;
  groupPicks?: boolean;
  person?: string;
  label?: string[];
}

/** "12.5/min, ETA 3m 05s" while running, "estimating…" until the rate is known; '' otherwise. */
export function rateText(e: Pick<ExportSummary, 'state' | 'pending' | 'perMinute' | 'etaSeconds'>): string {
  if (e.state !== 'running' || e.pending === 0) return '';
  if (e.perMinute === null || e.etaSeconds === null) return 'ETA estimating…';
  return `${e.perMinute.toFixed(e.perMinute < 10 ? 1 : 0)}/min, ETA ${formatEta(e.etaSeconds)}`;
}

function summaryLine(e: ExportSummary): string {
  const rate = rateText(e);
  return `${e.id}  ${e.state}${e.reason ? ` (${e.reason})` : ''}  ${e.done}/${e.total} done${e.failed ? `, ${e.failed} failed` : ''}${rate ? `  ${rate}` : ''}  → ${e.targetDir}`;
}

/** Follows an export in the store until nothing is pending, it pauses or is cancelled, or Ctrl-C. */
async function follow(repo: ExportsRepo, exportId: string, json: boolean | undefined, signal: AbortSignal): Promise<ExportSummary> {
  let last = '';
  for (;;) {
    const now = (await repo.get(exportId))!;
    const line = `${now.done + now.failed}/${now.total}${now.failed ? ` (${now.failed} failed)` : ''}`;
    if (!json && line !== last) {
      const rate = rateText(now);
      process.stdout.write(`[${line}]${rate ? `  ${rate}` : ''}\n`);
      last = line;
    }
    if (!json && now.state === 'paused') process.stdout.write(`paused: ${now.reason ?? 'no reason given'} (shoebox exports resume ${exportId})\n`);
    if (now.pending === 0 || now.state !== 'running' || signal.aborted) return now;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

/** Queues the export's pending photos, on the running engine or on one started here, and follows it. */
async function queueAndFollow(options: CommonOptions, exportId: string, setExit: (code: number) => void): Promise<void> {
  const controller = new AbortController();
  const stopListening = onInterrupt({
    message: `\nStopping: the export stays resumable (shoebox exports resume ${exportId}).\n`,
    stop: () => controller.abort(),
    force: () => process.exit(130),
  });
  let engine: Engine | null = null;
  let client: LibraryClient | null = null;
  try {
    client = await LibraryClient.open(flagsOf(options));
    let lanes = client.lanes;
    let repo = new ExportsRepo(client.store.sql);
    if (!lanes) {
      await client.close();
      client = null;
      const config = loadConfig(flagsOf(options));
      // Exports need CPU workers only: no ML process (and its models) unless asked for.
      const mlAsked = (options as { mlWorkers?: number }).mlWorkers !== undefined;
      engine = await Engine.start(mlAsked ? config : { ...config, mlWorkers: 0 }, { consoleLevel: 'error' });
      lanes = engine.lanes;
      repo = new ExportsRepo(engine.store.sql);
    }
    const queued = await queueExportJobs(lanes, await repo.items(exportId, 'pending'));
    if (!options.json) process.stdout.write(`export ${exportId}: ${queued} photo${queued === 1 ? '' : 's'} queued on the ${EXPORT_LANE} lane\n`);
    const summary = await follow(repo, exportId, options.json, controller.signal);
    if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else process.stdout.write(`${summaryLine(summary)}\n`);
    if (summary.failed > 0 || summary.state === 'paused') setExit(1);
    if (controller.signal.aborted) setExit(130);
  } finally {
    stopListening();
    await engine?.stop().catch(() => undefined);
    await client?.close();
  }
}

async function withLibrary<T>(options: CommonOptions, fn: (client: LibraryClient, repo: ExportsRepo) => Promise<T>): Promise<T> {
  const client = await LibraryClient.open(flagsOf(options));
  try {
    return await fn(client, new ExportsRepo(client.store.sql));
  } catch (err) {
    if (err instanceof ExportRequestError || err instanceof TargetFolderError) throw new UsageError(err.message);
    throw err;
  } finally {
    await client.close();
  }
}

export function registerExportCommands(program: Command, setExit: (code: number) => void): void {
  withEngineOptions(program
    .command('export')
    .description('render photos with a preset into a folder (JPEG, WebP or AVIF), resumable'))
    .argument('[photos...]', 'photo files or folders of the library')
    .requiredOption('--to <dir>', 'the target folder (nothing is written outside it)')
    .option('--preset <name>', 'a preset id or name whose adjustments are rendered')
    .addOption(new Option('--long-edge <px>', 'long edge in pixels').argParser(positiveInt))
    .addOption(new Option('--megapixels <n>', 'megapixel cap').argParser((v) => {
      const n = Number(v);
      if (!(n > 0)) throw new UsageError(`--megapixels must be a positive number, not "${v}"`);
      return n;
    }))
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('jpeg'))
    .addOption(new Option('--quality <q>', 'quality 1–100').argParser(positiveInt).default(85))
    .option('--strip-gps', 'copy metadata without GPS')
    .option('--no-metadata', 'write no metadata (the colour profile stays)')
    .option('--p3', 'Display P3 instead of sRGB')
    .option('--name <template>', 'file name template: {name} {date:YYYY-MM-DD} {camera} {seq}', '{name}')
    .option('--group-picks', 'the picks of the duplicate and burst groups')
    .option('--person <name>', "a person's photos")
    .option('--label <labels...>', 'photos with these labels (tags or colour labels)')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (photos: string[], options: ExportFlags) => {
      if (!photos.length && !options.groupPicks && options.person === undefined && !options.label?.length) {
        throw new UsageError('name photos or folders, or use --group-picks, --person NAME or --label L');
      }
      if (options.stripGps && options.metadata === false) throw new UsageError('--strip-gps and --no-metadata exclude each other');
      await withLibrary(options, async (client, repo) => {
        const { photoIds, unmatched } = await selectPhotos(client.store.sql, {
          paths: photos, groupPicks: options.groupPicks, person: options.person, labels: options.label,
        });
        for (const u of unmatched) process.stderr.write(`shoebox: ${u}\n`);
        let presetId: string | null = null;
        if (options.preset !== undefined) {
          const found = await new PresetsRepo(client.store.sql).find(options.preset);
          if (!found) throw new UsageError(`no preset "${options.preset}" (shoebox preset list shows them)`);
          presetId = found.id;
        }
        const exportOptions: Partial<ExportOptions> = {
          format: options.format as ExportOptions['format'],
          quality: options.quality,
          longEdge: options.longEdge ?? null,
          maxMegapixels: options.megapixels ?? null,
          colorSpace: options.p3 ? 'p3' : 'srgb',
          metadata: options.metadata === false ? 'none' : options.stripGps ? 'without-gps' : 'all',
          presetId,
          nameTemplate: options.name,
        };
        const created = await createExport(repo, { photoIds, targetDir: path.resolve(options.to!), options: exportOptions });
        if (!options.json) process.stdout.write(`export ${created.id}: ${created.total} photo${created.total === 1 ? '' : 's'} → ${created.targetDir}\n`);
        if (unmatched.length > 0) setExit(1);
        return created.id;
      }).then((id) => queueAndFollow(options, id, setExit));
    });

  const exportsCmd = program.command('exports').description('exports: list, resume, pause, cancel');
  exportsCmd
    .command('list')
    .description('every export with its progress')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: CommonOptions) => {
      await withLibrary(options, async (_client, repo) => {
        const list = await repo.list();
        process.stdout.write(options.json ? `${JSON.stringify(list, null, 2)}\n` : list.length ? `${list.map(summaryLine).join('\n')}\n` : 'no exports yet\n');
      });
    });
  withEngineOptions(exportsCmd
    .command('resume')
    .description('finish an interrupted or paused export (files already written and verified are kept)'))
    .argument('<id>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (id: string, options: CommonOptions) => {
      await withLibrary(options, async (client, repo) => {
        const found = await repo.get(id);
        if (!found) throw new UsageError(`no export ${id} (shoebox exports list shows them)`);
        if (found.state === 'cancelled') throw new UsageError(`export ${id} was cancelled`);
        await repo.setState(id, 'running');
      });
      await queueAndFollow(options, id, setExit);
    });
  for (const [name, state, words] of [['pause', 'paused', 'paused by the person'], ['cancel', 'cancelled', 'cancelled by the person']] as const) {
    exportsCmd
      .command(name)
      .description(`${name} an export`)
      .argument('<id>')
      .addOption(dataOption())
      .action(async (id: string, options: CommonOptions) => {
        await withLibrary(options, async (_client, repo) => {
          const after = await repo.setState(id, state, words);
          if (!after) throw new UsageError(`no export ${id} (shoebox exports list shows them)`);
          process.stdout.write(`${summaryLine(after)}\n`);
        });
      });
  }
}
