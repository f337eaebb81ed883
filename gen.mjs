import { corpusDir, ensureCorpus } from './dist/test/bench/corpus.js';
const f = await ensureCorpus(corpusDir(24), 1000, 24); console.log(f.length);
