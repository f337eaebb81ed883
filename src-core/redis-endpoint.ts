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
    db: parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0,
  };
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
    tls: endpoint.tls ? {} : undefined,
  };
}
