import sharp from 'sharp';

/** 8-bit RGB pixels, row-major, 3 channels. */
export interface RgbImage {
  data: Buffer;
  width: number;
  height: number;
}

/** Decodes a preview (or any image sharp reads) to RGB, oriented, without alpha. */
export async function loadRgb(file: string | Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels, got ${info.channels}`);
  return { data, width: info.width, height: info.height };
}

/** Resizes with libvips (area-correct down-sampling). fit 'fill' stretches; 'inside' keeps the aspect. */
export async function resizeRgb(img: RgbImage, width: number, height: number, fit: 'fill' | 'inside' = 'fill'): Promise<RgbImage> {
  const { data, info } = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } })
    .resize(width, height, { fit, kernel: 'linear' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Luma (BT.601) as floats 0–255. */
export function toGray(img: RgbImage): Float32Array {
  const out = new Float32Array(img.width * img.height);
  const d = img.data;
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * d[j]! + 0.587 * d[j + 1]! + 0.114 * d[j + 2]!;
  return out;
}

/** Bilinear sample of channel c at (x, y), clamped to the edges. */
function sample(img: RgbImage, x: number, y: number, c: number): number {
  const w = img.width;
  const h = img.height;
  const xc = Math.min(Math.max(x, 0), w - 1);
  const yc = Math.min(Math.max(y, 0), h - 1);
  const x0 = Math.floor(xc);
  const y0 = Math.floor(yc);
  const x1 = Math.min(x0 + 1, w - 1);
  const y1 = Math.min(y0 + 1, h - 1);
  const fx = xc - x0;
  const fy = yc - y0;
  const d = img.data;
  const a = d[(y0 * w + x0) * 3 + c]!;
  const b = d[(y0 * w + x1) * 3 + c]!;
  const cc = d[(y1 * w + x0) * 3 + c]!;
  const dd = d[(y1 * w + x1) * 3 + c]!;
  return (a * (1 - fx) + b * fx) * (1 - fy) + (cc * (1 - fx) + dd * fx) * fy;
}

/**
 * Maps output pixels back into the source through an affine transform (dst → src:
 * sx = a*x + b*y + c, sy = d*x + e*y + f) and samples RGB bilinearly. Returns interleaved RGB floats.
 */
export function warpRgb(img: RgbImage, inv: readonly number[], outW: number, outH: number): Float32Array {
  const [a, b, c, d, e, f] = inv as [number, number, number, number, number, number];
  const out = new Float32Array(outW * outH * 3);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const sx = a * (x + 0.5) + b * (y + 0.5) + c - 0.5;
      const sy = d * (x + 0.5) + e * (y + 0.5) + f - 0.5;
      const o = (y * outW + x) * 3;
      for (let ch = 0; ch < 3; ch++) out[o + ch] = sample(img, sx, sy, ch);
    }
  }
  return out;
}

/**
 * Crops the rectangle (x, y, w, h) in source pixels and resizes it to outW × outH, averaging a
 * small grid of bilinear samples per output pixel (so large crops shrink without aliasing).
 */
export function cropResizeRgb(img: RgbImage, x: number, y: number, w: number, h: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH * 3);
  const sx = w / outW;
  const sy = h / outH;
  const nx = Math.max(1, Math.min(4, Math.round(sx)));
  const ny = Math.max(1, Math.min(4, Math.round(sy)));
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      const o = (oy * outW + ox) * 3;
      for (let ch = 0; ch < 3; ch++) {
        let acc = 0;
        for (let j = 0; j < ny; j++) {
          for (let i = 0; i < nx; i++) {
            acc += sample(img, x + (ox + (i + 0.5) / nx) * sx - 0.5, y + (oy + (j + 0.5) / ny) * sy - 0.5, ch);
          }
        }
        out[o + ch] = acc / (nx * ny);
      }
    }
  }
  return out;
}

/** Interleaved RGB floats → luma floats. */
export function rgbToGray(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length / 3);
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = 0.299 * rgb[j]! + 0.587 * rgb[j + 1]! + 0.114 * rgb[j + 2]!;
  return out;
}

export function softmax(values: ArrayLike<number>): number[] {
  const max = Math.max(...Array.from(values));
  const exps = Array.from(values, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

export function toBase64F32(v: Float32Array): string {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
}

export function fromBase64F32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  const copy = new Uint8Array(b.length);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

export function l2normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const n = Math.sqrt(s) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
