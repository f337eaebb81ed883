import { readFileSync } from 'node:fs';
import { readMetadata } from './src-worker/stages/metadata.ts';
for (const f of process.argv.slice(2)) { const r = await readMetadata(readFileSync(f)); console.log(f, JSON.stringify(r)); }
