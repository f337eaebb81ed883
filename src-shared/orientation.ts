/**
 * A person's rotation correction (issue 17) and how it composes with the file's EXIF orientation.
 *
 * A correction is a clockwise turn of the picture as it is shown now (0, 90, 180 or 270 degrees); the
 * effective orientation is the one EXIF value (1–8) that shows the stored pixels first as EXIF says,
 * then turned by the correction. Renderers apply that single value (sharp allows one rotation per
 * pipeline), and the XMP sidecar records it as tiff:Orientation for other apps.
 */
export const ROTATIONS = [0, 90, 180, 270] as const;
export type Rotation = (typeof ROTATIONS)[number];

/** What a person asks for, relative to what is shown now: left = 90° counter-clockwise. */
export const ROTATE_DIRECTIONS = ['left', 'right', '180'] as const;
export type RotateDirection = (typeof ROTATE_DIRECTIONS)[number];

const TURN: Record<RotateDirection, number> = { left: 270, right: 90, '180': 180 };

export function isRotation(value: unknown): value is Rotation {
  return typeof value === 'number' && (ROTATIONS as readonly number[]).includes(value);
}

/** The correction after turning the current one `direction`. */
export function turn(current: Rotation, direction: RotateDirection): Rotation {
  return ((current + TURN[direction]) % 360) as Rotation;
}

/**
 * Each EXIF orientation as the 2×2 matrix [a, b, c, d] that maps a stored pixel (x right, y down, about
 * the centre) to where it is displayed: (x, y) → (a·x + b·y, c·x + d·y).
 */
const DISPLAY: Record<number, readonly [number, number, number, number]> = {
  1: [1, 0, 0, 1],
  2: [-1, 0, 0, 1], // mirrored left–right
  3: [-1, 0, 0, -1], // 180°
  4: [1, 0, 0, -1], // mirrored top–bottom
  5: [0, 1, 1, 0], // transposed
  6: [0, -1, 1, 0], // 90° clockwise
  7: [0, -1, -1, 0], // transversed
  8: [0, 1, -1, 0], // 90° counter-clockwise
};

const CLOCKWISE: Record<Rotation, readonly [number, number, number, number]> = {
  0: DISPLAY[1]!,
  90: DISPLAY[6]!,
  180: DISPLAY[3]!,
  270: DISPLAY[8]!,
};

function multiply(m: readonly number[], n: readonly number[]): [number, number, number, number] {
  return [m[0]! * n[0]! + m[1]! * n[2]!, m[0]! * n[1]! + m[1]! * n[3]!, m[2]! * n[0]! + m[3]! * n[2]!, m[2]! * n[1]! + m[3]! * n[3]!];
}

/** The EXIF orientation a file records, 1 when it records none or a value outside 1–8. */
export function exifOrientation(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
}

/** The effective orientation: the file's EXIF orientation, then the person's correction on top. */
export function composeOrientation(exif: number | null | undefined, correction: Rotation): number {
  const m = multiply(CLOCKWISE[correction], DISPLAY[exifOrientation(exif)]!);
  for (const [o, d] of Object.entries(DISPLAY)) if (d.every((v, i) => v === m[i])) return Number(o);
  throw new Error(`orientation ${exif} turned ${correction}° has no EXIF equivalent`); // unreachable: the 8 form a group
}

/** Whether an orientation shows the picture with width and height swapped (5–8). */
export function swapsSides(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}
