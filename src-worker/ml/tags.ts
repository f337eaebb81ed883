/**
 * Tags and a one-line description from what the other stages found (no captioning model ships:
 * the `caption` slot in models/manifest.json is empty). Sources: faces (count, eyes judged closed), text
 * read by OCR, COCO objects (people counted as the larger of faces and 'person' boxes), and context from the metadata (time of
 * day, camera, GPS position) and the picture's shape.
 */
import type { PhotoMetadata } from '../../src-shared/photo.js';
import { eyeStateOf, type EyeState } from './eye-state.js';

export interface TagInput {
  /** eyeState decides 'eyes-closed'; a face without one (older results) falls back to eyesClosed. */
  faces: ReadonlyArray<{ eyeState?: EyeState; eyesClosed?: boolean }>;
  objects: ReadonlyArray<{ label: string; score: number }>;
  text: ReadonlyArray<{ text: string }>;
  metadata: PhotoMetadata | null;
  /** Oriented size of the photo, when known. */
  width?: number | null;
  height?: number | null;
}

export interface TagResult {
  tags: string[];
  description: string;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function timeOfDay(hour: number): 'night' | 'morning' | 'afternoon' | 'evening' {
  if (hour < 5 || hour >= 22) return 'night';
  if (hour < 12) return 'morning';
  if (hour < 17) return 'afternoon';
  return 'evening';
}

/** Words worth a tag: letters/digits, 3+ characters, lower-cased, at most 10. */
function textWords(lines: ReadonlyArray<{ text: string }>): string[] {
  const words = new Set<string>();
  for (const l of lines) {
    for (const w of l.text.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w.length >= 3 && /\p{L}/u.test(w)) words.add(w);
  }
  return [...words].slice(0, 10);
}

/** English plural of a COCO label ("bus" → "buses", "knife" → "knives", "skis" stays). */
export function pluralLabel(label: string): string {
  if (/(skis|scissors)$/.test(label)) return label;
  if (/(s|sh|ch|x)$/.test(label)) return `${label}es`;
  if (/knife$/.test(label)) return label.replace(/knife$/, 'knives');
  if (/[^aeiou]y$/.test(label)) return `${label.slice(0, -1)}ies`;
  return `${label}s`;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function buildTags(input: TagInput): TagResult {
  const tags: string[] = [];
  const parts: string[] = [];
  const m = input.metadata;

  const nFaces = input.faces.length;
  // People seen from behind or too small for the face detector still count (the object detector's 'person').
  const nPersons = input.objects.filter((o) => o.label === 'person').length;
  const nPeople = Math.max(nFaces, nPersons);
  if (nPeople > 0) tags.push('people', nPeople === 1 ? 'portrait-subject' : nPeople <= 3 ? 'small-group' : 'group');
  if (nFaces > 0) {
    tags.push(`faces:${nFaces}`);
    // Only a judged 'closed' tags the photo: 'unknown' (small, turned, smiling faces) never does.
    if (input.faces.some((f) => eyeStateOf(f) === 'closed')) tags.push('eyes-closed');
  }
  const objectCounts = new Map<string, number>();
  for (const o of input.objects) if (o.label !== 'person') objectCounts.set(o.label, (objectCounts.get(o.label) ?? 0) + 1);
  for (const label of objectCounts.keys()) tags.push(label);
  const subject: string[] = [];
  if (nPeople > 0) subject.push(plural(nPeople, 'person', 'people'));
  for (const [label, n] of objectCounts) subject.push(n === 1 ? `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}` : `${n} ${pluralLabel(label)}`);
  if (subject.length) parts.push(subject.length > 1 ? `${subject.slice(0, -1).join(', ')} and ${subject.at(-1)}` : subject[0]!);

  if (input.text.length) {
    tags.push('text');
    for (const w of textWords(input.text)) tags.push(`text:${w}`);
    const shown = input.text
      .slice(0, 2)
      .map((l) => l.text)
      .join(' ');
    parts.push(`text ‘${shown.length > 40 ? `${shown.slice(0, 39)}…` : shown}’`);
  }

  const context: string[] = [];
  const camera = cameraName(m);
  if (camera) {
    context.push(camera);
    tags.push(`camera:${camera.toLowerCase()}`);
  }
  const when = m?.takenAt ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2})/.exec(m.takenAt) : null;
  if (when) {
    const [, y, mo, d, h] = when;
    const tod = timeOfDay(Number(h));
    tags.push(tod, `year:${y}`, `month:${MONTHS[Number(mo) - 1]!.toLowerCase()}`);
    context.push(`${Number(d)} ${MONTHS[Number(mo) - 1]} ${y}`, tod);
  }
  if (m?.gps) {
    tags.push('geotagged');
    context.push(`at ${m.gps.lat.toFixed(3)}, ${m.gps.lon.toFixed(3)}`);
  }
  if (input.width && input.height) {
    const r = input.width / input.height;
    tags.push(r > 1.9 ? 'panorama' : r > 1.05 ? 'landscape-format' : r < 0.95 ? 'portrait-format' : 'square-format');
  }
  if (context.length) parts.push(context.join(', '));
  return { tags: [...new Set(tags)], description: parts.join(' · ') || 'no people, objects or text found' };
}

/** "Canon EOS 40D", without the make repeated ("Canon Canon EOS 40D"). */
export function cameraName(m: PhotoMetadata | null): string | null {
  const make = m?.make?.trim();
  const model = m?.model?.trim();
  if (!model) return make || null;
  if (!make) return model;
  const firstWord = make.split(/\s+/)[0]!.toLowerCase();
  if (model.toLowerCase().startsWith(firstWord)) return model;
  const short = make.replace(/\s+(corporation|corp\.?|co\.?,?\s*ltd\.?|company|imaging|optical|camera)\b.*$/i, '').trim();
  return `${short} ${model}`;
}
