import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json (works from test/ and dist/test/). */
export function findRepoRoot(start: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = start;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${start}`);
    dir = parent;
  }
}

export const repoRoot = findRepoRoot();

/** The shared real-photo collection (read-only): `<repo>/../shared/photos`. */
export const photosDir = path.resolve(repoRoot, '..', 'shared', 'photos');

export const hasPhotos = existsSync(photosDir);

/**
 * `skip` option for a test that needs the shared photos: false where they are, else the reason the
 * runner reports ("# SKIP …"), so their absence is seen, never a silent pass.
 */
export const needsSharedPhotos: string | false = hasPhotos
  ? false
  : `the shared photo collection ${photosDir} is absent (this test reads real photos from it)`;

/** Absolute path of a file in the shared photo collection; a clear error where the collection is absent. */
export function photo(...parts: string[]): string {
  if (!hasPhotos) throw new Error(`${needsSharedPhotos}: needed ${path.join(...parts)}`);
  return path.join(photosDir, ...parts);
}

/** All files under a folder of the collection, recursively, sorted, as absolute paths. */
export function listPhotos(sub = '', filter: (file: string) => boolean = () => true): string[] {
  const root = path.join(photosDir, sub);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (filter(full)) out.push(full);
    }
  };
  walk(root);
  return out;
}

/** A fresh temporary folder; remove it with the returned cleanup. */
export function tempDir(prefix = 'shoebox-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Path relative to the collection, for readable test names. */
export function rel(file: string): string {
  return path.relative(photosDir, file);
}
