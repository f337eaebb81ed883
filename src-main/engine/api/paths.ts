import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder holding package.json, found by walking up from this module: the same answer from
 * src-main/engine/api (tsx) and dist/src-main/engine/api (compiled), and inside an asar.
 */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = path.dirname(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

/** Where `npm run build:renderer` puts the renderer. */
export function rendererDir(root = packageRoot()): string {
  return path.join(root, 'dist', 'renderer');
}

/**
 * Cached media names are content-addressed: `thumbs|previews/<2 hex>/<hex hash>.jpg`, with `-r90`,
 * `-r180` or `-r270` for a photo a person turned (issue 17), nothing else.
 */
const MEDIA_PATH = /^(thumbs|previews)\/([0-9a-f]{2})\/([0-9a-f]{16,128})(-r(?:90|180|270))?\.(jpg|webp|png)$/;

/**
 * Resolves a media path inside the cache folder, or null. The strict pattern makes `..`, absolute
 * paths, backslashes and encoded tricks impossible; the containment check is a second fence.
 */
export function resolveMediaPath(cacheDir: string, relPath: string): string | null {
  const match = MEDIA_PATH.exec(relPath);
  if (!match || !match[3]!.startsWith(match[2]!)) return null;
  return resolveInside(cacheDir, relPath);
}

/** `root/rel` when it stays inside root (after normalising), else null. */
export function resolveInside(root: string, rel: string): string | null {
  if (rel.includes('\0') || rel.includes('\\')) return null;
  const base = path.resolve(root);
  const full = path.resolve(base, '.' + path.posix.sep + rel.replace(/^\/+/, ''));
  const relative = path.relative(base, full);
  if (relative.startsWith('..') || path.isAbsolute(relative)) return null;
  return full;
}

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
