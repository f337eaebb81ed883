import crypto from 'node:crypto';
import type { Redis } from 'ioredis';

// Release only if we still hold it: compare-and-delete in one step.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * An exclusive lock in Redis (SET NX PX with a random token) for maintenance jobs that must not run
 * twice at once, on this machine or any other worker machine on the same Redis. The expiry frees the
 * lock if its holder dies.
 */
export async function withRedisLock<T>(redis: Redis, name: string, ttlMs: number, fn: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
  const key = `shoebox:lock:${name}`;
  const token = crypto.randomBytes(16).toString('hex');
  const acquired = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (acquired !== 'OK') return { ran: false };
  const renew = setInterval(() => void redis.pexpire(key, ttlMs), Math.max(1000, ttlMs / 3));
  try {
    return { ran: true, value: await fn() };
  } finally {
    clearInterval(renew);
    await redis.eval(RELEASE, 1, key, token);
  }
}
