import fs from 'node:fs';
import { z } from 'zod';
import { RedisEndpoint } from '../../src-shared/redis-endpoint.js';
import { isProcessAlive } from './process-utils.js';

/** What a running engine publishes in its library folder so that CLI commands can reach it. */
export const EngineFile = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  redis: RedisEndpoint,
  /** Set when `serve` runs its HTTP API. */
  http: z.object({ url: z.string(), token: z.string() }).nullable().optional(),
});
export type EngineFile = z.infer<typeof EngineFile>;


/** The running engine of a library, or null when none runs (a file left by a killed engine is ignored). */
export function readRunningEngine(file: string): EngineFile | null {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const parsed = EngineFile.safeParse(JSON.parse(raw || 'null'));
  if (!parsed.success || !isProcessAlive(parsed.data.pid) || parsed.data.pid === process.pid) return null;
  return parsed.data;
}

export function writeEngineFile(file: string, content: EngineFile): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(content, null, 2), { mode: 0o600 });
  fs.renameSync(temp, file);
}

export function removeEngineFile(file: string): void {
  try {
    const parsed = EngineFile.safeParse(JSON.parse(fs.readFileSync(file, 'utf8')));
    if (parsed.success && parsed.data.pid !== process.pid) return; // not ours
    fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

