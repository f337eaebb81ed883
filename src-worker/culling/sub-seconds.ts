/**
 * The fraction of a second a photo was taken at (EXIF SubSecTimeOriginal, else SubSecTime): burst
 * frames share their DateTimeOriginal second and differ only here. Read from the file's EXIF header.
 */
import exifr from 'exifr';

/** "4" → 400, "04" → 40, "400" → 400, "1234" → 123; null when absent or not digits. */
export function subSecondsToMs(raw: unknown): number | null {
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
  if (!/^\d{1,9}$/.test(text)) return null;
  return Math.round(Number(`0.${text}`) * 1000) % 1000;
}

export async function readSubSeconds(file: string): Promise<number | null> {
  const tags = (await exifr.parse(file, { pick: ['SubSecTimeOriginal', 'SubSecTime'], reviveValues: false }).catch(() => null)) as Record<string, unknown> | null;
  return subSecondsToMs(tags?.SubSecTimeOriginal ?? tags?.SubSecTime);
}
