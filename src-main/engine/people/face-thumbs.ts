/**
 * Face thumbnails cropped from a photo's preview (the box with a margin, square, 160 px), written once
 * into the media cache under a content-addressed name (preview + box), so the UI loads them through the
 * same /media route as every thumbnail.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';

const SIZE = 160;
/** Room around the box: the chin and hair make a face recognisable. */
const MARGIN = 0.35;

export async function faceThumbnail(cacheDir: string, previewPath: string, box: readonly [number, number, number, number]): Promise<string | null> {
  const hash = createHash('sha1').update(`${previewPath}|${box.join(',')}|${SIZE}`).digest('hex');
  const rel = `thumbs/${hash.slice(0, 2)}/${hash}.jpg`;
  const file = path.join(cacheDir, rel);
  try {
    await fs.access(file);
    return rel;
  } catch {
    // not made yet
  }
  try {
    const image = sharp(path.join(cacheDir, previewPath));
    const { width = 0, height = 0 } = await image.metadata();
    if (!width || !height) return null;
    const side = Math.max(box[2] * width, box[3] * height) * (1 + 2 * MARGIN);
    const cx = (box[0] + box[2] / 2) * width;
    const cy = (box[1] + box[3] / 2) * height;
    const left = Math.max(0, Math.round(cx - side / 2));
    const top = Math.max(0, Math.round(cy - side / 2));
    const w = Math.max(1, Math.min(width - left, Math.round(side)));
    const h = Math.max(1, Math.min(height - top, Math.round(side)));
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await image.extract({ left, top, width: w, height: h }).resize(SIZE, SIZE, { fit: 'cover' }).jpeg({ quality: 85 }).toFile(tmp);
    await fs.rename(tmp, file);
    return rel;
  } catch {
    return null; // preview gone or unreadable: the UI shows a placeholder
  }
}
