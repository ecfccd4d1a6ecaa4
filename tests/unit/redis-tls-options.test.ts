/**
 * Which Redis URLs connect with TLS (remote/connection.ts): the scheme decides, whatever
 * its case (ioredis alone would send a `REDISS://` URL in the clear), and a private CA set
 * in MBH_LAB_REDIS_CA is refused for a URL without TLS. Reading the CA file is covered by
 * the remote-tls integration test.
 */
import { describe, expect, it } from 'vitest';
import { redisTls } from '../../src-main/remote/connection.ts';

describe('redisTls', () => {
  it('turns TLS on for rediss:// in any case, with the system CAs when no CA file is set', () => {
    expect(redisTls('rediss://:secret@redis-host:6380', {})).toEqual({});
    expect(redisTls('REDISS://:secret@redis-host:6380', {})).toEqual({});
    expect(redisTls('Rediss://redis-host', { MBH_LAB_REDIS_CA: '' })).toEqual({});
  });

  it('leaves redis:// without TLS', () => {
    expect(redisTls('redis://:secret@redis-host:6379/2', {})).toBeUndefined();
    expect(redisTls('REDIS://redis-host', {})).toBeUndefined();
  });

  it('refuses a CA file set for a URL without TLS, naming the variable', () => {
    expect(() =>
      redisTls('redis://redis-host:6379', { MBH_LAB_REDIS_CA: '/etc/lab/ca.pem' }),
    ).toThrow(
      'MBH_LAB_REDIS_CA is set (/etc/lab/ca.pem) but the Redis URL is redis://, which does not use TLS; write rediss:// to connect with TLS',
    );
  });
});
