/**
 * exifr hands XMP text values over still XML-escaped ("beach &amp; sea"): its XMP parser is regex based
 * and does not decode entities. This decodes the five predefined entities and numeric character references
 * in every string of the XMP namespace blocks (not in EXIF/IPTC blocks, whose bytes are not XML).
 */
const NOT_XMP = new Set(['ifd0', 'ifd1', 'exif', 'gps', 'interop', 'iptc', 'makerNote', 'thumbnail', 'errors', 'icc', 'jfif', 'ihdr']);
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (whole, name: string) => {
    if (name[0] !== '#') return NAMED[name]!;
    const code = name[1] === 'x' ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
    return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

function decodeDeep(value: unknown): unknown {
  if (typeof value === 'string') return decodeXmlText(value);
  if (Array.isArray(value)) return value.map(decodeDeep);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decodeDeep(v)]));
  }
  return value;
}

/** The same parsed output with the XMP namespace blocks' strings decoded. */
export function decodeXmpEntities<T extends Record<string, unknown>>(parsed: T): T {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(parsed)) out[key] = NOT_XMP.has(key) ? value : decodeDeep(value);
  return out as T;
}
