import { Redis } from 'ioredis';
import { ConfigError } from './config-error.js';
import { redisOptions, type RedisEndpoint } from './redis-endpoint.js';

/**
 * A Redis that Shoebox did not start (`--redis redis://host:port`) is shared by several machines,
 * so it must be protected: a password, no eviction of keys (BullMQ loses jobs when Redis evicts
 * them under memory pressure), and preferably an append-only file (otherwise a Redis restart
 * forgets every queued job). The bundled Redis on a private socket is configured by the supervisor
 * and is not checked here.
 */

export interface SharedRedisSettings {
  /** INFO memory → maxmemory_policy. */
  maxmemoryPolicy: string | null;
  /** INFO persistence → aof_enabled. */
  aofEnabled: boolean;
}

export interface SharedRedisVerdict {
  refusal: string | null;
  warnings: string[];
}

const where = (endpoint: RedisEndpoint): string => (endpoint.kind === 'tcp' ? `${endpoint.host}:${endpoint.port}` : endpoint.path);

/** A Redis over the network without a password is open to anyone who can reach its port. */
export function requireNetworkPassword(endpoint: RedisEndpoint): void {
  if (endpoint.kind !== 'tcp' || endpoint.password) return;
  throw new ConfigError(
    `the Redis at ${where(endpoint)} is reached over the network but the URL has no password: ` +
      `set "requirepass <secret>" in its redis.conf and use redis://:<secret>@${where(endpoint)}`,
  );
}

/** Parses the `key:value` lines of an INFO reply. */
export function parseInfo(info: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of info.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

export function settingsFromInfo(info: string): SharedRedisSettings {
  const fields = parseInfo(info);
  return { maxmemoryPolicy: fields.get('maxmemory_policy') ?? null, aofEnabled: fields.get('aof_enabled') === '1' };
}

/** What a shared Redis with these settings means for the queues: refused, accepted with warnings, or fine. */
export function judgeSharedRedis(settings: SharedRedisSettings, place: string): SharedRedisVerdict {
  const warnings: string[] = [];
  const refusal =
    settings.maxmemoryPolicy === 'noeviction'
      ? null
      : `the Redis at ${place} has maxmemory-policy ${settings.maxmemoryPolicy ?? '(unknown)'}; it may evict queued jobs and lose photos. ` +
        `Fix it with "redis-cli -a <password> CONFIG SET maxmemory-policy noeviction" and the line "maxmemory-policy noeviction" in its redis.conf`;
  if (!settings.aofEnabled) {
    warnings.push(
      `the Redis at ${place} has no append-only file: a restart of it forgets every queued job. ` +
        `Add "appendonly yes" to its redis.conf (or run "CONFIG SET appendonly yes")`,
    );
  }
  return { refusal, warnings };
}

/**
 * Connects once to a shared Redis, refuses it when unprotected (ConfigError, exit code 2) and
 * returns its warnings. Fails fast (no endless retries) when the Redis cannot be reached.
 */
export async function guardSharedRedis(endpoint: RedisEndpoint): Promise<string[]> {
  if (endpoint.kind !== 'tcp') return [];
  requireNetworkPassword(endpoint);
  const client = new Redis({ ...redisOptions(endpoint), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 10_000 });
  // ioredis reports the cause (wrong password, untrusted certificate) here and rejects with "Connection is closed".
  let cause: Error | null = null;
  client.on('error', (error: Error) => (cause = error));
  try {
    await client.connect();
    const info = await client.info();
    const verdict = judgeSharedRedis(settingsFromInfo(info), where(endpoint));
    if (verdict.refusal) throw new ConfigError(verdict.refusal);
    return verdict.warnings;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const message = (cause as Error | null)?.message ?? (error instanceof Error ? error.message : String(error));
    if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(message)) {
      throw new ConfigError(`the Redis at ${where(endpoint)} refused the password in the URL: ${message}`);
    }
    throw new ConfigError(`cannot reach the Redis at ${where(endpoint)}: ${message}`);
  } finally {
    client.disconnect();
  }
}
