/**
 * `shoebox rotate <photo> left|right|180` (issue 17): a person's rotation correction, then the quick
 * re-analysis of that photo alone on high_priority, followed to the end like `analyze --now`.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../src-core/config.js';
import { libraryPaths } from '../../src-core/paths.js';
import { rotatePhoto, type RotationOutcome } from '../../src-core/rotation/rotate-photo.js';
import { ROTATE_DIRECTIONS, type RotateDirection } from '../../src-shared/orientation.js';
import { ingestHere } from './ingest-here.js';
import { LibraryClient } from './library-client.js';
import { dataOption, flagsOf, jsonOption, UsageError, withEngineOptions, type EngineOptions } from './options.js';

function directionArg(value: string): RotateDirection {
  if (!(ROTATE_DIRECTIONS as readonly string[]).includes(value)) {
    throw new UsageError(`unknown direction "${value}"; turn a photo ${ROTATE_DIRECTIONS.join(', ')} (from how it is shown now)`);
  }
  return value as RotateDirection;
}

interface RotateReport extends Omit<RotationOutcome, 'sidecar'> {
  sidecarPath: string | null;
  sidecarError: string | null;
  reanalysis: { state: string; seconds: number; faces: number | null; width: number | null; height: number | null };
}

function human(r: RotateReport): string {
  const size = r.reanalysis.width && r.reanalysis.height ? `, ${r.reanalysis.width} × ${r.reanalysis.height}` : '';
  const faces = r.reanalysis.faces === null ? '' : `, ${r.reanalysis.faces} face${r.reanalysis.faces === 1 ? '' : 's'}`;
  return [
    `${r.path}: turned to ${r.rotation}° (orientation ${r.orientation})`,
    r.sidecarPath ? `sidecar: ${r.sidecarPath}` : `sidecar not written: ${r.sidecarError}`,
    `re-analysed on high_priority in ${r.reanalysis.seconds} s: ${r.reanalysis.state}${size}${faces}`,
  ].join('\n');
}

export function registerRotateCommand(program: Command, setExit: (code: number) => void): void {
  withEngineOptions(
    program
      .command('rotate')
      .description('correct a photo\'s rotation (from how it is shown now) and analyse it again at once')
      .argument('<photo>', 'photo file (as analysed) or photo id')
      .argument('<direction>', ROTATE_DIRECTIONS.join(' | '))
      .addOption(dataOption())
      .addOption(jsonOption()),
  ).action(async (file: string, directionText: string, options: EngineOptions & { json?: boolean }) => {
    const direction = directionArg(directionText);
    const flags = flagsOf(options);
    const cacheDir = libraryPaths(loadConfig(flags).dataDir).cacheDir;
    const outcome = await LibraryClient.withExisting(flags, async (c) => {
      const detail = await c.ops.inspect(file);
      return rotatePhoto(c.store, cacheDir, detail, direction);
    });
    const { seconds } = await ingestHere([outcome.path], flags, { lane: 'high_priority', force: true });
    const after = await LibraryClient.withExisting(flags, (c) => c.ops.inspect(outcome.photoId));
    const faces = (after.results.detect as { faces?: unknown[] } | undefined)?.faces;
    const report: RotateReport = {
      photoId: outcome.photoId,
      path: outcome.path,
      rotation: outcome.rotation,
      orientation: outcome.orientation,
      sidecarPath: outcome.sidecar.path,
      sidecarError: outcome.sidecar.error,
      reanalysis: { state: after.state, seconds, faces: Array.isArray(faces) ? faces.length : null, width: after.derivatives?.width ?? null, height: after.derivatives?.height ?? null },
    };
    process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : `${human(report)}\n`);
    if (after.state === 'failed') setExit(1);
  });
}
