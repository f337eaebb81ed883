/**
 * Export file names from a template (issue 16): `{name}` (the original's name without extension),
 * `{date:YYYY-MM-DD}` (capture date; tokens YYYY MM DD HH mm ss), `{camera}` (make and model), `{seq}`
 * (position in the export, zero-padded to the export's size; `{seq:N}` pads to N digits). The result is
 * one plain file name: separators and characters that file systems refuse become `_`, so a template can
 * never reach outside the target folder. Collisions get " (2)", " (3)"… (compared case-insensitively).
 */
import path from 'node:path';

export const DEFAULT_NAME_TEMPLATE = '{name}';

export class NameTemplateError extends Error {}

export interface NameFacts {
  /** The original's path (its base name gives {name}). */
  originalPath: string;
  /** ISO date-time of capture, or null. */
  takenAt: string | null;
  make: string | null;
  model: string | null;
  /** 1-based position in the export. */
  seq: number;
  total: number;
}

const TOKEN = /\{([a-z]+)(?::([^{}]*))?\}/g;
const KNOWN = new Set(['name', 'date', 'camera', 'seq']);

/** Throws a NameTemplateError naming the first unknown or malformed token. */
export function validateNameTemplate(template: string): void {
  if (template.trim() === '') throw new NameTemplateError('the name template is empty');
  const stripped = template.replace(TOKEN, (whole, token: string, arg: string | undefined) => {
    if (!KNOWN.has(token)) throw new NameTemplateError(`unknown name template token {${token}} (known: {name}, {date:YYYY-MM-DD}, {camera}, {seq})`);
    if (token === 'seq' && arg !== undefined && !/^[1-9]$/.test(arg)) throw new NameTemplateError(`{seq:${arg}}: the width must be a digit 1–9`);
    if (token === 'date' && arg !== undefined && !/(YYYY|MM|DD|HH|mm|ss)/.test(arg)) throw new NameTemplateError(`{date:${arg}}: use YYYY, MM, DD, HH, mm, ss`);
    return '';
  });
  if (/[{}]/.test(stripped)) throw new NameTemplateError(`the name template ${JSON.stringify(template)} has an unmatched brace`);
}

function formatDate(iso: string | null, format: string): string {
  const m = iso ? /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(iso) : null;
  if (!m) return 'undated';
  const parts: Record<string, string> = { YYYY: m[1]!, MM: m[2]!, DD: m[3]!, HH: m[4] ?? '00', mm: m[5] ?? '00', ss: m[6] ?? '00' };
  return format.replace(/YYYY|MM|DD|HH|mm|ss/g, (t) => parts[t]!);
}

/** Makes one safe file-name part: no separators, no characters Windows/macOS refuse, no leading dots. */
export function safeNamePart(text: string): string {
  const cleaned = text
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 180);
  return cleaned === '' ? 'photo' : cleaned;
}

function camera(make: string | null, model: string | null): string {
  const mk = make?.trim() ?? '';
  const md = model?.trim() ?? '';
  if (!mk && !md) return 'unknown-camera';
  // "Canon Canon EOS 5D" → "Canon EOS 5D": most models already start with the make.
  return md.toLowerCase().startsWith(mk.toLowerCase().split(/\s/)[0] ?? '') ? md || mk : `${mk} ${md}`.trim();
}

/** The file name (without extension) a template gives one photo. */
export function renderNameTemplate(template: string, facts: NameFacts): string {
  validateNameTemplate(template);
  const width = Math.max(String(facts.total).length, 1);
  const base = path.basename(facts.originalPath).replace(/\.[^.]*$/, '');
  const out = template.replace(TOKEN, (_whole, token: string, arg: string | undefined) => {
    switch (token) {
      case 'name': return base;
      case 'date': return formatDate(facts.takenAt, arg ?? 'YYYY-MM-DD');
      case 'camera': return camera(facts.make, facts.model);
      case 'seq': return String(facts.seq).padStart(arg ? Number(arg) : width, '0');
      default: return '';
    }
  });
  return safeNamePart(out);
}

/** Picks a name not in `taken` (lower-cased names), adding " (2)", " (3)"…; records the choice in `taken`. */
export function uniqueFileName(stem: string, extension: string, taken: Set<string>): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? `${stem}.${extension}` : `${stem} (${i}).${extension}`;
    if (!taken.has(name.toLowerCase())) {
      taken.add(name.toLowerCase());
      return name;
    }
  }
}
