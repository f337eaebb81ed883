/** The XMP namespaces Shoebox writes, by the prefixes other apps use for them. */
export const NS = {
  x: 'adobe:ns:meta/',
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  xml: 'http://www.w3.org/XML/1998/namespace',
  xmlns: 'http://www.w3.org/2000/xmlns/',
  xmp: 'http://ns.adobe.com/xap/1.0/',
  dc: 'http://purl.org/dc/elements/1.1/',
  lr: 'http://ns.adobe.com/lightroom/1.0/',
  crs: 'http://ns.adobe.com/camera-raw-settings/1.0/',
  'mwg-rs': 'http://www.metadataworkinggroup.com/schemas/regions/',
  stArea: 'http://ns.adobe.com/xmp/sType/Area#',
  stDim: 'http://ns.adobe.com/xap/1.0/sType/Dimensions#',
  tiff: 'http://ns.adobe.com/tiff/1.0/',
  shoebox: 'http://ns.shoebox.app/xmp/1.0/',
} as const;

export type Prefix = keyof typeof NS;
