import { cleanString, num, round, type Block } from './values.js';

/** "24-70mm f/2.8" from LensInfo / LensSpecification [minF, maxF, minA, maxA] (rationals, numbers or "18 70 3.5 4.5"). */
export function lensFromInfo(info: unknown): string | null {
  const parts = typeof info === 'string' ? info.trim().split(/\s+/) : info;
  if (!Array.isArray(parts) || parts.length < 4) return null;
  const [minF, maxF, minA, maxA] = parts.map((v) => num(v));
  if (!minF) return null;
  const f = (n: number): string => String(round(n, 1));
  const focal = maxF && maxF !== minF ? `${f(minF)}-${f(maxF)}mm` : `${f(minF)}mm`;
  if (!minA) return focal;
  const aperture = maxA && maxA !== minA ? `f/${f(minA)}-${f(maxA)}` : `f/${f(minA)}`;
  return `${focal} ${aperture}`;
}

/**
 * The lens name from every place a camera or an app puts it, best first: EXIF LensModel, XMP
 * exifEX:LensModel and aux:Lens (Lightroom), a maker-note lens name (via exiftool), then the lens
 * specification (EXIF LensInfo, XMP aux:LensInfo / exifEX:LensInfo, Nikon maker-note Lens) as
 * "18-70mm f/3.5-4.5".
 */
export function chooseLens(sources: { exif: Block; exifEX?: Block; aux?: Block; makerName?: string | null; makerSpec?: unknown }): string | null {
  const { exif, exifEX = {}, aux = {} } = sources;
  return (
    cleanString(exif.LensModel) ??
    cleanString(exifEX.LensModel) ??
    cleanString(aux.Lens) ??
    cleanString(exif.Lens) ??
    sources.makerName ??
    lensFromInfo(exif.LensInfo ?? exif.LensSpecification) ??
    lensFromInfo(exifEX.LensInfo ?? aux.LensInfo) ??
    lensFromInfo(sources.makerSpec)
  );
}
