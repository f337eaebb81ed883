/**
 * Never-clobber merge of Shoebox's properties into an XMP sidecar (pure: text in, text out).
 *
 * Shoebox owns only what it is asked to write this time: the preset's crs: settings, xmp:Rating,
 * xmp:Label, its own keywords inside dc:subject / lr:hierarchicalSubject, its own MWG face regions and
 * the shoebox: namespace. Everything else in the packet — other namespaces, other crs: settings the
 * person made by hand, darktable's history, keywords and regions another app wrote — stays as it was.
 *
 * To tell its own earlier writes from the person's, Shoebox records what it wrote in shoebox:Written*
 * bags. On the next write, a keyword or region it wrote before (and no longer writes) is removed; one a
 * person or another app added is kept. A crs: setting Shoebox wrote before and the new preset does not set
 * is removed only while it still holds the value Shoebox wrote (a person's later change by hand stays).
 */
import { XMLSerializer, type Document, type Element } from '@xmldom/xmldom';
import { NS, type Prefix } from './namespaces.js';
import { childElements, containerOf, descriptions, isEmptyDescription, parseXmp, propElement, propText, propValues, removeProp, removeWithIndent } from './xmp-dom.js';

/** A face (or other) region as MWG records it: centre-based, normalised to the image (0–1). */
export interface XmpRegion {
  name: string | null;
  type: 'Face' | 'Pet' | 'Focus' | 'BarCode';
  /** Centre x, centre y, width, height; all 0–1 of the image as displayed. */
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What to write. A field left undefined is not touched; `null` removes the property. */
export interface SidecarUpdate {
  /** crs: local name → value in Camera Raw's text form ("+0.50", "True", "5500"), or an ordered list (rdf:Seq). */
  develop?: Record<string, string | string[]>;
  /** −1 (reject) to 5. */
  rating?: number | null;
  /** Colour label as Lightroom writes it ("Red", "Yellow", "Green", "Blue", "Purple"). */
  label?: string | null;
  /** Shoebox's flat keywords (dc:subject). */
  keywords?: string[];
  /** Shoebox's hierarchical keywords with `|` separators (lr:hierarchicalSubject), e.g. "People|Obama". */
  hierarchicalKeywords?: string[];
  regions?: { imageWidth: number; imageHeight: number; list: XmpRegion[] };
  /**
   * The orientation to show the photo in, EXIF 1–8 (a person's rotation correction composed with the
   * file's own, issue 17), as tiff:Orientation: what Lightroom, darktable and digiKam read from a sidecar.
   */
  orientation?: number;
  /** Shoebox's own properties (shoebox: namespace): simple values or bags. */
  shoebox?: Record<string, string | string[]>;
}

const WRITTEN = {
  develop: 'WrittenDevelop',
  keywords: 'WrittenKeywords',
  hierarchical: 'WrittenHierarchicalKeywords',
  regions: 'WrittenRegions',
} as const;

const NEW_PACKET =
  '<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?>\n' +
  `<x:xmpmeta xmlns:x="${NS.x}" x:xmptk="Shoebox">\n` +
  ` <rdf:RDF xmlns:rdf="${NS.rdf}">\n` +
  ' </rdf:RDF>\n' +
  '</x:xmpmeta>\n' +
  '<?xpacket end="w"?>\n';

const PROPERTY_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A stable text for a region, to recognise the ones Shoebox wrote last time. */
function regionKey(r: { name: string | null; x: number; y: number; w: number; h: number }): string {
  return [r.name ?? '', ...[r.x, r.y, r.w, r.h].map((v) => v.toFixed(4))].join('|');
}

/** `+0.50`-style number text as Camera Raw writes region/area values: plain decimals, at most 6 places. */
function decimal(v: number): string {
  return String(Number(v.toFixed(6)));
}

class PacketWriter {
  private readonly target: Element;

  constructor(
    private readonly doc: Document,
    private readonly rdf: Element,
  ) {
    this.target = doc.createElementNS(NS.rdf, 'rdf:Description');
    this.target.setAttributeNS(NS.rdf, 'rdf:about', '');
  }

  /** Values of a property across every top-level rdf:Description. */
  values(ns: string, local: string): string[] {
    return descriptions(this.rdf).flatMap((d) => propValues(d, ns, local));
  }

  /** Removes a property from every top-level rdf:Description. */
  remove(ns: string, local: string): void {
    for (const d of descriptions(this.rdf)) removeProp(d, ns, local);
  }

  private declare(prefix: Prefix): void {
    this.target.setAttributeNS(NS.xmlns, `xmlns:${prefix}`, NS[prefix]);
  }

  el(prefix: Prefix, local: string): Element {
    this.declare(prefix);
    return this.doc.createElementNS(NS[prefix], `${prefix}:${local}`);
  }

