import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { addCameraPreview } from '../helpers/mpf.js';
import { mulberry32 as rng } from '../helpers/prng.js';

/** Where generated corpora live between runs: `~/.cache/shoebox-bench/<M>mp/`. */
export function corpusDir(megapixels: number, root = process.env.SHOEBOX_BENCH_CACHE ?? path.join(os.homedir(), '.cache', 'shoebox-bench')): string {
  return path.join(root, `${megapixels}mp`);
}


function dms(value: number): string {
  const v = Math.abs(value);
  const d = Math.floor(v);
  const m = Math.floor((v - d) * 60);
  const s = Math.round(((v - d) * 60 - m) * 60 * 100);
  return `${d}/1 ${m}/1 ${s}/100`;
}

/**
 * `n` pseudo-random bytes from `seed` (mulberry32, 4 bytes per step): the same photo's grain
 * on every machine, so what a test or an eval sees in a generated photo does not change between runs.
 */
function seededBytes(n: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(n + 3);
  const next = rng(seed);
  // mulberry32's float is its 32-bit state / 2³²: back to the 32 bits, 4 bytes per step.
  for (let i = 0; i < n; i += 4) out.writeUInt32LE(next() * 4294967296, i);
  return out.subarray(0, n);
}

/** Size in pixels (3:2) for a megapixel count. */
export function frameSize(megapixels: number): { width: number; height: number } {
  const height = Math.round(Math.sqrt((megapixels * 1e6) / 1.5) / 8) * 8;
  return { width: Math.round((height * 1.5) / 8) * 8, height };
}

/** The scene is drawn at 1/SCALE of the size, then scaled up (smooth, like optics) with grain added. */
const SCALE = 8;

/**
 * Bilinear upscale of an RGB image to width × height, adding luminance grain (triangular
 * distribution, ±amp) and a little chroma noise, in one pass (libvips' noise and upsampling
 * take seconds at 24 MP; this takes a few hundred ms).
 */
