import { cleanString } from './values.js';

const DATE_RE =
  /^(\d{4})[:\-/](\d{2})[:\-/](\d{2})(?:[T ]+(\d{1,2}):(\d{2})(?::(\d{2}))?([.,]\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** `±HH:MM` from "+01:00", "+0100", "Z"; anything else (blank, "   :  ", out of range) → null. */
export function normaliseOffset(raw: string | null | undefined): string | null {
  if (!raw) return null;
  if (raw.trim() === 'Z') return '+00:00';
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(raw.trim());
  if (!m) return null;
  if (Number(m[2]) > 14 || Number(m[3]) > 59) return null;
  return `${m[1]}${m[2]}:${m[3]}`;
}

/** EXIF SubSecTime* ("762", "76 ", "0") as a fraction suffix ".762", or "" when absent or not digits. */
function subSecondsSuffix(value: unknown): string {
  const s = cleanString(value);
  return s && /^\d{1,9}$/.test(s) ? `.${s}` : '';
}

/**
 * `YYYY-MM-DDTHH:MM:SS[.fff][±HH:MM]` from an EXIF ("2008:10:22 16:28:39") or XMP
 * ("2005-09-07T15:07:40-07:00") date string. The zone is the one written in the string, else the
 * `offset` tag given (OffsetTimeOriginal for DateTimeOriginal…), else none: never guessed. Fractions
 * come from the string or from `subSec` (SubSecTimeOriginal…). Zero, blank or impossible dates → null.
 */
export function formatDate(value: unknown, offset: unknown = null, subSec: unknown = null): string | null {
  const s = cleanString(value);
  if (!s) return null;
  const m = DATE_RE.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '00', mi = '00', sec = '00', frac, tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (year === 0 || month < 1 || month > 12 || day < 1 || day > 31) return null;
  if (Number(h) > 24 || Number(mi) > 59 || Number(sec) > 60) return null;
  const fraction = frac ? `.${frac.slice(1)}` : subSecondsSuffix(subSec);
  const base = `${y}-${mo}-${d}T${h.padStart(2, '0')}:${mi}:${sec}${fraction}`;
  const off = normaliseOffset(tz) ?? normaliseOffset(cleanString(offset));
  return off ? `${base}${off}` : base;
}

/**
 * IPTC DateCreated ("2009:09:09" / "20090909") plus TimeCreated ("17:00:00+02:00" / "170000+0200"),
 * as one date; the time is optional (midnight is not invented: a date alone gives `YYYY-MM-DDT00:00:00`
 * only because the format needs a time, and the source says IPTC DateCreated).
 */
export function formatIptcDate(date: unknown, time: unknown): string | null {
  const d = cleanString(date);
  if (!d) return null;
  const dm = /^(\d{4}):?(\d{2}):?(\d{2})$/.exec(d);
  if (!dm) return formatDate(d);
  const t = cleanString(time);
  const tm = t ? /^(\d{2}):?(\d{2}):?(\d{2})(Z|[+-]\d{2}:?\d{2})?$/.exec(t) : null;
  const clock = tm ? `${tm[1]}:${tm[2]}:${tm[3]}` : '00:00:00';
  return formatDate(`${dm[1]}:${dm[2]}:${dm[3]} ${clock}`, tm?.[4] ?? null);
}

/** A file time (an instant) as local wall time with the machine's offset at that instant: exact, nothing invented. */
export function formatFileTime(mtimeMs: number): string {
  const d = new Date(mtimeMs);
  const pad = (n: number): string => String(Math.trunc(Math.abs(n))).padStart(2, '0');
  const offsetMin = -d.getTimezoneOffset();
  const sign = offsetMin >= 0 ? '+' : '-';
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(offsetMin / 60)}:${pad(offsetMin % 60)}`
  );
}
