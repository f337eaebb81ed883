/**
 * Preset commands (issue 15): list and import presets, apply one (or each photo's suggested one) as XMP
 * sidecars, rate photos and give them a colour label. Photos are named by file or folder (every photo
 * of the library under it). With an engine running on the library, applying a preset is queued as
 * `presets.apply` jobs (high_priority for photos named one by one; the default lane for folders, with a
 * BullMQ priority from each photo's quality score);
 * otherwise the sidecars are written here. Ratings and labels are stored and written at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { COLOUR_LABELS, type Preset } from '../../src-shared/presets.js';
import { bulkApplyJobs, requestedApplyJobs } from '../../src-core/presets/apply-priority.js';
import { loadConfig } from '../../src-core/config.js';
import { libraryPaths } from '../../src-core/paths.js';
import { describeRule } from '../../src-core/presets/select-preset.js';
import { PresetService, type ApplyChoice } from '../../src-core/presets/preset-service.js';
import { SIDECAR_NAMINGS, type SidecarNaming } from '../../src-core/xmp/sidecar-writer.js';
import { LibraryClient } from './library-client.js';
import { dataOption, flagsOf, jsonOption, UsageError, type CommonOptions } from './options.js';

interface Session {
  client: LibraryClient;
  service: PresetService;
}

async function withPresets<T>(options: CommonOptions, fn: (s: Session) => Promise<T>): Promise<T> {
  const flags = flagsOf(options);
  const config = loadConfig(flags);
  if (config.store.kind === 'sqlite' && !fs.existsSync(libraryPaths(config.dataDir).sqlite)) {
    throw new UsageError(`no library at ${config.dataDir} yet: analyse a folder first ("shoebox analyze <folder>")`);
  }
  const client = await LibraryClient.open(flags);
  try {
    return await fn({ client, service: new PresetService(client.store, libraryPaths(config.dataDir).cacheDir) });
  } finally {
    await client.close();
  }
}

interface Target {
  photoId: string;
  path: string;
  /** Named one by one (a person's request) rather than found under a folder. */
  single: boolean;
}

/** The library's photos for each argument (a photo file, or a folder: every photo under it). */
async function resolveTargets(client: LibraryClient, args: string[]): Promise<{ targets: Target[]; unknown: string[] }> {
  const rows = await client.store.sql.all<{ id: string; path: string }>(`SELECT id, path FROM photos WHERE state <> 'cancelled'`);
  const targets = new Map<string, Target>();
  const unknown: string[] = [];
  for (const arg of args) {
    const abs = path.resolve(arg);
    const isDir = fs.existsSync(abs) && fs.statSync(abs).isDirectory();
    const found = rows.filter((r) => (isDir ? r.path.startsWith(abs + path.sep) : r.path === abs));
    if (found.length === 0) unknown.push(isDir ? `${arg}: no photo of the library is in this folder` : `${arg}: not a photo of this library (analyse it first)`);
    for (const r of found) if (!targets.has(r.id)) targets.set(r.id, { photoId: r.id, path: r.path, single: !isDir });
  }
  return { targets: [...targets.values()], unknown };
}

function presetLine(p: Preset): string {
  const n = Object.keys(p.settings).length;
  return `${p.id.padEnd(44)} ${p.name}${p.group ? ` (${p.group})` : ''} · ${p.source} · ${n} setting${n === 1 ? '' : 's'}`;
}