function upscaleWithGrain(src: Buffer, sw: number, sh: number, width: number, height: number, amp: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(width * height * 3);
  const noise = seededBytes(width * height * 2, seed);
  const k = Math.round(amp);
  const fx = (sw - 1) / Math.max(1, width - 1);
  const fy = (sh - 1) / Math.max(1, height - 1);
  let p = 0;
  for (let y = 0; y < height; y++) {
    const syf = y * fy;
    const y0 = Math.floor(syf);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = syf - y0;
    for (let x = 0; x < width; x++, p++) {
      const sxf = x * fx;
      const x0 = Math.floor(sxf);
      const x1 = Math.min(x0 + 1, sw - 1);
      const wx = sxf - x0;
      const a = (y0 * sw + x0) * 3;
      const b = (y0 * sw + x1) * 3;
      const c = (y1 * sw + x0) * 3;
      const d = (y1 * sw + x1) * 3;
      const g = ((noise[p]! + noise[p + width * height]! - 255) * k) >> 8;
      const chroma = (noise[p]! & 7) - 3;
      for (let ch = 0; ch < 3; ch++) {
        const top = src[a + ch]! + (src[b + ch]! - src[a + ch]!) * wx;
        const bottom = src[c + ch]! + (src[d + ch]! - src[c + ch]!) * wx;
        const v = top + (bottom - top) * wy + g + (ch === 1 ? 0 : chroma);
        out[p * 3 + ch] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return out;
}

/**
 * One photo-like JPEG: a sky/ground gradient, hills, soft blobs and hard-edged objects drawn at an
 * eighth of the size and scaled up (smooth like optics) with per-pixel grain (so it compresses like
 * a photograph, ~0.25 bytes/pixel at q90), with EXIF: camera, lens settings,
 * dates, GPS, and orientation 6 on one photo in seven.
 */
export async function generatePhoto(file: string, index: number, megapixels: number): Promise<void> {
  const r = rng(index * 7919 + 17);
  const { width, height } = frameSize(megapixels);
  const w = Math.round(width / SCALE);
  const h = Math.round(height / SCALE);
  const hue = Math.floor(r() * 360);
  const horizon = h * (0.35 + r() * 0.3);
  const shapes: string[] = [];
  // hills
  for (let k = 0; k < 3; k++) {
    const y0 = horizon + k * h * 0.08;
    let d = `M0 ${h} L0 ${y0.toFixed(0)}`;
    for (let x = 0; x <= w; x += w / 8) d += ` Q${(x + w / 16).toFixed(0)} ${(y0 - r() * h * 0.15).toFixed(0)} ${(x + w / 8).toFixed(0)} ${(y0 + (r() - 0.5) * h * 0.06).toFixed(0)}`;
    shapes.push(`<path d="${d} L${w} ${h} Z" fill="hsl(${(hue + 90 + k * 20) % 360},${35 + k * 10}%,${28 + k * 7}%)"/>`);
  }
  // soft blobs (clouds, foliage) and hard objects (buildings, people-sized blocks)
  for (let k = 0; k < 10; k++) {
    shapes.push(
      `<ellipse cx="${(r() * w).toFixed(0)}" cy="${(r() * h).toFixed(0)}" rx="${(20 + r() * w * 0.15).toFixed(0)}" ry="${(10 + r() * h * 0.1).toFixed(0)}" fill="hsl(${Math.floor(r() * 360)},${Math.floor(30 + r() * 50)}%,${Math.floor(30 + r() * 50)}%)" opacity="${(0.3 + r() * 0.5).toFixed(2)}" filter="url(#b)"/>`,
    );
  }
  for (let k = 0; k < 8; k++) {
    const bw = 10 + r() * w * 0.1;
    const bh = 20 + r() * h * 0.3;
    shapes.push(
      `<rect x="${(r() * w).toFixed(0)}" y="${(horizon + h * 0.2 - bh).toFixed(0)}" width="${bw.toFixed(0)}" height="${bh.toFixed(0)}" fill="hsl(${Math.floor(r() * 360)},${Math.floor(10 + r() * 40)}%,${Math.floor(15 + r() * 60)}%)"/>`,
    );
  }
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">
      <defs>
        <linearGradient id="sky" x1="0" y1="0" x2="0.3" y2="1">
          <stop offset="0" stop-color="hsl(${(hue + 200) % 360},55%,${45 + Math.floor(r() * 25)}%)"/>
          <stop offset="1" stop-color="hsl(${(hue + 170) % 360},35%,85%)"/>
        </linearGradient>
        <filter id="b"><feGaussianBlur stdDeviation="${(1 + r() * 3).toFixed(1)}"/></filter>
      </defs>
      <rect width="100%" height="100%" fill="url(#sky)"/>
      ${shapes.join('\n')}
    </svg>`,
  );
  const small = await sharp(svg).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const pixels = upscaleWithGrain(small.data, small.info.width, small.info.height, width, height, 14 + r() * 14, index * 104729 + 3);
  const day = new Date(Date.UTC(2015, 0, 1) + Math.floor(r() * 3650) * 86400000 + Math.floor(r() * 86400) * 1000);
  const stamp = day.toISOString().replace(/-/g, ':').replace('T', ' ').slice(0, 19);
  const lat = -60 + r() * 130;
  const lon = -180 + r() * 360;
  const cams = [
    ['Canon', 'Canon EOS 5D Mark IV'],
    ['NIKON CORPORATION', 'NIKON D850'],
    ['SONY', 'ILCE-7M3'],
    ['FUJIFILM', 'X-T4'],
    ['Apple', 'iPhone 13 Pro'],
  ];
  const [make, model] = cams[index % cams.length]!;
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await sharp(pixels, { raw: { width, height, channels: 3 } })
    .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
    .withExif({
      IFD0: {
        Make: make!,
        Model: model!,
        DateTime: stamp,
        Software: 'shoebox-bench',
      },
      IFD2: {
        DateTimeOriginal: stamp,
        DateTimeDigitized: stamp,
        ExposureTime: `1/${[60, 125, 250, 500, 1000][index % 5]}`,
        FNumber: `${[18, 28, 40, 56, 80][index % 5]}/10`,
        ISOSpeedRatings: String([100, 200, 400, 800, 1600][index % 5]),
        FocalLength: `${24 + (index % 10) * 6}/1`,
      },
      IFD3: {
        GPSLatitudeRef: lat < 0 ? 'S' : 'N',
        GPSLatitude: dms(lat),
        GPSLongitudeRef: lon < 0 ? 'W' : 'E',
        GPSLongitude: dms(lon),
      },
    })
    .withMetadata({ orientation: index % 7 === 3 ? 6 : 1 })
    .toFile(tmp);
  await fs.rename(tmp, file);
}

/**
 * Makes sure `dir` holds photos 0…count-1 (generating only the missing ones, `parallel` at a time) and
 * returns their paths. Files are named by index, so a larger corpus extends a smaller one.
 */
export async function ensureCorpus(
  dir: string,
  count: number,
  megapixels: number,
  options: { parallel?: number; onProgress?: (done: number, made: number) => void } = {},
): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const files = Array.from({ length: count }, (_, i) => path.join(dir, `bench-${String(i).padStart(6, '0')}.jpg`));
  const have = new Set(await fs.readdir(dir));
  const missing = files.map((f, i) => [f, i] as const).filter(([f]) => !have.has(path.basename(f)));
  let next = 0;
  let made = 0;
  const parallel = options.parallel ?? Math.max(1, Math.min(4, os.availableParallelism()));
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < missing.length) {
        const [file, i] = missing[next++]!;
        await generatePhoto(file, i, megapixels);
        made++;
        if (made % 10 === 0) options.onProgress?.(count - missing.length + made, made);
      }
    }),
  );
  return files;
}

/** Where the camera-thumbnail variant of a corpus lives: `~/.cache/shoebox-bench/<M>mp-mpf/`. */
export function cameraPreviewCorpusDir(megapixels: number): string {
  return `${corpusDir(megapixels)}-mpf`;
}

/**
 * The corpus `files` as a camera with a Multi-Picture Format index writes them (Sony, Fujifilm,
 * Panasonic…): each photo's bytes plus a 1,616 px large thumbnail of it after the primary's end, in
 * `dir` under the same names. Made once per file; the primary's bytes are unchanged but for the index.
 */
export async function ensureCameraPreviewCorpus(files: string[], dir: string): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const have = new Set(await fs.readdir(dir));
  const out: string[] = [];
  for (const file of files) {
    const target = path.join(dir, path.basename(file));
    if (!have.has(path.basename(file))) {
      const tmp = `${target}.${process.pid}.tmp`;
      await fs.writeFile(tmp, await addCameraPreview(await fs.readFile(file)));
      await fs.rename(tmp, target);
    }
    out.push(target);
  }
  return out;
}
