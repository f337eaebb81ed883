import { corpusDir, ensureCorpus, ensureCameraPreviewCorpus, cameraPreviewCorpusDir } from '/work/main/dist/test/bench/corpus.js';
const n = Number(process.argv[2]);
const t = performance.now();
const plain = await ensureCorpus(corpusDir(24), n, 24, { parallel: 1 });
await ensureCameraPreviewCorpus(plain, cameraPreviewCorpusDir(24));
console.log(n, ((performance.now() - t) / 1000).toFixed(1), 's');
