/**
 * Small helpers over an XMP packet's DOM (@xmldom/xmldom). XMP's RDF lets a simple property be written
 * either as an attribute of rdf:Description (darktable, Lightroom presets) or as a child element
 * (exiftool, Lightroom sidecars); every helper here copes with both. Names are matched by namespace URI +
 * local name, never by prefix: another app may bind its own prefix to the same namespace.
 */
import { DOMParser, type Document, type Element, type Node } from '@xmldom/xmldom';
import { NS } from './namespaces.js';

const ELEMENT_NODE = 1;

export class XmpSyntaxError extends Error {}

/** Parses an XMP packet; throws XmpSyntaxError when it is not well-formed XML with an rdf:RDF. */
export function parseXmp(xml: string): { doc: Document; rdf: Element } {
  const problems: string[] = [];
  let doc: Document;
  try {
    doc = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problems.push(message.split('\n')[0]!);
      },
    }).parseFromString(xml, 'text/xml');
  } catch (err) {
    throw new XmpSyntaxError(`not well-formed XML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`);
  }
  if (problems.length > 0) throw new XmpSyntaxError(`not well-formed XML: ${problems[0]}`);
  const rdf = doc.getElementsByTagNameNS(NS.rdf, 'RDF')[0];
  if (!rdf) throw new XmpSyntaxError('no rdf:RDF element (not an XMP packet)');
  return { doc, rdf };
}

export function childElements(el: Element | Node): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) if (n.nodeType === ELEMENT_NODE) out.push(n as Element);
  return out;
}

export function isNamed(el: Element, ns: string, local: string): boolean {
  return el.namespaceURI === ns && el.localName === local;
}

/** The top-level rdf:Description elements of an rdf:RDF. */
export function descriptions(rdf: Element): Element[] {
  return childElements(rdf).filter((el) => isNamed(el, NS.rdf, 'Description'));
}

/** A property's element (child form) on a struct/description, looking through a nested rdf:Description. */
export function propElement(el: Element, ns: string, local: string): Element | null {
  for (const child of childElements(el)) {
    if (isNamed(child, ns, local)) return child;
    if (isNamed(child, NS.rdf, 'Description')) {
      const inner = propElement(child, ns, local);
      if (inner) return inner;
    }
  }
  return null;
}

/** A simple property's text: the attribute form, else the element form (through nested rdf:Description). */
export function propText(el: Element, ns: string, local: string): string | null {
  if (el.hasAttributeNS(ns, local)) return el.getAttributeNS(ns, local);
  const prop = propElement(el, ns, local);
  if (prop) return prop.hasAttributeNS(NS.rdf, 'resource') ? prop.getAttributeNS(NS.rdf, 'resource') : (prop.textContent ?? '');
  for (const child of childElements(el)) {
    if (isNamed(child, NS.rdf, 'Description') && child.hasAttributeNS(ns, local)) return child.getAttributeNS(ns, local);
  }
  return null;
}

/** The container (rdf:Bag / rdf:Seq / rdf:Alt) directly inside a property element, if any. */
export function containerOf(prop: Element): Element | null {
  return childElements(prop).find((c) => c.namespaceURI === NS.rdf && ['Bag', 'Seq', 'Alt'].includes(c.localName ?? '')) ?? null;
}

/** A property's values: the items of its Bag/Seq/Alt, or its one simple value. */
export function propValues(desc: Element, ns: string, local: string): string[] {
  if (desc.hasAttributeNS(ns, local)) return [desc.getAttributeNS(ns, local) ?? ''];
  const prop = propElement(desc, ns, local);
  if (!prop) return [];
  const container = containerOf(prop);
  if (!container) return [prop.textContent ?? ''];
  return childElements(container)
    .filter((li) => isNamed(li, NS.rdf, 'li'))
    .map((li) => li.textContent ?? '');
}

/** Removes a property (attribute and element forms) from one rdf:Description; true when it was there. */
export function removeProp(desc: Element, ns: string, local: string): boolean {
  let removed = false;
  if (desc.hasAttributeNS(ns, local)) {
    desc.removeAttributeNS(ns, local);
    removed = true;
  }
  for (const child of childElements(desc)) {
    if (isNamed(child, ns, local)) {
      removeWithIndent(child);
      removed = true;
    }
  }
  return removed;
}

/** Removes an element and the whitespace text just before it (keeps the file tidy across rewrites). */
export function removeWithIndent(el: Element): void {
  const prev = el.previousSibling;
  if (prev && prev.nodeType === 3 && /^\s*$/.test(prev.nodeValue ?? '')) prev.parentNode?.removeChild(prev);
  el.parentNode?.removeChild(el);
}

/** True when an rdf:Description holds nothing but rdf:about and namespace declarations. */
export function isEmptyDescription(desc: Element): boolean {
  if (childElements(desc).length > 0) return false;
  for (let i = 0; i < desc.attributes.length; i++) {
    const a = desc.attributes.item(i)!;
    if (a.namespaceURI === NS.xmlns || a.name === 'xmlns') continue;
    if (a.namespaceURI === NS.rdf && a.localName === 'about') continue;
    return false;
  }
  return true;
}
