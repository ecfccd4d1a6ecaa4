/**
 * The hub settings of a lab (issue 9 §2): the Redis its remote workers (`mbh-lab worker`)
 * take jobs from, and whether the lab's own threads train too. Kept in the zoo beside the
 * lab's limits and applied by the running lab (the desktop app or `mbh-lab serve`); the
 * MBH_LAB_REDIS variable and serve's --redis flag override them for one run.
 *
 * A Redis URL is `redis://[user][:password]@host[:port][/db]`, or `rediss://…` for TLS.
 * Its password never travels back to a page: the api answers with it as `***`, and a URL
 * that comes back with `***` means "the saved password" (for the same server only).
 * Parsed by hand rather than by `URL`, which this platform-free layer does not have; the
 * user part is split at the last `@`, as WHATWG URLs are.
 */
import { boolean, object, ValidationError, withDefault, type Schema } from './validate.ts';

/** What a password shows as wherever the lab answers with a Redis URL. */
export const HIDDEN_PASSWORD = '***';

/** Characters of a Redis URL at most. */
export const MAX_REDIS_URL = 2_000;

export const REDIS_URL_FORM = 'redis://[:password@]host[:port][/db], or rediss://… for TLS';

export interface RedisUrlParts {
  tls: boolean;
  username: string;
  /** Empty when the URL has none. */
  password: string;
  host: string;
  port: number;
  /** The database number after the host; 0 when none is given. */
  database: number;
}

/**
 * The parts of a Redis URL, or the problem with it in words (never quoting the password):
 * the reason a setting or flag is refused.
 */
export function parseRedisUrl(text: string): RedisUrlParts | string {
  if (text.length > MAX_REDIS_URL) return `must have at most ${MAX_REDIS_URL} characters`;
  if ([...text].some((character) => character.charCodeAt(0) <= 0x20 || character === '\u007f'))
    return 'must not contain spaces or control characters';
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text);
  if (!scheme) return `must be a Redis URL: ${REDIS_URL_FORM}`;
  const protocol = scheme[1].toLowerCase();
  if (protocol !== 'redis' && protocol !== 'rediss')
    return `must start with redis:// or rediss:// (TLS), got ${protocol}://`;
  const rest = text.slice(scheme[0].length);
  const slash = rest.indexOf('/', rest.lastIndexOf('@') + 1);
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '' : rest.slice(slash + 1);
  const at = authority.lastIndexOf('@');
  const userInfo = at < 0 ? '' : authority.slice(0, at);
  const hostPort = authority.slice(at + 1);
  const colon = userInfo.indexOf(':');
  const hostMatch = /^(\[[0-9A-Fa-f:.]+\]|[^:[\]]*)(?::(.*))?$/.exec(hostPort);
  if (!hostMatch) return `the host is not a name, an IPv4 or a [IPv6] address`;
  const host = hostMatch[1];
  if (host === '') return `names no host (${REDIS_URL_FORM})`;
  if (!/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~%-]+)$/.test(host))
    return 'the host is not a name, an IPv4 or a [IPv6] address';
  const portText = hostMatch[2];
  let port = 6379;
  if (portText !== undefined) {
    port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
    if (!(port >= 1 && port <= 65_535))
      return `the port must be a number from 1 to 65535, got ${JSON.stringify(portText.slice(0, 20))}`;
  }
  const databaseText = path.replace(/\/$/, '');
  if (databaseText !== '' && !/^\d{1,2}$/.test(databaseText))
    return `the database after the host must be a number, got ${JSON.stringify(databaseText.slice(0, 20))}`;
  return {
    tls: protocol === 'rediss',
    username: decode(colon < 0 ? userInfo : userInfo.slice(0, colon)),
    password: colon < 0 ? '' : decode(userInfo.slice(colon + 1)),
    host,
    port,
    database: databaseText === '' ? 0 : Number(databaseText),
  };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * A valid URL cut around its user part: `scheme://`, the user name, and what follows the
 * last `@` (host, port, database); `user` is null when the URL has no `@`.
 */
function around(text: string): { scheme: string; user: string | null; server: string } {
  const scheme = text.slice(0, text.indexOf('://') + 3);
  const rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  if (at < 0) return { scheme, user: null, server: rest };
  return { scheme, user: rest.slice(0, at).split(':')[0], server: rest.slice(at + 1) };
}

/** The URL with its password shown as `***` (the rest exactly as written). */
export function redactRedisUrl(text: string): string {
  const parts = parseRedisUrl(text);
  if (typeof parts === 'string') return '(not a Redis URL)';
  if (parts.password === '') return text;
  const { scheme, user, server } = around(text);
  return `${scheme}${user ?? ''}:${HIDDEN_PASSWORD}@${server}`;
}

