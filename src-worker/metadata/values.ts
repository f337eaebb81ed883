/** Small converters from the loosely typed values readers return (exifr, exiftool -json) to clean ones. */

export type Block = Record<string, unknown>;

/** A string as recorded: cut at the first NUL, trimmed, empty → null. Accepts byte arrays and `{ value }` (XMP lang-alt) too. */
export function cleanString(value: unknown): string | null {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value instanceof Uint8Array) s = Buffer.from(value).toString('latin1');
  else if (typeof value === 'number' && Number.isFinite(value)) s = String(value);
  else if (Array.isArray(value)) return value.length > 0 ? cleanString(value[0]) : null;
  else if (value && typeof value === 'object' && 'value' in value) return cleanString((value as { value: unknown }).value);
  else return null;
  const nul = s.indexOf('\0');
  if (nul >= 0) s = s.slice(0, nul);
  s = s.trim();
  return s.length > 0 ? s : null;
}

/** A finite number from a number, a "1/250"-style rational string, a decimal string or a one-item array. */
export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value) || value instanceof Uint8Array || value instanceof Uint16Array) {
    return value.length > 0 ? num(value[0]) : null;
  }
  if (typeof value === 'string') {
    const s = cleanString(value);
    if (!s) return null;
    const frac = /^(-?\d+(?:\.\d+)?)\s*\/\s*(\d+(?:\.\d+)?)$/.exec(s);
    if (frac) {
      const d = Number(frac[2]);
      return d === 0 ? null : Number(frac[1]) / d;
    }
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function positive(value: unknown): number | null {
  const n = num(value);
  return n !== null && n > 0 ? n : null;
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

/** Every string of a value that may be one string, a list, or a list of lists. */
export function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.flatMap((v) => stringList(v));
  const s = cleanString(value);
  return s ? [s] : [];
}

/** A sub-object of a reader's output, or {} (never an array or bytes). */
export function block(parsed: Record<string, unknown> | null | undefined, key: string): Block {
  const b = parsed?.[key];
  return b && typeof b === 'object' && !Array.isArray(b) && !(b instanceof Uint8Array) ? (b as Block) : {};
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
