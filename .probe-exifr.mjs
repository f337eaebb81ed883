import exifr from 'exifr';
import fs from 'node:fs';
for (const f of process.argv.slice(2)) {
  const b = fs.readFileSync(f);
  try {
    const r = await exifr.parse(b, { tiff: true, exif: true, gps: true, xmp: true, iptc: true, ifd1: false, interop: false, icc: false, jfif: false, ihdr: false, makerNote: false, userComment: false, mergeOutput: false, translateValues: false, reviveValues: false, sanitize: true });
    const out = JSON.stringify(r, (k, v) => (v && v.type === 'Buffer') || v instanceof Uint8Array ? '<bytes>' : v);
    console.log(f, out.slice(0, 2500));
  } catch (e) { console.log(f, 'ERR', e.message); }
}
