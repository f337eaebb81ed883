/**
 * `shoebox groups [--kind duplicate|burst] [--json]`, `shoebox pick <photo>`, `shoebox reject <photo>`:
 * culling from the command line, on the library's store (no engine needed).
 */
import { Command, Option } from 'commander';
import type { CullGroup } from '../../src-shared/api/culling-contract.js';
import { GROUP_KINDS, type GroupKind } from '../../src-core/store/repos/groups-repo.js';
import { listCullGroups, pickCull, rejectCull, resolvePhotoRef } from '../engine/culling-ops.js';
import type { LibraryClient } from './library-client.js';
import { PresetService } from '../../src-core/presets/preset-service.js';
import { libraryPaths } from '../../src-core/paths.js';

interface Options {
  data?: string;
  json?: boolean;
  kind?: string;
}

type WithClient = <T>(options: Options, fn: (client: LibraryClient) => Promise<T>) => Promise<T>;

/** Every group of ≥ 2 photos, all pages. */
async function allGroups(client: LibraryClient, kind: GroupKind | undefined): Promise<CullGroup[]> {
  const out: CullGroup[] = [];
  for (let afterId: string | null = null; ; ) {
    const page = await listCullGroups(client.store, { kind, afterId, limit: 500 });
    out.push(...page.groups);
    if (!page.nextAfterId) return out;
    afterId = page.nextAfterId;
  }
}

/** The CLI's JSON shape, exactly: {"groups":[{"id","kind","photos":[{"path","pick","score","reasons"}]}]}. */
export function groupsJson(groups: readonly CullGroup[]): { groups: { id: string; kind: GroupKind; photos: { path: string; pick: boolean; score: number; reasons: string[] }[] }[] } {
  return { groups: groups.map((g) => ({ id: g.id, kind: g.kind, photos: g.photos.map((p) => ({ path: p.path, pick: p.pick, score: p.score, reasons: p.reasons })) })) };
}

function groupsText(groups: readonly CullGroup[]): string {
  if (!groups.length) return 'no groups yet (they form as photos finish analysis)';
  const lines: string[] = [];
  for (const g of groups) {
    lines.push(`${g.kind} ${g.id} (${g.photos.length} photos)`);
    for (const p of g.photos) {
      const mark = p.pick ? '★' : p.decision.rejected ? '✗' : ' ';
      lines.push(`  ${mark} ${p.score.toFixed(1).padStart(5)}  ${p.path}${p.reasons.length ? `  — ${p.reasons.join(', ')}` : ''}`);
    }
  }
  return lines.join('\n');
}

export function registerCullingCommands(program: Command, withClient: WithClient, dataOption: () => Option, jsonOption: () => Option): void {
  program
    .command('groups')
    .description('near-duplicate and burst groups, the pick of each (★) and why')
    .addOption(new Option('--kind <kind>', 'only this kind of group').choices([...GROUP_KINDS]))
    .addOption(dataOption())
    .addOption(jsonOption())
    .action(async (options: Options) => {
      const groups = await withClient(options, (c) => allGroups(c, options.kind as GroupKind | undefined));
      process.stdout.write(options.json ? `${JSON.stringify(groupsJson(groups))}\n` : `${groupsText(groups)}\n`);
    });
  program
    .command('pick')
    .description('make this photo the pick of its groups (path or photo id); a reject it had is lifted, in its sidecar too')
    .argument('<photo>')
    .addOption(dataOption())
    .action(async (photo: string, options: Options) => {
      const id = await withClient(options, async (c) => {
        const photoId = await resolvePhotoRef(c.store, photo);
        await writeMarks(c, (await pickCull(c.store, photoId)).marksChanged);
        return photoId;
      });
      process.stdout.write(`picked ${photo} (${id})\n`);
    });
  program
    .command('reject')
    .description("mark this photo rejected, in its XMP sidecar too (Lightroom's reject; nothing is deleted from disk)")
    .argument('<photo>')
    .addOption(dataOption())
    .action(async (photo: string, options: Options) => {
      const id = await withClient(options, async (c) => {
        const photoId = await resolvePhotoRef(c.store, photo);
        await writeMarks(c, (await rejectCull(c.store, photoId)).marksChanged);
        return photoId;
      });
      process.stdout.write(`rejected ${photo} (${id})\n`);
    });
}

/** Writes the changed rating / reject into each photo's sidecar here (as `shoebox rate` does); a failure is said, not fatal. */
async function writeMarks(client: LibraryClient, photoIds: readonly string[]): Promise<void> {
  if (!photoIds.length) return;
  const service = new PresetService(client.store, libraryPaths(client.config.dataDir).cacheDir);
  for (const photoId of photoIds) {
    const rating = (await service.photoState.marks(photoId))?.rating ?? null;
    try {
      await service.apply(photoId, { marks: { rating } });
    } catch (error) {
      process.stderr.write(`shoebox: the sidecar of ${photoId} was not written: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}
