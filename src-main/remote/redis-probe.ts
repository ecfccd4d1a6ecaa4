/**
 * "Test connection" for the hub settings: one short-lived connection to a Redis URL that
 * says in words whether it works — and if not, why: the host's name does not resolve
 * (DNS), nothing listens (refused), no answer (timeout), the password (auth), TLS, or
 * not a Redis at all. Unlike the hub's own connection (connection.ts), it never retries:
 * the user is waiting for an answer. ioredis is imported only when a test runs.
 */
import type { Redis } from 'ioredis';
import type { RedisProblem, RedisTestResult } from '../../src-shared/api/hub-settings.ts';
import { parseRedisUrl, redactRedisUrl } from '../../src-shared/api/hub-settings.ts';
import { redisTls, tlsProblemInWords } from './connection.ts';
import { RemoteKeys } from './keys.ts';

/** How long a test waits for the server before it says there is no answer. */
export const PROBE_TIMEOUT_MS = 5_000;

/**
 * What a failed connection to `url` means, in words. `error` is the last error the
 * client reported (ioredis' own rejection only says "Connection is closed").
 */
export function describeRedisError(
  error: Error,
  url: string,
  timeoutMs = PROBE_TIMEOUT_MS,
): { problem: RedisProblem; message: string } {
  const parts = parseRedisUrl(url);
  const where = typeof parts === 'string' ? redactRedisUrl(url) : `${parts.host}:${parts.port}`;
  const tls = typeof parts !== 'string' && parts.tls;
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const text = error.message;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    const host = typeof parts === 'string' ? where : parts.host;
    return {
      problem: 'dns',
      message: `cannot find the host ${host} (DNS: ${code}): check its name, or use its IP address`,
    };
  }
  if (code === 'ECONNREFUSED')
    return {
      problem: 'refused',
      message: `${where} refused the connection: no Redis listens there (is redis-server running on that host and port, and does it accept connections from this machine?)`,
    };
  if (/WRONGPASS|invalid password|invalid username-password/i.test(text))
    return {
      problem: 'auth',
      message: `Redis at ${where} refused the password (WRONGPASS): check the password (and user) in the URL`,
    };
  if (/NOAUTH/i.test(text))
    return {
      problem: 'auth',
      message: `Redis at ${where} needs a password (NOAUTH): write it in the URL as redis://:PASSWORD@${where}`,
    };
  const tlsProblem = tlsProblemInWords(code);
  if (tlsProblem !== null)
    return { problem: 'tls', message: `TLS with ${where} failed (${code}): ${tlsProblem}` };
  if (code === 'ETIMEDOUT' || /timed? ?out/i.test(text))
    return {
      problem: 'timeout',
      message: tls
        ? `no TLS answer from ${where} within ${timeoutMs / 1000} s: if that port does not use TLS, write redis:// instead of rediss://; else a firewall may drop the connection`
        : `no answer from ${where} within ${timeoutMs / 1000} s: the host may be down, or a firewall drops the connection`,
    };
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection is closed/i.test(text))
    return {
      problem: 'protocol',
      message: `${where} closed the connection${tls ? '' : ': if it expects TLS, write rediss:// instead of redis://'}`,
    };
  if (/Protocol error/i.test(text))
    return {
      problem: 'protocol',
      message: `${where} does not answer as a Redis server does (${text.slice(0, 80)}): is that the Redis port?`,
    };
  return { problem: 'other', message: `cannot use Redis at ${where}: ${text.slice(0, 200)}` };
}

/**
 * Connects to `url` once, without retrying: PING, the server's version, and how many
 * remote workers send heartbeats on `queue`. Never throws; the result says what happened.
 */
export async function probeRedis(
  url: string,
  queue: string,
  options: { timeoutMs?: number } = {},
): Promise<RedisTestResult> {
  const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS;
  const parts = parseRedisUrl(url);
  if (typeof parts === 'string')
    return { ok: false, problem: 'other', message: parts, serverVersion: null, workers: null };
  // The hub's own TLS settings: the system's CAs, or the private CA in MBH_LAB_REDIS_CA.
  let tls: ReturnType<typeof redisTls>;
  try {
    tls = redisTls(url);
  } catch (error) {
    return {
      ok: false,
      problem: 'tls',
      message: (error as Error).message,
      serverVersion: null,
      workers: null,
    };
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    ...(tls ? { tls } : {}),
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: 'mbh-lab-settings-test',
  });
  let lastError: Error | null = null;
  redis.on('error', (error: Error) => (lastError = error));
  try {
    await redis.connect();
    await redis.ping();
    const about = await redis.info('server');
    const serverVersion = /redis_version:(\S+)/.exec(about)?.[1] ?? null;
    const workers = await countWorkers(redis, new RemoteKeys(queue).workerPattern);
    const server = serverVersion === null ? 'Redis' : `Redis ${serverVersion}`;
    const seen = workers === 0 ? 'no worker' : workers === 1 ? '1 worker' : `${workers} workers`;
    return {
      ok: true,
      problem: null,
      message: `connected to ${server} at ${parts.host}:${parts.port}${parts.tls ? ' over TLS' : ''}; ${seen} on queue ${queue} now`,
      serverVersion,
      workers,
    };
  } catch (error) {
    const { problem, message } = describeRedisError(lastError ?? (error as Error), url, timeoutMs);
    return { ok: false, problem, message, serverVersion: null, workers: null };
  } finally {
    redis.disconnect();
  }
}

async function countWorkers(redis: Redis, pattern: string): Promise<number> {
  let count = 0;
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 200);
    cursor = next;
    count += found.length;
  } while (cursor !== '0');
  return count;
}
