/**
 * Reads a Lightroom / Camera Raw preset file (`.xmp`, what Lightroom Classic ≥ 7.3 and Camera Raw
 * write under "Settings/"): its name and group (crs:Name / crs:Group, lang-alt) and every develop
 * setting of the top-level rdf:Description, in either attribute or element form.
 *
 * exifr (the metadata stage's reader) cannot be used here: it flattens nested structures into the same
 * namespace block, so a preset's crs:Look struct overwrites the preset's own crs:Name and crs:UUID.
 * Structured settings (Look, masks, lens blur…) are listed as skipped rather than half-imported.
 */
import { NS } from '../xmp/namespaces.js';
import { childElements, containerOf, descriptions, isNamed, parseXmp, XmpSyntaxError } from '../xmp/xmp-dom.js';
import type { CrsSettings } from '../../src-shared/presets.js';

/** Properties describing the preset itself, not a develop setting. */
const PRESET_META = new Set([
  'PresetType', 'Cluster', 'UUID', 'Name', 'ShortName', 'SortName', 'Group', 'Description', 'Copyright', 'ContactInfo', 'Version',
  'SupportsAmount', 'SupportsAmount2', 'SupportsColor', 'SupportsMonochrome', 'SupportsHighDynamicRange', 'SupportsNormalDynamicRange',
  'SupportsSceneReferred', 'SupportsOutput', 'CameraModelRestriction', 'CameraProfile', 'RequiresRGBTables', 'PresetRequiresRGBTables',
]);

export class PresetFileError extends Error {}

export interface PresetFile {
  name: string;
  group: string | null;
  uuid: string | null;
  settings: CrsSettings;
  /** Structured settings not imported (by name). */
  skipped: string[];
}

function altDefault(prop: Element): string | null {
  const container = containerOf(prop);
  if (!container) return (prop.textContent ?? '').trim() || null;
  const items = childElements(container).filter((li) => isNamed(li, NS.rdf, 'li'));
  const preferred = items.find((li) => li.getAttributeNS(NS.xml, 'lang') === 'x-default') ?? items[0];
  return (preferred?.textContent ?? '').trim() || null;
}

type Element = ReturnType<typeof childElements>[number];

export function readPresetFile(xml: string, fileName: string): PresetFile {
  let rdf;
  try {
    ({ rdf } = parseXmp(xml));
  } catch (err) {
    throw new PresetFileError(`${fileName} is not an XMP preset: ${err instanceof XmpSyntaxError ? err.message : String(err)}`);
  }
  const settings: CrsSettings = {};
  const meta: Record<string, string | null> = {};
  const skipped: string[] = [];
  for (const desc of descriptions(rdf)) {
    for (let i = 0; i < desc.attributes.length; i++) {
      const a = desc.attributes.item(i)!;
      if (a.namespaceURI !== NS.crs || !a.localName) continue;
      if (PRESET_META.has(a.localName)) meta[a.localName] = a.value;
      else settings[a.localName] = a.value;
    }
    for (const el of childElements(desc)) {
      if (el.namespaceURI !== NS.crs || !el.localName) continue;
      const key = el.localName;
      const container = containerOf(el);
      if (PRESET_META.has(key)) meta[key] = altDefault(el);
      else if (container && container.localName !== 'Alt') settings[key] = childElements(container).filter((li) => isNamed(li, NS.rdf, 'li') && childElements(li).length === 0).map((li) => li.textContent ?? '');
      else if (childElements(el).length === 0 && !el.hasAttributeNS(NS.rdf, 'parseType')) settings[key] = el.textContent ?? '';
      else skipped.push(key);
    }
  }
  if (Object.keys(settings).length === 0) throw new PresetFileError(`${fileName} holds no Camera Raw (crs:) develop settings: not a Lightroom / Camera Raw preset`);
  const name = meta.Name?.trim() || fileName.replace(/\.xmp$/i, '');
  return { name, group: meta.Group?.trim() || null, uuid: meta.UUID?.trim() || null, settings, skipped };
}