  text(prefix: Prefix, local: string, value: string): Element {
    const e = this.el(prefix, local);
    e.appendChild(this.doc.createTextNode(value));
    return e;
  }

  list(prefix: Prefix, local: string, kind: 'Bag' | 'Seq', items: string[]): Element {
    const e = this.el(prefix, local);
    const container = this.doc.createElementNS(NS.rdf, `rdf:${kind}`);
    for (const item of items) {
      const li = this.doc.createElementNS(NS.rdf, 'rdf:li');
      li.appendChild(this.doc.createTextNode(item));
      container.appendChild(li);
    }
    e.appendChild(container);
    return e;
  }

  resource(prefix: Prefix, local: string): Element {
    const e = this.el(prefix, local);
    e.setAttributeNS(NS.rdf, 'rdf:parseType', 'Resource');
    return e;
  }

  /** Adds a property to Shoebox's rdf:Description (removing it everywhere first). */
  put(prefix: Prefix, local: string, element: Element): void {
    this.remove(NS[prefix], local);
    this.target.appendChild(this.doc.createTextNode('\n   '));
    this.target.appendChild(element);
  }

  /** Drops rdf:Descriptions left empty (Shoebox's own from last time), then appends this one. */
  finish(): void {
    for (const d of descriptions(this.rdf)) if (isEmptyDescription(d)) removeWithIndent(d);
    if (childElements(this.target).length === 0) return;
    this.target.appendChild(this.doc.createTextNode('\n  '));
    this.rdf.appendChild(this.doc.createTextNode('\n  '));
    this.rdf.appendChild(this.target);
    this.rdf.appendChild(this.doc.createTextNode('\n '));
  }
}

function writeDevelop(w: PacketWriter, develop: Record<string, string | string[]>): void {
  const previous = new Map<string, string>();
  for (const entry of w.values(NS.shoebox, WRITTEN.develop)) {
    const eq = entry.indexOf('=');
    if (eq > 0) previous.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const d = w;
  const recordOf = (v: string | string[]): string => (Array.isArray(v) ? JSON.stringify(v) : v);
  // Settings Shoebox wrote last time that this preset does not set: removed only if nobody changed them.
  for (const [key, was] of previous) {
    if (key in develop) continue;
    const now = d.values(NS.crs, key);
    const nowText = now.length === 1 ? now[0]! : JSON.stringify(now);
    if (now.length > 0 && nowText === was) d.remove(NS.crs, key);
  }
  for (const [key, value] of Object.entries(develop)) {
    if (!PROPERTY_NAME.test(key)) throw new Error(`"${key}" is not a valid crs: property name`);
    d.put('crs', key, Array.isArray(value) ? d.list('crs', key, 'Seq', value) : d.text('crs', key, value));
  }
  d.put('shoebox', WRITTEN.develop, d.list('shoebox', WRITTEN.develop, 'Bag', Object.entries(develop).map(([k, v]) => `${k}=${recordOf(v)}`)));
}

/** dc:subject / lr:hierarchicalSubject: the foreign items kept, Shoebox's previous items replaced by the new. */
function writeKeywordBag(w: PacketWriter, prefix: 'dc' | 'lr', local: string, record: string, ours: string[]): void {
  const previous = new Set(w.values(NS.shoebox, record));
  const foreign = w.values(NS[prefix], local).filter((k) => !previous.has(k));
  const merged = [...new Set([...foreign, ...ours])];
  if (merged.length > 0) w.put(prefix, local, w.list(prefix, local, 'Bag', merged));
  else w.remove(NS[prefix], local);
  w.put('shoebox', record, w.list('shoebox', record, 'Bag', [...new Set(ours)]));
}

function regionFromLi(li: Element): { name: string | null; x: number; y: number; w: number; h: number } | null {
  const area = propElement(li, NS['mwg-rs'], 'Area');
  if (!area) return null;
  const [x, y, w, h] = ['x', 'y', 'w', 'h'].map((k) => Number(propText(area, NS.stArea, k)));
  if (![x, y, w, h].every((v) => Number.isFinite(v))) return null;
  return { name: propText(li, NS['mwg-rs'], 'Name'), x: x!, y: y!, w: w!, h: h! };
}

function writeRegions(w: PacketWriter, doc: Document, rdf: Element, regions: NonNullable<SidecarUpdate['regions']>): void {
  const previous = new Set(w.values(NS.shoebox, WRITTEN.regions));
  // Regions another app wrote (kept as they are, moved along with the list).
  const foreign: Element[] = [];
  for (const desc of descriptions(rdf)) {
    const existing = propElement(desc, NS['mwg-rs'], 'Regions');
    const list = existing && propElement(existing, NS['mwg-rs'], 'RegionList');
    const bag = list && containerOf(list);
    if (!bag) continue;
    for (const li of childElements(bag)) {
      const r = regionFromLi(li);
      if (!r || !previous.has(regionKey(r))) foreign.push(li);
    }
  }
  for (const r of regions.list) {
    for (const v of [r.x, r.y, r.w, r.h]) if (!(v >= 0 && v <= 1)) throw new Error(`region ${regionKey(r)} is not normalised (0–1)`);
  }
  const regionsEl = w.resource('mwg-rs', 'Regions');
  const dims = w.resource('mwg-rs', 'AppliedToDimensions');
  dims.appendChild(w.text('stDim', 'w', String(regions.imageWidth)));
  dims.appendChild(w.text('stDim', 'h', String(regions.imageHeight)));
  dims.appendChild(w.text('stDim', 'unit', 'pixel'));
  regionsEl.appendChild(dims);
  const listEl = w.el('mwg-rs', 'RegionList');
  const bag = doc.createElementNS(NS.rdf, 'rdf:Bag');
  for (const li of foreign) bag.appendChild(li);
  for (const r of regions.list) {
    const li = doc.createElementNS(NS.rdf, 'rdf:li');
    li.setAttributeNS(NS.rdf, 'rdf:parseType', 'Resource');
    const area = w.resource('mwg-rs', 'Area');
    area.appendChild(w.text('stArea', 'x', decimal(r.x)));
    area.appendChild(w.text('stArea', 'y', decimal(r.y)));
    area.appendChild(w.text('stArea', 'w', decimal(r.w)));
    area.appendChild(w.text('stArea', 'h', decimal(r.h)));
    area.appendChild(w.text('stArea', 'unit', 'normalized'));
    li.appendChild(area);
    if (r.name) li.appendChild(w.text('mwg-rs', 'Name', r.name));
    li.appendChild(w.text('mwg-rs', 'Type', r.type));
    bag.appendChild(li);
  }
  listEl.appendChild(bag);
  regionsEl.appendChild(listEl);
  w.put('mwg-rs', 'Regions', regionsEl);
  const keys = regions.list.map((r) => regionKey({ ...r, x: Number(decimal(r.x)), y: Number(decimal(r.y)), w: Number(decimal(r.w)), h: Number(decimal(r.h)) }));
  w.put('shoebox', WRITTEN.regions, w.list('shoebox', WRITTEN.regions, 'Bag', keys));
}

/**
 * The sidecar text after Shoebox's update: `existing` (null for a new sidecar) merged with `update`.
 * Throws XmpSyntaxError when the existing sidecar is not an XMP packet (it must then be left alone).
 */
export function mergeSidecar(existing: string | null, update: SidecarUpdate): string {
  const { doc, rdf } = parseXmp(existing ?? NEW_PACKET);
  const w = new PacketWriter(doc, rdf);
  if (update.develop) writeDevelop(w, update.develop);
  if (update.rating !== undefined) {
    if (update.rating === null) w.remove(NS.xmp, 'Rating');
    else if (!Number.isInteger(update.rating) || update.rating < -1 || update.rating > 5) throw new Error(`rating ${update.rating} is not an integer from -1 to 5`);
    else w.put('xmp', 'Rating', w.text('xmp', 'Rating', String(update.rating)));
  }
  if (update.label !== undefined) {
    if (update.label === null || update.label === '') w.remove(NS.xmp, 'Label');
    else w.put('xmp', 'Label', w.text('xmp', 'Label', update.label));
  }
  if (update.orientation !== undefined) {
    if (!Number.isInteger(update.orientation) || update.orientation < 1 || update.orientation > 8) throw new Error(`orientation ${update.orientation} is not an EXIF orientation from 1 to 8`);
    w.put('tiff', 'Orientation', w.text('tiff', 'Orientation', String(update.orientation)));
  }
  if (update.keywords) writeKeywordBag(w, 'dc', 'subject', WRITTEN.keywords, update.keywords);
  if (update.hierarchicalKeywords) writeKeywordBag(w, 'lr', 'hierarchicalSubject', WRITTEN.hierarchical, update.hierarchicalKeywords);
  if (update.regions) writeRegions(w, doc, rdf, update.regions);
  for (const [key, value] of Object.entries(update.shoebox ?? {})) {
    if (!PROPERTY_NAME.test(key)) throw new Error(`"${key}" is not a valid shoebox: property name`);
    w.put('shoebox', key, Array.isArray(value) ? w.list('shoebox', key, 'Bag', value) : w.text('shoebox', key, value));
  }
  w.finish();
  return new XMLSerializer().serializeToString(doc);
}

