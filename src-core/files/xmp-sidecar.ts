import fs from 'node:fs/promises';
import path from 'node:path';
import type { SidecarStat } from '../../src-shared/photo.js';

/**
 * Where other apps keep a photo's XMP sidecar, most specific first: `photo.jpg.xmp` (darktable,
 * digiKam: one per file) before `photo.xmp` (Lightroom, Capture One: shared by RAW+JPEG pairs). Both
 * spellings of the extension are tried, as cameras and apps write either.
 */
export function sidecarCandidates(photoPath: string): string[] {
  const dir = path.dirname(photoPath);
  const base = path.basename(photoPath);
  const stem = base.slice(0, base.length - path.extname(base).length);
  const out = [`${base}.xmp`, `${base}.XMP`];
  if (stem.length > 0 && stem !== base) out.push(`${stem}.xmp`, `${stem}.XMP`);
  return out.map((name) => path.join(dir, name));
}

/** The photo's sidecar and its size+mtime, or null when it has none (the first candidate that is a file). */
export async function statSidecar(photoPath: string): Promise<SidecarStat | null> {
  for (const candidate of sidecarCandidates(photoPath)) {
    try {
      const stat = await fs.stat(candidate);
      if (stat.isFile()) return { path: candidate, size: stat.size, mtimeMs: stat.mtimeMs };
    } catch {
      // absent or unreadable: try the next spelling
    }
  }
  return null;
}

/** Whether two sidecar stats describe the same file in the same state (null = no sidecar). */
export function sameSidecar(a: SidecarStat | null, b: SidecarStat | null): boolean {
  if (a === null || b === null) return a === b;
  return a.path === b.path && a.size === b.size && a.mtimeMs === b.mtimeMs;
}
