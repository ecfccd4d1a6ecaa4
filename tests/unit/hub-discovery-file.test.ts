/**
 * The hub's discovery file: written whole and owner-only, read back only when it is a
 * well-formed advert of a loopback endpoint, removed only by the lab that wrote it.
 */
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  discoveryPath,
  newToken,
  processAlive,
  readDiscovery,
  removeDiscovery,
  writeDiscovery,
  type HubAdvert,
} from '../../src-main/hub/discovery.ts';

const dir = mkdtempSync(join(tmpdir(), 'mbh-discovery-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const zooFile = join(dir, 'zoo.sqlite');

function advert(overrides: Partial<HubAdvert> = {}): HubAdvert {
  return {
    format: 'mbh-lab-hub',
    version: 1,
    url: 'ws://127.0.0.1:4567/api',
    port: 4567,
    pid: process.pid,
    token: newToken(),
    appVersion: '0.1.0',
    shell: 'browser',
    zooFile,
    home: dir,
    startedAt: new Date(0).toISOString(),
    ...overrides,
  };
}

describe('the discovery file', () => {
  it('is written owner-only (0600) beside the zoo, with no temporary left', () => {
    const written = advert();
    writeDiscovery(written);
    expect(discoveryPath(zooFile)).toBe(`${zooFile}.hub.json`);
    expect(statSync(discoveryPath(zooFile)).mode & 0o777).toBe(0o600);
    expect(readDiscovery(zooFile)).toEqual(written);
    expect(readdirSync(dir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('replaces an older one whole', () => {
    const newer = advert({ port: 5678, url: 'ws://127.0.0.1:5678/api' });
    writeDiscovery(newer);
    expect(readDiscovery(zooFile)).toEqual(newer);
  });

  it('is removed only by the lab whose token it holds', () => {
    const mine = advert();
    writeDiscovery(mine);
    removeDiscovery(zooFile, newToken());
    expect(readDiscovery(zooFile)).toEqual(mine);
    removeDiscovery(zooFile, mine.token);
    expect(readDiscovery(zooFile)).toBeNull();
  });

  it('advertises nothing when torn, malformed or pointing off this machine', () => {
    const path = discoveryPath(zooFile);
    const bad: [string, string][] = [
      ['torn', JSON.stringify(advert()).slice(0, 40)],
      ['not an object', '[1, 2]'],
      ['another format', JSON.stringify({ ...advert(), format: 'other' })],
      ['a later version', JSON.stringify({ ...advert(), version: 2 })],
      ['a remote address', JSON.stringify({ ...advert(), url: 'ws://10.0.0.5:4567/api' })],
      ['no token', JSON.stringify({ ...advert(), token: '' })],
      ['a bad pid', JSON.stringify({ ...advert(), pid: -1 })],
    ];
    for (const [what, text] of bad) {
      writeFileSync(path, text, { mode: 0o600 });
      expect(readDiscovery(zooFile), what).toBeNull();
    }
    rmSync(path);
    expect(readDiscovery(zooFile)).toBeNull();
  });

  it('advertises nothing when others could have written it (group or world permissions)', () => {
    const good = advert();
    writeDiscovery(good);
    for (const mode of [0o640, 0o604, 0o660, 0o666]) {
      chmodSync(discoveryPath(zooFile), mode);
      expect(readDiscovery(zooFile), mode.toString(8)).toBeNull();
    }
    chmodSync(discoveryPath(zooFile), 0o600);
    expect(readDiscovery(zooFile)).toEqual(good);
    rmSync(discoveryPath(zooFile));
  });

  it('tells a live pid from one that is gone', () => {
    expect(processAlive(process.pid)).toBe(true);
    // Above Linux's pid_max (4,194,304): no process can have it.
    expect(processAlive(4_194_305)).toBe(false);
  });

  it('makes tokens of 32 random bytes', () => {
    const tokens = new Set(Array.from({ length: 100 }, newToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
