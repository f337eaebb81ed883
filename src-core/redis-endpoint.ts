import fs from 'node:fs';
import type { RedisOptions } from 'ioredis';

import type { RedisEndpoint } from '../src-shared/redis-endpoint.js';

export type { RedisEndpoint };

export function endpointFromUrl(url: string): RedisEndpoint {
  const parsed = new URL(url);
  if (parsed.protocol === 'unix:' || parsed.protocol === 'redis+unix:') {
    return { kind: 'socket', path: parsed.pathname, password: parsed.password ? decodeURIComponent(parsed.password) : null };
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new Error(`unsupported Redis URL "${url}": use redis://, rediss:// or unix://`);
  }
  return {
    kind: 'tcp',
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : null,
    password: parsed.password ? decodeURIComponent(parsed.password) : null,
    tls: parsed.protocol === 'rediss:',
    caFile: caFileOf(parsed, url),
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
  };
}

/** `rediss://…?ca=/path/ca.pem`: the CA file must exist and only makes sense with TLS. */
function caFileOf(parsed: URL, url: string): string | null {
  const caFile = parsed.searchParams.get('ca');
  if (caFile === null) return null;
  if (parsed.protocol !== 'rediss:') throw new Error(`"ca=" in "${url}" needs a rediss:// (TLS) URL`);
  if (!fs.existsSync(caFile)) throw new Error(`the Redis CA file ${caFile} (from "ca=" in the Redis URL) does not exist`);
  return caFile;
}

/**
 * ioredis options for an endpoint. `maxRetriesPerRequest: null` keeps commands queued while the
 * bundled redis-server is being restarted (BullMQ requires it for Workers; we use it everywhere
 * so an enqueue during a Redis restart waits instead of failing).
 */
export function redisOptions(endpoint: RedisEndpoint): RedisOptions {
  const common: RedisOptions = {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times) => Math.min(50 * 2 ** times, 2000),
    password: endpoint.password ?? undefined,
  };
  if (endpoint.kind === 'socket') return { ...common, path: endpoint.path };
  return {
    ...common,
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username ?? undefined,
    db: endpoint.db ?? 0,
    tls: endpoint.tls ? (endpoint.caFile ? { ca: fs.readFileSync(endpoint.caFile) } : {}) : undefined,
  };
}
