import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { runtimeSettings } from './runtime-settings.js';
import { HostVersions } from '../src-shared/hosts.js';

/**
 * The shape of the job payloads (src-shared/jobs.ts) this build writes and reads. Bump it with any
 * change to them: a worker on another machine running an older build must not take newer jobs.
 */
export const JOB_PAYLOAD_VERSION = 1;

export { HostVersions };

/** models/ of this installation (or SHOEBOX_MODELS_DIR): found upwards from this file, in the source tree or dist/. */
export function installedModelsDir(): string {
  const fromEnv = runtimeSettings().modelsDir;
  if (fromEnv) return fromEnv;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'models'))) return path.join(dir, 'models');
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve('models');
    dir = parent;
  }
}

/** A fingerprint of models/manifest.json: its version and every model's id and sha256. */
export function modelsFingerprint(manifestJson: string): string {
  const manifest = z
    .object({ version: z.number(), models: z.array(z.object({ id: z.string(), sha256: z.string().nullable() })) })
    .parse(JSON.parse(manifestJson));
  const lines = manifest.models.map((m) => `${m.id}:${m.sha256 ?? '-'}`).sort();
  return `manifest v${manifest.version} ${createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 12)}`;
}

export function localVersions(modelsDir = installedModelsDir()): HostVersions {
  const file = path.join(modelsDir, 'manifest.json');
  const models = existsSync(file) ? modelsFingerprint(readFileSync(file, 'utf8')) : 'no models/manifest.json';
  return { jobPayload: JOB_PAYLOAD_VERSION, models };
}

/** Why a worker with `worker` versions must not work for an engine with `engine` versions; null when they agree. */
export function versionMismatch(engine: HostVersions, worker: HostVersions): string | null {
  const differences: string[] = [];
  if (engine.jobPayload !== worker.jobPayload) differences.push(`job payload version ${worker.jobPayload} here, ${engine.jobPayload} on the engine`);
  if (engine.models !== worker.models) differences.push(`models "${worker.models}" here, "${engine.models}" on the engine`);
  if (!differences.length) return null;
  return `this worker's versions differ from the engine's (${differences.join('; ')}): it takes no jobs, so that it writes no wrong results. Install the same Shoebox build and models/ on this machine as on the engine's`;
}

const ENGINE_VERSIONS_KEY = 'shoebox:engine:versions';

/** The engine announces its versions on the shared Redis at start; workers compare theirs with it. */
export async function publishEngineVersions(redis: Redis, versions: HostVersions): Promise<void> {
  await redis.set(ENGINE_VERSIONS_KEY, JSON.stringify(versions));
}

export async function readEngineVersions(redis: Redis): Promise<HostVersions | null> {
  const raw = await redis.get(ENGINE_VERSIONS_KEY);
  return raw ? HostVersions.parse(JSON.parse(raw)) : null;
}
