import crypto from 'node:crypto';
import fs from 'node:fs';

/** sha1 of a file's bytes, streamed (the workers hash the same way from the bytes they read; the ingest and the library check use it). */
export async function hashFile(file: string): Promise<string | null> {
  try {
    const hash = crypto.createHash('sha1');
    for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
    return hash.digest('hex');
  } catch {
    return null; // unreadable now: treat as changed, the worker will say why
  }
}
