/**
 * How a search query becomes terms: words split on spaces (quotes keep a phrase), each widened by the
 * obvious synonyms and plurals so "person" finds photos tagged "people". Pure: the engine's search
 * repository and its tests use it; the renderer may show the expansion.
 */

/** Groups of words that mean the same thing for a search of this library's tags and text. */
const SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ['people', 'person', 'persons', 'human', 'humans', 'face', 'faces', 'portrait'],
  ['group', 'crowd', 'small-group'],
  ['car', 'cars', 'automobile', 'vehicle'],
  ['dog', 'dogs', 'puppy'],
  ['cat', 'cats', 'kitten'],
  ['bird', 'birds'],
  ['text', 'sign', 'writing', 'words'],
  ['bicycle', 'bike', 'bicycles', 'bikes'],
  ['motorcycle', 'motorbike'],
  ['airplane', 'aeroplane', 'plane'],
  ['tv', 'television'],
  ['cell phone', 'phone', 'mobile', 'smartphone'],
  ['couch', 'sofa'],
  ['night', 'dark'],
  ['eyes-closed', 'blink', 'closed eyes'],
  ['geotagged', 'gps', 'location'],
];

const SYNONYMS = new Map<string, readonly string[]>();
for (const group of SYNONYM_GROUPS) for (const word of group) SYNONYMS.set(word, group);

/** "people dog" → ["people", "dog"]; `"closed eyes" cat` → ["closed eyes", "cat"]. Lower case, at most 8. */
export function queryTerms(query: string): string[] {
  const terms: string[] = [];
  const re = /"([^"]+)"|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(query.toLowerCase())) !== null) {
    const term = (m[1] ?? m[2] ?? '').trim();
    if (term) terms.push(term);
  }
  return [...new Set(terms)].slice(0, 8);
}

/** One term and the words that count as it: itself, its synonyms, its singular / plural. */
export function expandTerm(term: string): string[] {
  const t = term.toLowerCase().trim();
  if (!t) return [];
  const out = new Set<string>([t]);
  for (const w of SYNONYMS.get(t) ?? []) out.add(w);
  // A plural finds the singular tag and the other way round ("dogs" → "dog"; "bus" → "buses").
  if (t.length > 3 && t.endsWith('es')) out.add(t.slice(0, -2));
  if (t.length > 3 && t.endsWith('s')) out.add(t.slice(0, -1));
  for (const w of [...out]) for (const s of SYNONYMS.get(w) ?? []) out.add(s);
  return [...out];
}
