import { readMetadata } from './dist/src-worker/stages/metadata.js';
import { ExiftoolReader } from './dist/src-worker/metadata/exiftool-process.js';
import fs from 'node:fs';
const et = new ExiftoolReader();
for (const f of process.argv.slice(2)) { const r = await readMetadata(fs.readFileSync(f), { path: f }, { exiftool: et }); console.log(f, JSON.stringify(r)); }
await et.close();
