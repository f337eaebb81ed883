// Compiles the Electron shell when Electron is installed. Electron is an optional dependency:
// where its binary cannot be downloaded (offline machines, CI) npm leaves it out, and the engine,
// CLI and browser UI build and run without it.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
try {
  require.resolve('electron/package.json');
} catch {
  console.log('electron is not installed: skipping the desktop shell build (the engine, CLI and browser UI do not need it)');
  process.exit(0);
}
const args = ['-p', 'src-main/electron/tsconfig.json', ...process.argv.slice(2)];
const result = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], { stdio: 'inherit' });
process.exit(result.status ?? 1);
