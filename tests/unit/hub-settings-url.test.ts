/**
 * The hub settings' Redis URLs (src-shared/api/hub-settings.ts): what is accepted, the
 * one error a bad URL gets (naming the field, never quoting the password), the password
 * hidden in every answer, and `***` standing for the saved password of the same server
 * only. The words a failed connection test gives (src-main/remote/redis-probe.ts), and
 * the settings dialog's (src-renderer/src/lib/hub-status.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  parseRedisUrl,
  redactRedisUrl,
  setHubSettingsSchema,
  testRedisSchema,
  withSavedPassword,
  type HubSettingsView,
} from '../../src-shared/api/hub-settings.ts';
import {
  hubStatus,
  overrideNotice,
  redisFieldProblem,
} from '../../src-renderer/src/lib/hub-status.ts';
import { describeRedisError } from '../../src-main/remote/redis-probe.ts';

function failure(code: string | undefined, message: string): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

describe('Redis URLs in the hub settings', () => {
  it('reads scheme, user, password, host, port and database', () => {
    expect(parseRedisUrl('redis://:s%40cret@10.0.0.5:6380/2')).toEqual({
      tls: false,
      username: '',
      password: 's@cret',
      host: '10.0.0.5',
      port: 6380,
      database: 2,
    });
    expect(parseRedisUrl('rediss://lab:pw@redis.example.org')).toEqual({
      tls: true,
      username: 'lab',
      password: 'pw',
      host: 'redis.example.org',
      port: 6379,
      database: 0,
    });
    expect(parseRedisUrl('REDIS://[::1]:7000/')).toMatchObject({ host: '[::1]', port: 7000 });
    // The user part ends at the last @, as in WHATWG URLs.
    expect(parseRedisUrl('redis://:a@b@host:1')).toMatchObject({ password: 'a@b', host: 'host' });
  });

  it('refuses anything else with one message naming the field', () => {
    const refused = (redis: unknown) => {
      try {
        setHubSettingsSchema.parse({ redis }, 'params');
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    expect(refused('http://:pw@host:6379')).toBe(
      'params.redis: must start with redis:// or rediss:// (TLS), got http://',
    );
    expect(refused('localhost:6379')).toBe(
      'params.redis: must be a Redis URL: redis://[:password@]host[:port][/db], or rediss://… for TLS',
    );
    expect(refused('redis://:pw@')).toBe(
      'params.redis: names no host (redis://[:password@]host[:port][/db], or rediss://… for TLS)',
    );
    expect(refused('redis://:secret@host:99999')).toBe(
      'params.redis: the port must be a number from 1 to 65535, got "99999"',
    );
    expect(refused('redis://host:6379/x')).toBe(
      'params.redis: the database after the host must be a number, got "x"',
    );
    expect(refused('redis://ho st')).toBe(
      'params.redis: must not contain spaces or control characters',
    );
    expect(refused(6379)).toBe('params.redis: must be text (a Redis URL)');
    expect(refused(`redis://${'a'.repeat(2_000)}`)).toBe(
      'params.redis: must have at most 2000 characters',
    );
    // No message quotes the password.
    for (const bad of ['http://:topsecret@h', 'redis://:topsecret@h:0', 'redis://:topsecret@h/zz'])
      expect(refused(bad)).not.toContain('topsecret');
    // '' turns the hub off; a test needs a URL.
    expect(setHubSettingsSchema.parse({ redis: '' }, 'params')).toEqual({
      redis: '',
      localWorkers: true,
    });
    expect(() => testRedisSchema.parse({ redis: ' ' }, 'params')).toThrow(
      'params.redis: must not be empty: give a Redis URL',
    );
  });

  it('hides the password, keeping the rest as written', () => {
    expect(redactRedisUrl('redis://:s3cret@127.0.0.1:6379/1')).toBe(
      'redis://:***@127.0.0.1:6379/1',
    );
    expect(redactRedisUrl('rediss://lab:p%2Fw@host')).toBe('rediss://lab:***@host');
    expect(redactRedisUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactRedisUrl('redis://lab@host')).toBe('redis://lab@host');
    expect(redactRedisUrl('nonsense:secret')).toBe('(not a Redis URL)');
  });

  it('*** means the saved password, for the same server only', () => {
    const saved = 'redis://:s%40ved@10.0.0.5:6380/2';
    expect(withSavedPassword('redis://:***@10.0.0.5:6380/3', saved, 'params.redis')).toBe(
      'redis://:s%40ved@10.0.0.5:6380/3',
    );
    expect(parseRedisUrl(withSavedPassword(redactRedisUrl(saved), saved, 'p'))).toEqual(
      parseRedisUrl(saved),
    );
    // A typed password is the new one; no password is no password.
    expect(withSavedPassword('redis://:new@10.0.0.5:6380', saved, 'p')).toBe(
      'redis://:new@10.0.0.5:6380',
    );
    const hidden =
      'params.redis: the password is hidden (***) and no password is saved for this server: type it';
    expect(() => withSavedPassword('redis://:***@other:6380', saved, 'params.redis')).toThrow(
      hidden,
    );
    expect(() => withSavedPassword('redis://:***@10.0.0.5:6379', saved, 'params.redis')).toThrow(
      hidden,
    );
    expect(() => withSavedPassword('rediss://:***@10.0.0.5:6380', saved, 'params.redis')).toThrow(
      hidden,
    );
    expect(() => withSavedPassword('redis://:***@10.0.0.5:6380', null, 'params.redis')).toThrow(
      hidden,
    );
  });
});

describe('a failed connection test, in words', () => {
  const url = 'redis://:pw@db.lab:6380';
  it('names DNS, refused, auth, TLS, timeout and protocol failures', () => {
    expect(describeRedisError(failure('ENOTFOUND', 'getaddrinfo ENOTFOUND db.lab'), url)).toEqual({
      problem: 'dns',
      message:
        'cannot find the host db.lab (DNS: ENOTFOUND): check its name, or use its IP address',
    });
    expect(describeRedisError(failure('ECONNREFUSED', 'connect ECONNREFUSED'), url)).toEqual({
      problem: 'refused',
      message:
        'db.lab:6380 refused the connection: no Redis listens there (is redis-server running on that host and port, and does it accept connections from this machine?)',
    });
    expect(
      describeRedisError(
        failure(undefined, 'WRONGPASS invalid username-password pair or user is disabled.'),
        url,
      ),
    ).toEqual({
      problem: 'auth',
      message:
        'Redis at db.lab:6380 refused the password (WRONGPASS): check the password (and user) in the URL',
    });
    expect(describeRedisError(failure(undefined, 'NOAUTH Authentication required.'), url)).toEqual({
      problem: 'auth',
      message:
        'Redis at db.lab:6380 needs a password (NOAUTH): write it in the URL as redis://:PASSWORD@db.lab:6380',
    });
    expect(
      describeRedisError(failure('DEPTH_ZERO_SELF_SIGNED_CERT', 'self-signed certificate'), url)
        .message,
    ).toBe(
      "TLS with db.lab:6380 failed (DEPTH_ZERO_SELF_SIGNED_CERT): the server's certificate is not signed by a CA this machine trusts; if a private CA signed it, give that CA's PEM file in MBH_LAB_REDIS_CA",
    );
    expect(
      describeRedisError(failure('ERR_TLS_CERT_ALTNAME_INVALID', 'altnames'), url).problem,
    ).toBe('tls');
    expect(describeRedisError(failure('ETIMEDOUT', 'connect ETIMEDOUT'), url, 5_000)).toEqual({
      problem: 'timeout',
      message:
        'no answer from db.lab:6380 within 5 s: the host may be down, or a firewall drops the connection',
    });
    expect(
      describeRedisError(failure('ETIMEDOUT', 'connect ETIMEDOUT'), 'rediss://db.lab', 3_000)
        .message,
    ).toBe(
      'no TLS answer from db.lab:6379 within 3 s: if that port does not use TLS, write redis:// instead of rediss://; else a firewall may drop the connection',
    );
    expect(describeRedisError(failure('ECONNRESET', 'read ECONNRESET'), url)).toEqual({
      problem: 'protocol',
      message:
        'db.lab:6380 closed the connection: if it expects TLS, write rediss:// instead of redis://',
    });
    expect(
      describeRedisError(failure(undefined, 'Protocol error, got "H" as reply type byte.'), url)
        .problem,
    ).toBe('protocol');
    for (const code of ['ENOTFOUND', 'ECONNREFUSED', undefined])
      expect(describeRedisError(failure(code, 'x'), url).message).not.toContain(':pw@');
  });
});

describe('the settings dialog’s words for the hub', () => {
  const base: HubSettingsView = {
    redis: 'redis://:***@db.lab:6379',
    localWorkers: true,
    source: 'settings',
    active: { redis: 'redis://:***@db.lab:6379', localWorkers: 2, queue: 'mbh-lab' },
    status: 'connected',
    error: null,
    remoteWorkers: 3,
  };
  it('says where jobs go, who decides it, and checks the field as the lab does', () => {
    expect(hubStatus(base)).toEqual({
      tone: 'ok',
      text: 'connected: jobs go to queue mbh-lab at redis://:***@db.lab:6379 (3 remote workers; this lab also trains 2 at once)',
    });
    expect(
      hubStatus({ ...base, active: { ...base.active!, localWorkers: 0 }, remoteWorkers: 0 }).text,
    ).toBe(
      'connected: jobs go to queue mbh-lab at redis://:***@db.lab:6379 (no remote worker yet; remote workers only)',
    );
    expect(
      hubStatus({
        ...base,
        active: null,
        status: 'failed',
        source: 'none',
        error: 'db.lab:6379 refused the connection',
      }),
    ).toEqual({
      tone: 'error',
      text: 'not connected: db.lab:6379 refused the connection; every job runs in this lab meanwhile',
    });
    expect(hubStatus({ ...base, active: null, status: 'off', source: 'none' }).text).toBe(
      'off: every job runs in this lab',
    );
    expect(overrideNotice(base)).toBeNull();
    expect(overrideNotice({ ...base, source: 'environment' })).toMatch(
      /^MBH_LAB_REDIS is set for this lab and overrides these settings/,
    );
    expect(overrideNotice({ ...base, source: 'flag' })).toMatch(
      /^mbh-lab serve was started with --redis/,
    );
    expect(redisFieldProblem('  ')).toBeNull();
    expect(redisFieldProblem('redis://:x@h:6379')).toBeNull();
    expect(redisFieldProblem('https://h')).toBe(
      'must start with redis:// or rediss:// (TLS), got https://',
    );
  });
});
