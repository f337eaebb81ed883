/**
 * The layers, checked on the source (the way VS Code's layering rule does it), so the rule holds
 * without anyone remembering it:
 *
 *   src-shared  ← src-core ← src-main (engine, CLI, Electron shell)
 *                          ← src-worker (stages, ML, job handlers)
 *   src-shared  ← src-renderer
 *
 * The engine starts workers by path (a fork), never by import. Only the Electron shell imports
 * `electron`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

type Layer = 'src-shared' | 'src-core' | 'src-main' | 'src-worker' | 'src-renderer';

/** Which layers each layer may import from (itself included). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  'src-shared': ['src-shared'],
  'src-core': ['src-core', 'src-shared'],
  'src-main': ['src-main', 'src-core', 'src-shared'],
  'src-worker': ['src-worker', 'src-core', 'src-shared'],
  'src-renderer': ['src-renderer', 'src-shared'],
};
const LAYERS = Object.keys(ALLOWED) as Layer[];

/** Packages only some folders may import. */
const RESTRICTED_PACKAGES: { pkg: RegExp; onlyUnder: string }[] = [{ pkg: /^electron(\/|$)/, onlyUnder: 'src-main/electron/' }];

export interface Violation {
  file: string;
  line: number;
  specifier: string;
  why: string;
}

/** Every module specifier of a source file: static imports, re-exports, import(), require(). */
export function importSpecifiers(source: string): { specifier: string; line: number }[] {
  const out: { specifier: string; line: number }[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) {
    for (const match of source.matchAll(pattern)) {
      const line = source.slice(0, match.index).split('\n').length;
      out.push({ specifier: match[1]!, line });
    }
  }
  return out;
}

function layerOf(relPath: string): Layer | null {
  const top = relPath.split('/')[0] as Layer;
  return LAYERS.includes(top) ? top : null;
}

/** The violations of one file, `relPath` relative to the repository root (forward slashes). */
export function checkFile(relPath: string, source: string): Violation[] {
  const from = layerOf(relPath);
  if (!from) return [];
  const violations: Violation[] = [];
  for (const { specifier, line } of importSpecifiers(source)) {
    if (specifier.startsWith('.')) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(relPath), specifier));
      const to = layerOf(target);
      if (to && !ALLOWED[from].includes(to)) {
        violations.push({ file: relPath, line, specifier, why: `${from} may import only ${ALLOWED[from].join(', ')}, not ${to}` });
      }
      continue;
    }
    for (const rule of RESTRICTED_PACKAGES) {
      if (rule.pkg.test(specifier) && !relPath.startsWith(rule.onlyUnder)) {
        violations.push({ file: relPath, line, specifier, why: `only ${rule.onlyUnder} may import "${specifier}"` });
      }
    }
  }
  return violations;
}

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json')) || !fs.existsSync(path.join(dir, 'src-shared'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('repository root not found above the test');
    dir = up;
  }
  return dir;
}

function sourceFiles(root: string, dir: string, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist') sourceFiles(root, rel, out);
    } else if (/\.(ts|tsx|mts|cts|mjs|js)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

describe('layering', () => {
  it('finds the import forms it has to check', () => {
    const found = importSpecifiers(
      [
        `import a from './a.js';`,
        `import type { B } from "../b.js";`,
        `export { c } from './c.js';`,
        `export * from './d.js';`,
        `import './side-effect.js';`,
        `const e = await import('./e.js');`,
        `const f = require('./f.cjs');`,
        `import {\n  g,\n  h,\n} from './gh.js';`,
      ].join('\n'),
    ).map((s) => s.specifier);
    for (const s of ['./a.js', '../b.js', './c.js', './d.js', './side-effect.js', './e.js', './f.cjs', './gh.js']) {
      assert.ok(found.includes(s), `missed ${s} (found ${found.join(', ')})`);
    }
  });

  it('reports a forbidden import with its file, line and rule', () => {
    const v = checkFile('src-worker/jobs/x.ts', `import x from './y.js';\nimport { Store } from '../../src-main/engine/thing.js';\n`);
    assert.deepEqual(v, [
      {
        file: 'src-worker/jobs/x.ts',
        line: 2,
        specifier: '../../src-main/engine/thing.js',
        why: 'src-worker may import only src-worker, src-core, src-shared, not src-main',
      },
    ]);
    assert.equal(checkFile('src-core/a.ts', `import '../src-main/engine/engine.js';`).length, 1);
    assert.equal(checkFile('src-core/a.ts', `import '../src-worker/main.js';`).length, 1);
    assert.equal(checkFile('src-shared/a.ts', `import '../src-core/config.js';`).length, 1);
    assert.equal(checkFile('src-renderer/src/a.tsx', `import '../../src-core/store/store.js';`).length, 1);
    assert.equal(checkFile('src-main/engine/a.ts', `import '../../src-worker/main.js';`).length, 1);
    assert.equal(checkFile('src-worker/a.ts', `import { app } from 'electron';`).length, 1);
    assert.equal(checkFile('src-main/electron/main.ts', `import { app } from 'electron';`).length, 0);
    assert.equal(checkFile('src-main/cli/a.ts', `import '../../src-core/config.js'; import '../../src-shared/jobs.js';`).length, 0);
  });

  it('holds for every source file in the repository', () => {
    const root = repoRoot();
    const files = LAYERS.flatMap((layer) => (fs.existsSync(path.join(root, layer)) ? sourceFiles(root, layer) : []));
    assert.ok(files.length > 50, `expected the sources under ${root}, found ${files.length} files`);
    const violations = files.flatMap((file) => checkFile(file, fs.readFileSync(path.join(root, file), 'utf8')));
    assert.equal(
      violations.length,
      0,
      `forbidden imports:\n${violations.map((v) => `  ${v.file}:${v.line} imports "${v.specifier}": ${v.why}`).join('\n')}`,
    );
  });
});
