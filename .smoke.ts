import { readPhotoFile } from '/work/main/src-worker/stages/read-file.ts';
import { preprocess } from '/work/main/src-worker/stages/preprocess.ts';
for (const f of process.argv.slice(2)) {
  const t = Date.now();
  try {
    const r = await readPhotoFile(f);
    const d = await preprocess({ bytes: r.bytes, contentHash: r.contentHash, cacheDir: '/tmp/sbcache' });
    console.log(f, JSON.stringify(d), Date.now() - t, 'ms');
  } catch (e: any) { console.log(f, 'ERR', e.code, e.message, Date.now() - t, 'ms'); }
}
