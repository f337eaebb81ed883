import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ort from 'onnxruntime-node';
import { ShoeboxError } from '../../src-shared/errors.js';
import { installedModelsDir } from '../../src-core/host-versions.js';
import { runtimeSettings } from '../../src-core/runtime-settings.js';

/** One entry of models/manifest.json (the machine-readable half of models/MODELS.md). */
export interface ModelEntry {
  id: string;
  /** File name inside models/; null for an empty slot (a model that is not shipped yet). */
  file: string | null;
  sha256: string | null;
  bytes: number | null;
  stage: string;
  task: string;
  source: string;
  licence: string;
  /** A slot that may stay empty: the stage that would use it runs without it. */
  optional?: boolean;
}

export interface ModelManifest {
  version: number;
  models: ModelEntry[];
}

/** models/ in the repository (or SHOEBOX_MODELS_DIR): one lookup for the workers and the version guard. */
export function modelsDir(): string {
  return installedModelsDir();
}

let manifestCache: ModelManifest | null = null;

export function readManifest(dir = modelsDir()): ModelManifest {
  if (manifestCache && dir === modelsDir()) return manifestCache;
  const file = path.join(dir, 'manifest.json');
  if (!existsSync(file)) throw new ShoeboxError('model-missing', `the model manifest ${file} is missing`);
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as ModelManifest;
  if (dir === modelsDir()) manifestCache = manifest;
  return manifest;
}

export function modelEntry(id: string, dir = modelsDir()): ModelEntry {
  const entry = readManifest(dir).models.find((m) => m.id === id);
  if (!entry) throw new ShoeboxError('model-missing', `model "${id}" is not listed in ${path.join(dir, 'manifest.json')}`);
  return entry;
}

/**
 * Reads a model file and checks it against the manifest's sha256. A missing or altered file is a
 * 'model-missing' error that names the file, so the person knows which download to repeat.
 */
export function readVerifiedModel(id: string, dir = modelsDir()): Buffer {
  const entry = modelEntry(id, dir);
  if (!entry.file || !entry.sha256) throw new ShoeboxError('model-missing', `model slot "${id}" has no file in this build`);
  const file = path.join(dir, entry.file);
  if (!existsSync(file)) {
    throw new ShoeboxError('model-missing', `model file ${file} (${entry.task}) is missing; restore it from ${entry.source}`);
  }
  const bytes = readFileSync(file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) {
    throw new ShoeboxError(
      'model-missing',
      `model file ${file} is altered: sha256 ${sha} does not match ${entry.sha256} in models/manifest.json; restore it from ${entry.source}`,
    );
  }
  return bytes;
}

/** Threads per ONNX session: one ML worker uses 1–2 cores (SHOEBOX_ML_THREADS overrides). */
export function mlThreads(): number {
  const fromEnv = runtimeSettings().mlThreads;
  if (fromEnv !== null) return fromEnv;
  return os.availableParallelism() >= 8 ? 2 : 1;
}

/**
 * Execution providers to try, best first. CUDA on Linux when the CUDA provider library ships with
 * onnxruntime-node (or SHOEBOX_ML_PROVIDER=cuda), DirectML on Windows, CoreML on macOS; CPU always last.
 */
export function executionProviders(): string[] {
  const forced = runtimeSettings().mlProvider;
  if (forced) return forced === 'cpu' ? ['cpu'] : [forced, 'cpu'];
  if (process.platform === 'win32') return ['dml', 'cpu'];
  if (process.platform === 'darwin') return ['coreml', 'cpu'];
  if (process.platform === 'linux' && process.arch === 'x64' && hasCudaProvider()) return ['cuda', 'cpu'];
  return ['cpu'];
}

function hasCudaProvider(): boolean {
  try {
    const pkg = path.dirname(fileURLToPath(import.meta.resolve('onnxruntime-node/package.json')));
    const binRoot = path.join(pkg, 'bin');
    const napi = ['napi-v6', 'napi-v3'].map((v) => path.join(binRoot, v, 'linux', 'x64', 'libonnxruntime_providers_cuda.so'));
    return napi.some((p) => existsSync(p));
  } catch {
    return false;
  }
}

export interface LoadedModel {
  id: string;
  session: ort.InferenceSession;
  /** The provider the session was created with. */
  provider: string;
}

/** Creates a verified session once; falls back to the CPU provider when an accelerator is not usable. */
export async function loadModel(id: string, dir = modelsDir()): Promise<LoadedModel> {
  const bytes = readVerifiedModel(id, dir);
  const threads = mlThreads();
  let lastError: unknown;
  for (const provider of executionProviders()) {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: [provider],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      return { id, session, provider };
    } catch (error) {
      lastError = error;
    }
  }
  throw new ShoeboxError('model-missing', `model ${id} could not be loaded: ${(lastError as Error)?.message ?? lastError}`);
}

export { ort };
