import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// esbuild/oxc's automatic JSX runtime: no React plugin needed for a production build (no fast refresh).
export default defineConfig({
  root: here,
  base: './',
  logLevel: 'warn',
  build: {
    outDir: path.resolve(here, '../dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    target: 'es2022',
  },
  oxc: { jsx: { runtime: 'automatic' } },
});
