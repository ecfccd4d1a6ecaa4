/**
 * Redis connections for the hub and its remote workers. ioredis is imported on demand, so
 * a lab with no Redis configured never loads it (nor BullMQ). A URL is `redis://` or
 * `rediss://` (TLS), optionally with a user and password (`redis://:secret@host:6379/0`);
 * both pass through to ioredis unchanged. Nothing here listens on a port.
 */
import type { Redis } from 'ioredis';

/** The environment variable a hub reads its Redis URL from when no flag gives one. */
export const REDIS_ENV = 'MBH_LAB_REDIS';

/** Checks a Redis URL; throws one error naming `field` when it is not one. */
export function checkRedisUrl(url: string, field = '--redis'): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RangeError(
      `${field}: not a URL (expected redis://[:password@]host[:port][/db] or rediss://… for TLS), got ${JSON.stringify(url)}`,
    );
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new RangeError(
      `${field}: the URL must start with redis:// or rediss:// (TLS), got ${parsed.protocol}//`,
    );
  }
  if (parsed.hostname === '') throw new RangeError(`${field}: the URL names no host`);
  const database = parsed.pathname.replace(/^\//, '');
  if (database !== '' && !/^\d{1,2}$/.test(database)) {
    throw new RangeError(`${field}: the database after the host must be a number, got ${database}`);
  }
  return url;
}

/** The URL with its password hidden, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}

/**
 * A connection that survives a Redis restart: commands wait while it reconnects (BullMQ
 * needs `maxRetriesPerRequest: null` for its blocking calls, and so do ours).
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    connectionName: name,
    // Back off up to 2 s between attempts while the server is down; never give up.
    retryStrategy: (times) => Math.min(100 * times, 2_000),
  });
  // Errors while disconnected are retried; without a listener ioredis would print each one.
  redis.on('error', () => {});
  return redis;
}

/**
 * Resolves once `redis` is connected and ready; rejects with one clear error naming the
 * server (its password hidden) when it refuses us (a wrong password) or cannot be reached
 * within `timeoutMs`. Later disconnections are not errors: ioredis reconnects.
 */
export function whenReady(redis: Redis, url: string, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    let lastError: Error | null = null;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      redis.off('ready', ready);
      redis.off('error', failed);
      if (error) {
        redis.disconnect();
        reject(error);
      } else resolve();
    };
    const ready = () => finish();
    const failed = (error: Error) => {
      lastError = error;
      // A refused password does not get better by retrying.
      if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(error.message))
        finish(
          new Error(`Redis at ${redactRedisUrl(url)} refused the connection: ${error.message}`),
        );
    };
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `cannot reach Redis at ${redactRedisUrl(url)} within ${timeoutMs / 1000} s${lastError ? ` (${lastError.message})` : ''}`,
          ),
        ),
      timeoutMs,
    );
    redis.on('ready', ready);
    redis.on('error', failed);
  });
}

/**
 * Another connection with the same settings. Its errors while Redis is away are retried
 * like the first one's; without a listener ioredis would print each of them.
 */
export function duplicateRedis(redis: Redis): Redis {
  const copy = redis.duplicate();
  copy.on('error', () => {});
  return copy;
}