/** Writes sidecars here, one photo at a time; a failure is reported and the others still run. */
async function applyHere(service: PresetService, targets: Target[], choice: ApplyChoice, json: boolean | undefined): Promise<number> {
  const results: unknown[] = [];
  let failed = 0;
  for (const t of targets) {
    try {
      const r = await service.apply(t.photoId, choice);
      results.push({ ok: true, ...r });
      const outside = r.changedOutside ? '; changed by another app since Shoebox wrote it: merged' : '';
      if (!json) process.stdout.write(`${r.path} → ${r.sidecarPath}${r.presetId ? ` (${r.presetId}${r.ruleId ? `, rule ${r.ruleId}` : ''})` : ''}${outside}\n`);
    } catch (err) {
      failed++;
      const reason = err instanceof Error ? err.message : String(err);
      results.push({ ok: false, photoId: t.photoId, path: t.path, reason });
      process.stderr.write(`shoebox: ${t.path}: ${reason}\n`);
    }
  }
  if (json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  return failed;
}

export function registerPresetCommands(program: Command, setExit: (code: number) => void): void {
  const preset = program.command('preset').description('develop presets and XMP sidecars that Lightroom, darktable and digiKam read');

  preset
    .command('list')
    .description('the presets of the library and the rules that suggest them')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: CommonOptions) => {
      await withPresets(options, async ({ service }) => {
        const [presets, rules, naming] = await Promise.all([service.presets.list(), service.presets.rules(), service.presets.sidecarNaming()]);
        if (options.json) {
          process.stdout.write(`${JSON.stringify({ presets, rules, sidecarNaming: naming }, null, 2)}\n`);
          return;
        }
        const names = new Map(presets.map((p) => [p.id, p.name]));
        process.stdout.write(`${presets.map(presetLine).join('\n')}\n\nrules (first match wins):\n`);
        rules.forEach((r, i) => process.stdout.write(`  ${i + 1}. ${describeRule(r, names.get(r.presetId) ?? r.presetId)}\n`));
        process.stdout.write(`\nsidecars are named ${naming === 'stem' ? 'photo.xmp' : 'photo.jpg.xmp'}\n`);
      });
    });

  preset
    .command('import')
    .description('import Lightroom / Camera Raw preset files (.xmp)')
    .argument('<files...>')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (files: string[], options: CommonOptions) => {
      await withPresets(options, async ({ service }) => {
        const out: unknown[] = [];
        for (const file of files) {
          if (!fs.existsSync(file)) throw new UsageError(`no such file: ${file}`);
          const { preset: p, skipped } = await service.presets.importFile(fs.readFileSync(file, 'utf8'), path.basename(file));
          out.push({ preset: p, skipped });
          if (!options.json) process.stdout.write(`imported ${p.name} as ${p.id} (${Object.keys(p.settings).length} settings${skipped.length ? `; not imported: ${skipped.join(', ')}` : ''})\n`);
        }
        if (options.json) process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      });
    });

  preset
    .command('apply')
    .description('write XMP sidecars with a preset (id or name), or each photo\'s suggested preset')
    .argument('[preset]', 'preset id or name (omit with --suggested)')
    .argument('[photos...]', 'photo files or folders')
    .option('--suggested', "each photo's suggested preset")
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (first: string | undefined, rest: string[], options: CommonOptions & { suggested?: boolean }) => {
      const args = options.suggested ? [first, ...rest].filter((a): a is string => !!a) : rest;
      if (!options.suggested && !first) throw new UsageError('name a preset (shoebox preset list), or use --suggested');
      if (args.length === 0) throw new UsageError('name the photos or folders to apply it to');
      await withPresets(options, async ({ client, service }) => {
        let presetId: string | null = null;
        if (!options.suggested) {
          const found = await service.presets.find(first!);
          if (!found) throw new UsageError(`no preset "${first}" (shoebox preset list shows them)`);
          presetId = found.id;
        }
        const { targets, unknown } = await resolveTargets(client, args);
        for (const u of unknown) process.stderr.write(`shoebox: ${u}\n`);
        let failed = unknown.length;
        if (client.lanes) {
          // Named photos are a person's request (high_priority); a folder's are bulk work, best quality first.
          const quality = new Map<string, number | null>();
          for (const arg of args) for (const p of await service.photoState.photosUnder(path.resolve(arg))) quality.set(p.photoId, p.quality);
          const jobs = [
            ...requestedApplyJobs(targets.filter((t) => t.single).map((t) => t.photoId), presetId),
            ...bulkApplyJobs(targets.filter((t) => !t.single).map((t) => ({ photoId: t.photoId, quality: quality.get(t.photoId) ?? null })), presetId),
          ];
          await client.lanes.addPresetApply(jobs);
          process.stdout.write(options.json ? `${JSON.stringify({ queued: jobs.length })}\n` : `queued ${jobs.length} sidecar write${jobs.length === 1 ? '' : 's'} on the running engine\n`);
        } else {
          failed += await applyHere(service, targets, presetId ? { presetId } : { suggested: true }, options.json);
        }
        if (failed > 0) setExit(1);
      });
    });

  preset
    .command('naming')
    .description(`how sidecars are named: stem (photo.xmp: Lightroom, Capture One) or full (photo.jpg.xmp: darktable, digiKam)`)
    .argument('<naming>', SIDECAR_NAMINGS.join(' | '))
    .addOption(dataOption())
    .action(async (naming: string, options: CommonOptions) => {
      if (!SIDECAR_NAMINGS.includes(naming as SidecarNaming)) throw new UsageError(`naming is ${SIDECAR_NAMINGS.join(' or ')}, not "${naming}"`);
      await withPresets(options, ({ service }) => service.presets.setSidecarNaming(naming as SidecarNaming));
      process.stdout.write(`sidecars will be named ${naming === 'stem' ? 'photo.xmp' : 'photo.jpg.xmp'}\n`);
    });

  /** rate / label-color: store the mark, then write it into each photo's sidecar. */
  async function mark(args: string[], marks: { rating?: number | null; label?: string | null }, options: CommonOptions): Promise<void> {
    await withPresets(options, async ({ client, service }) => {
      const { targets, unknown } = await resolveTargets(client, args);
      for (const u of unknown) process.stderr.write(`shoebox: ${u}\n`);
      await service.photoState.setMarks(targets.map((t) => t.photoId), marks);
      const failed = unknown.length + (await applyHere(service, targets, { marks }, options.json));
      if (failed > 0) setExit(1);
    });
  }

  program
    .command('rate')
    .description('rate photos 0–5, or reject them (reject, or -1 after --), written to their XMP sidecars')
    .argument('<args...>', 'photo files or folders, then the rating')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (args: string[], options: CommonOptions) => {
      const raw = args.at(-1)?.toLowerCase();
      const value = raw === 'reject' ? '-1' : raw;
      if (args.length < 2 || value === undefined || !/^-?\d$/.test(value) || Number(value) < -1 || Number(value) > 5) {
        throw new UsageError('usage: shoebox rate <photo…> <0-5|reject> (or "-- -1" after the options)');
      }
      await mark(args.slice(0, -1), { rating: Number(value) }, options);
    });

  program
    .command('label-color')
    .description(`give photos a colour label (${COLOUR_LABELS.map((c) => c.toLowerCase()).join(', ')}, or none), written to their XMP sidecars`)
    .argument('<args...>', 'photo files or folders, then the colour')
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (args: string[], options: CommonOptions) => {
      const value = args.at(-1)?.toLowerCase();
      const colour = COLOUR_LABELS.find((c) => c.toLowerCase() === value);
      if (args.length < 2 || (!colour && value !== 'none')) {
        throw new UsageError(`usage: shoebox label-color <photo…> <${COLOUR_LABELS.map((c) => c.toLowerCase()).join('|')}|none>`);
      }
      await mark(args.slice(0, -1), { label: colour ?? null }, options);
    });
}
