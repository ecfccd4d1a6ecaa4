/**
 * How a running lab (the desktop app or `mbh-lab serve`) advertises itself to other
 * processes on its zoo: a discovery file beside the zoo, `<zoo>.hub.json`, with the
 * address of its api endpoint, a random token for it, its pid and version. The file is
 * written to a temporary with mode 0600 (its owner only: the token is a key to the lab)
 * and renamed into place, so a reader never sees it half-written; the lab removes it on a
 * clean exit. One left by a crash is stale: its pid is gone, or its address does not
 * answer with the token and the zoo (see hub-client.ts); readers ignore it and the next
 * lab on the zoo replaces it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';

export interface HubAdvert {
  format: 'mbh-lab-hub';
  version: 1;
  /** The api endpoint: `ws://127.0.0.1:PORT/api`. */
  url: string;
  port: number;
  pid: number;
  /** Random, base64url; the endpoint compares it in constant time. */
  token: string;
  /** The lab's version (package.json). */
  appVersion: string;
  /** 'electron' (the desktop app) or 'browser' (`mbh-lab serve`). */
  shell: string;
  /** The zoo file, resolved: the endpoint's `info` answers with the same. */
  zooFile: string;
  /** The lab's folder (dataset cache). */
  home: string;
  startedAt: string;
  /**
   * `mbh-lab serve`'s page with its access token (as serve printed it), so that a second
   * serve on the zoo can send the user there; absent for the desktop app (no page).
   */
  browserUrl?: string;
}

export function discoveryPath(zooFile: string): string {
  return `${zooFile}.hub.json`;
}

export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Writes the advert atomically, readable and writable by its owner only. */
export function writeDiscovery(advert: HubAdvert): void {
  const path = discoveryPath(advert.zooFile);
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(advert, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/** Removes the advert if it is still this lab's (a newer lab may have replaced it). */
export function removeDiscovery(zooFile: string, token: string): void {
  const path = discoveryPath(zooFile);
  if (readDiscovery(zooFile)?.token === token) rmSync(path, { force: true });
}

/** Whether a process with this pid exists (EPERM: it does, under another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The advert beside a zoo, or null when there is none or it is unreadable or malformed
 * (torn by a crash, or not ours): such a file advertises nothing. Nor does one that
 * another user owns or could have written (group or world permissions): in a shared
 * folder it could send this user's commands, and their data, to someone else's server.
 */
export function readDiscovery(zooFile: string): HubAdvert | null {
  let text: string;
  try {
    const path = discoveryPath(zooFile);
    const info = statSync(path);
    if (!info.isFile() || (info.mode & 0o077) !== 0) return null;
    if (process.getuid && info.uid !== process.getuid()) return null;
    text = readFileSync(path, 'utf8');
  } catch {
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const advert = value as Record<string, unknown>;
  const isText = (key: string) => typeof advert[key] === 'string' && advert[key] !== '';
  const positive = (key: string) =>
    typeof advert[key] === 'number' && Number.isInteger(advert[key]) && (advert[key] as number) > 0;
  if (
    advert.format !== 'mbh-lab-hub' ||
    advert.version !== 1 ||
    !isText('url') ||
    !/^ws:\/\/127\.0\.0\.1:\d{1,5}\/api$/.test(advert.url as string) ||
    !positive('port') ||
    !positive('pid') ||
    !isText('token') ||
    !isText('zooFile') ||
    !isText('home') ||
    (advert.browserUrl !== undefined &&
      !/^http:\/\/127\.0\.0\.1:\d{1,5}\/\?token=[\w-]+$/.test(String(advert.browserUrl)))
  )
    return null;
  return value as HubAdvert;
}
