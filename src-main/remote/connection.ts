/**
 * Redis connections for the hub and its remote workers. ioredis is imported on demand, so
 * a lab with no Redis configured never loads it (nor BullMQ). A URL is `redis://` or
 * `rediss://` (TLS), optionally with a user and password (`redis://:secret@host:6379/0`).
 * A `rediss://` server's certificate is checked against the system's CAs, or against a
 * private CA's PEM file named by MBH_LAB_REDIS_CA. Nothing here listens on a port.
 */
import type { ConnectionOptions } from 'node:tls';
import type { Redis } from 'ioredis';
import {
  parseRedisUrl,
  redactRedisUrl as redactSharedRedisUrl,
} from '../../src-shared/api/hub-settings.ts';
import { readTextBounded } from '../data/read-bounded.ts';

/** The environment variable a hub reads its Redis URL from when no flag gives one. */
export const REDIS_ENV = 'MBH_LAB_REDIS';

/**
 * The environment variable naming a PEM file of CA certificates that a `rediss://`
 * server's certificate may be signed by (a private CA; the system's CAs are used without).
 */
export const REDIS_CA_ENV = 'MBH_LAB_REDIS_CA';

/** A CA file is a few certificates; anything near this size is not one. */
const MAX_CA_FILE_BYTES = 1024 * 1024;

/**
 * ioredis' TLS settings for `url`: none for `redis://`; for `rediss://` the system's CAs,
 * or the certificates of the PEM file in $MBH_LAB_REDIS_CA. Given explicitly rather than
 * left to ioredis, which turns TLS on only for a lower-case `rediss://` prefix (a URL
 * written `REDISS://` would otherwise go out in the clear). A CA file set for a URL
 * without TLS is an error: whoever set it meant the connection to be encrypted.
 */
export function redisTls(
  url: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionOptions | undefined {
  const tls = new URL(url).protocol === 'rediss:';
  const caFile = env[REDIS_CA_ENV];
  if (caFile === undefined || caFile === '') return tls ? {} : undefined;
  if (!tls)
    throw new RangeError(
      `${REDIS_CA_ENV} is set (${caFile}) but the Redis URL is redis://, which does not use TLS; write rediss:// to connect with TLS`,
    );
  let text: string;
  try {
    text = readTextBounded(caFile, MAX_CA_FILE_BYTES);
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new Error(
      `${REDIS_CA_ENV}: cannot read the CA file ${caFile}: ${code === 'ENOENT' ? 'no such file' : message}`,
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new RangeError(
      `${REDIS_CA_ENV}: ${caFile} holds no PEM certificate (no -----BEGIN CERTIFICATE----- line)`,
    );
  return { ca: text };
}

/**
 * Checks a Redis URL; throws one error naming `field` when it is not one (never quoting
 * its password). The rule is the hub settings' (src-shared/api/hub-settings.ts), so a
 * flag, MBH_LAB_REDIS and the settings form accept the same URLs.
 */
export function checkRedisUrl(url: string, field = '--redis'): string {
  const parts = parseRedisUrl(url);
  if (typeof parts === 'string') throw new RangeError(`${field}: ${parts}`);
  return url;
}

/** The URL with its password hidden, for messages and logs. */
export const redactRedisUrl = redactSharedRedisUrl;

/**
 * A connection that survives a Redis restart: commands wait while it reconnects (BullMQ
 * needs `maxRetriesPerRequest: null` for its blocking calls, and so do ours).
 */
export async function connectRedis(url: string, name: string): Promise<Redis> {
  const tls = redisTls(url);
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    ...(tls ? { tls } : {}),
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
      // A refused password does not get better by retrying, nor does a certificate.
      if (/NOAUTH|WRONGPASS|invalid password|invalid username-password/i.test(error.message))
        finish(
          new Error(`Redis at ${redactRedisUrl(url)} refused the connection: ${error.message}`),
        );
      const tlsProblem = tlsFailure(error);
      if (tlsProblem !== null)
        finish(new Error(`TLS: Redis at ${redactRedisUrl(url)}: ${tlsProblem} (${error.message})`));
    };
    // A server that does not speak TLS on the port never answers a TLS hello: no error, no reply.
    const silentTls =
      new URL(url).protocol === 'rediss:'
        ? ' (TLS: no handshake completed; does the server speak TLS on this port? it is its tls-port)'
        : '';
    const timer = setTimeout(
      () =>
        finish(
          new Error(
            `cannot reach Redis at ${redactRedisUrl(url)} within ${timeoutMs / 1000} s${lastError ? ` (${lastError.message})` : silentTls}`,
          ),
        ),
      timeoutMs,
    );
    redis.on('ready', ready);
    redis.on('error', failed);
  });
}

/** Node's codes for a server certificate that does not verify against the trusted CAs. */
const UNTRUSTED_CERTIFICATE = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'INVALID_CA',
]);

/**
 * What a TLS error code means for the user, or null when it is not a TLS error. One
 * wording for the hub's own connection and for the settings' connection test
 * (redis-probe.ts). These do not get better by retrying, so a connection fails at once.
 */
export function tlsProblemInWords(code: string): string | null {
  if (UNTRUSTED_CERTIFICATE.has(code))
    return `the server's certificate is not signed by a CA this machine trusts; if a private CA signed it, give that CA's PEM file in ${REDIS_CA_ENV}`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return "the server's certificate is not issued for the host in the URL";
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID')
    return "the server's certificate is outside its validity period";
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))
    return 'the TLS handshake failed (does the server speak TLS on this port? it is its tls-port)';
  return null;
}

function tlsFailure(error: Error): string | null {
  return tlsProblemInWords((error as NodeJS.ErrnoException).code ?? '');
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
