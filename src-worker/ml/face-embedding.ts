/**
 * Face embeddings of every face model the library can use (src-shared/vector-models.ts FACE_MODELS),
 * from the preview and a face's 68 landmarks; the detect stage and the face-model upgrade both call
 * this, so a face re-embedded by the upgrade gets exactly the vector a fresh analysis would.
 *
 * - face-feature-v1: fr_feature.onnx on the face warped by the affine map that puts the eye centres and
 *   nose tip on the ArcFace reference points (112 × 112, RGB (x − 127)/128); L2-normalised.
 * - face-feature-v2: the same backbone on that crop and on its mirror image, the two embeddings averaged
 *   (flip test-time augmentation), then turned by a fixed, seeded random rotation (a randomised Hadamard
 *   transform: signs, a permutation, the Walsh–Hadamard matrix / √n) and L2-normalised. The rotation
 *   keeps distances among v2 vectors but makes them unrelated to v1's (cosine ≈ 0 for the same face):
 *   comparing the two would be meaningless, which is what a real model switch looks like to the store.
 */
import { mulberry32 } from '../../src-shared/prng.js';
import { DEFAULT_FACE_MODEL, type FaceModel } from '../../src-shared/vector-models.js';
import { l2normalize, warpRgb, type RgbImage } from './image.js';
import { loadModel, ort, type LoadedModel } from './models.js';

/** ArcFace-style reference points of a 112 × 112 aligned face: left eye, right eye, nose. */
const REF_POINTS: ReadonlyArray<[number, number]> = [
  [38.29459953, 51.69630051],
  [73.53179932, 51.50139999],
  [56.02519989, 71.73660278],
];
const SIDE = 112;
/** Seed of face-feature-v2's rotation: changing it makes another model. */
const V2_ROTATION_SEED = 0x5f2c_e0b2;

export class FaceEmbedder {
  private constructor(private readonly feature: LoadedModel) {}

  static async load(): Promise<FaceEmbedder> {
    return new FaceEmbedder(await loadModel('face-feature'));
  }

  /** The embedding of one face of `img`; `landmarks` = 68 (x, y) in `img` pixels, flattened. */
  async embed(img: RgbImage, landmarks: ArrayLike<number>, model: FaceModel = DEFAULT_FACE_MODEL): Promise<Float32Array> {
    const crop = alignedCrop(img, landmarks);
    switch (model) {
      case 'face-feature-v1':
        return l2normalize(await this.run(crop));
      case 'face-feature-v2': {
        const [a, b] = [l2normalize(await this.run(crop)), l2normalize(await this.run(mirrored(crop)))];
        return l2normalize(rotateV2(a.map((x, i) => x + b[i]!)));
      }
    }
  }

  private async run(rgb: Float32Array): Promise<Float32Array> {
    const plane = SIDE * SIDE;
    const input = new Float32Array(plane * 3);
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = (rgb[i * 3 + c]! - 127) / 128;
    const out = await this.feature.session.run({ input: new ort.Tensor('float32', input, [1, 3, SIDE, SIDE]) });
    return Float32Array.from(out['output']!.data as Float32Array);
  }
}

/** The 112 × 112 RGB face aligned on its eye centres and nose tip (landmarks 36–41, 42–47 and 30). */
function alignedCrop(img: RgbImage, lm: ArrayLike<number>): Float32Array {
  const eye = (first: number): [number, number] => [
    (lm[(first + 1) * 2]! + lm[(first + 2) * 2]! + lm[(first + 4) * 2]! + lm[(first + 5) * 2]!) / 4,
    (lm[(first + 1) * 2 + 1]! + lm[(first + 2) * 2 + 1]! + lm[(first + 4) * 2 + 1]! + lm[(first + 5) * 2 + 1]!) / 4,
  ];
  const src: Array<[number, number]> = [eye(36), eye(42), [lm[60]!, lm[61]!]];
  return warpRgb(img, affineFrom3(REF_POINTS, src), SIDE, SIDE); // aligned (dst) → preview (src)
}

function mirrored(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const from = (y * SIDE + (SIDE - 1 - x)) * 3;
      const to = (y * SIDE + x) * 3;
      out[to] = rgb[from]!;
      out[to + 1] = rgb[from + 1]!;
      out[to + 2] = rgb[from + 2]!;
    }
  }
  return out;
}

interface Rotation {
  permutation: Uint32Array;
  signs: Float32Array;
}
const rotations = new Map<number, Rotation>();

function rotationOf(n: number): Rotation {
  let r = rotations.get(n);
  if (!r) {
    const random = mulberry32(V2_ROTATION_SEED);
    const permutation = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [permutation[i], permutation[j]] = [permutation[j]!, permutation[i]!];
    }
    const signs = Float32Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1));
    r = { permutation, signs };
    rotations.set(n, r);
  }
  return r;
}

/** H · D · P · v / √n: orthogonal (so cosine among rotated vectors is kept), n a power of two. */
export function rotateV2(v: Float32Array): Float32Array {
  const n = v.length;
  if (n === 0 || (n & (n - 1)) !== 0) throw new Error(`face-feature-v2 needs a power-of-two embedding size, got ${n}`);
  const { permutation, signs } = rotationOf(n);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = v[permutation[i]!]! * signs[i]!;
  // In-place fast Walsh–Hadamard transform.
  for (let h = 1; h < n; h *= 2) {
    for (let i = 0; i < n; i += h * 2) {
      for (let j = i; j < i + h; j++) {
        const x = out[j]!;
        const y = out[j + h]!;
        out[j] = x + y;
        out[j + h] = x - y;
      }
    }
  }
  const scale = 1 / Math.sqrt(n);
  return Float32Array.from(out, (x) => x * scale);
}

/** The affine map sending the three points `from` exactly onto `to`, as [a, b, c, d, e, f]. */
export function affineFrom3(from: ReadonlyArray<[number, number]>, to: ReadonlyArray<[number, number]>): number[] {
  const [[x0, y0], [x1, y1], [x2, y2]] = from as [[number, number], [number, number], [number, number]];
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  if (Math.abs(det) < 1e-9) return [1, 0, 0, 0, 1, 0];
  const solve = (v0: number, v1: number, v2: number): [number, number, number] => [
    (v0 * (y1 - y2) - y0 * (v1 - v2) + (v1 * y2 - v2 * y1)) / det,
    (x0 * (v1 - v2) - v0 * (x1 - x2) + (x1 * v2 - x2 * v1)) / det,
    (x0 * (y1 * v2 - y2 * v1) - y0 * (x1 * v2 - x2 * v1) + v0 * (x1 * y2 - x2 * y1)) / det,
  ];
  const [a, b, c] = solve(to[0]![0], to[1]![0], to[2]![0]);
  const [d, e, f] = solve(to[0]![1], to[1]![1], to[2]![1]);
  return [a, b, c, d, e, f];
}