/** Whether two URLs name the same server: scheme, host and port. */
export function sameRedisServer(a: RedisUrlParts, b: RedisUrlParts): boolean {
  return a.tls === b.tls && a.host.toLowerCase() === b.host.toLowerCase() && a.port === b.port;
}

/**
 * A URL as typed into the settings, with a `***` password replaced by the saved one.
 * Only for the same server (scheme, host, port): the saved password never goes to a
 * server it was not saved for. Throws ValidationError at `path` otherwise.
 */
export function withSavedPassword(text: string, saved: string | null, path: string): string {
  const given = parseRedisUrl(text);
  if (typeof given === 'string') throw new ValidationError(path, given);
  if (given.password !== HIDDEN_PASSWORD) return text;
  const before = saved === null ? null : parseRedisUrl(saved);
  if (before === null || typeof before === 'string' || !sameRedisServer(given, before))
    throw new ValidationError(
      path,
      `the password is hidden (${HIDDEN_PASSWORD}) and no password is saved for this server: type it`,
    );
  const { scheme, user, server } = around(text);
  return `${scheme}${user ?? ''}:${encodeURIComponent(before.password)}@${server}`;
}

/** A Redis URL field; with `allowEmpty`, '' means "no Redis". */
export function redisUrl(options: { allowEmpty?: boolean } = {}): Schema<string> {
  return {
    parse(value, path = 'value') {
      if (typeof value !== 'string') throw new ValidationError(path, 'must be text (a Redis URL)');
      const text = value.trim();
      if (text === '') {
        if (options.allowEmpty) return '';
        throw new ValidationError(path, `must not be empty: give a Redis URL, ${REDIS_URL_FORM}`);
      }
      const parts = parseRedisUrl(text);
      if (typeof parts === 'string') throw new ValidationError(path, parts);
      return text;
    },
  };
}

/** Params of setHubSettings: `redis` '' turns the hub off (every job runs in the lab). */
export const setHubSettingsSchema = object({
  redis: redisUrl({ allowEmpty: true }),
  /** Whether the lab's own threads also train (else remote workers only). */
  localWorkers: withDefault(boolean(), true),
});

export const testRedisSchema = object({ redis: redisUrl() });

/** Where the running lab's Redis comes from. */
export type HubSource = 'settings' | 'environment' | 'flag' | 'none';

export interface HubSettingsView {
  /** The saved URL, its password as `***`; null when none is saved. */
  redis: string | null;
  /** Saved: whether the lab's own threads train too. */
  localWorkers: boolean;
  /**
   * What the running lab uses: these settings, MBH_LAB_REDIS or serve's --redis (which
   * override the settings until the lab restarts without them), or no Redis.
   */
  source: HubSource;
  /** The hub as it runs now: its Redis (password hidden), its own training threads, its queue. */
  active: { redis: string; localWorkers: number; queue: string } | null;
  /**
   * 'connected': remote dispatch runs; 'off': no Redis; 'failed': the saved Redis could
   * not be reached when the lab started (`error` says why), jobs run here meanwhile.
   */
  status: 'connected' | 'off' | 'failed';
  error: string | null;
  /** Remote workers that take this lab's jobs now. */
  remoteWorkers: number;
}

/** Why a connection test failed, by kind (the message says it in words). */
export type RedisProblem = 'dns' | 'refused' | 'timeout' | 'auth' | 'tls' | 'protocol' | 'other';

export interface RedisTestResult {
  ok: boolean;
  problem: RedisProblem | null;
  /** "connected to Redis 7.0.15 at host:port; 2 workers …" or what went wrong, in words. */
  message: string;
  /** The server's version when connected. */
  serverVersion: string | null;
  /** Live remote workers on the lab's queue when connected. */
  workers: number | null;
}

/** The api methods of the hub settings (spread into the contract's method table). */
export const hubSettingsMethods = {
  /** The hub settings: the saved Redis (password hidden), where the running one comes from. */
  getHubSettings: object({}),
  /** Saves the hub settings and applies them now (a Redis is tested and connected first). */
  setHubSettings: setHubSettingsSchema,
  /** One connection to a Redis URL, not kept: connected, or why not in words. */
  testRedisConnection: testRedisSchema,
};

export interface HubSettingsResults {
  getHubSettings: HubSettingsView;
  setHubSettings: HubSettingsView;
  testRedisConnection: RedisTestResult;
}
