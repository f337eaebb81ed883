import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

/**
 * Writes `count` distinct JPEGs that compress like photographs (smooth gradients plus grain, not
 * flat colour), with EXIF camera and date. Deterministic per index, so a cache folder can be reused.
 */
export async function generatePhotos(dir: string, count: number, options: { width?: number; height?: number; prefix?: string } = {}): Promise<string[]> {
  const width = options.width ?? 1200;
  const height = options.height ?? 800;
  await fs.mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `${options.prefix ?? 'gen'}-${String(i).padStart(5, '0')}.jpg`);
    files.push(file);
    try {
      await fs.access(file);
      continue;
    } catch {
      // not generated yet
    }
    const hue = (i * 47) % 360;
    const svg = Buffer.from(
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
        <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stop-color="hsl(${hue},60%,${30 + (i % 5) * 8}%)"/>
          <stop offset="1" stop-color="hsl(${(hue + 120) % 360},50%,70%)"/></linearGradient></defs>
        <rect width="100%" height="100%" fill="url(#g)"/>
        <circle cx="${(i * 97) % width}" cy="${(i * 61) % height}" r="${height / 4}" fill="hsl(${(hue + 200) % 360},70%,50%)" opacity="0.7"/>
        <rect x="${(i * 37) % (width / 2)}" y="${height / 2}" width="${width / 3}" height="${height / 5}" fill="#222" opacity="0.5"/>
      </svg>`,
    );
    const month = String((i % 12) + 1).padStart(2, '0');
    await sharp(svg)
      .composite([{ input: { create: { width, height, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 18 } } }, blend: 'overlay' }])
      .jpeg({ quality: 88 })
      .withExif({ IFD0: { Make: 'Shoebox', Model: `Generator ${i % 3}`, DateTime: `2024:${month}:15 10:20:30` } })
      .toFile(file);
  }
  return files;
}
