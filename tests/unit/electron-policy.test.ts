/**
 * The desktop app's rules (src-main/app/policy.ts), run without Electron: the CSP, the
 * dev server only in unpackaged runs, navigation and IPC only from the app, no permission.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  allowPermission,
  CONTENT_SECURITY_POLICY,
  devServerUrl,
  isAppUrl,
  isTrustedFrame,
} from '../../src-main/app/policy.ts';

/** A CSP as directive → sources. */
function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((part) => part.trim().split(/\s+/))
      .filter((words) => words[0] !== '')
      .map(([name, ...sources]) => [name, sources]),
  );
}

describe('the content security policy', () => {
  it('lets the page connect to its own origin only (the api travels over IPC)', () => {
    const csp = directives(CONTENT_SECURITY_POLICY);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    for (const name of ['object-src', 'frame-src', 'worker-src', 'base-uri', 'form-action'])
      expect(csp.get(name), name).toEqual(["'none'"]);
  });

  it('is no looser in the renderer page itself (meta tag, also used by browser mode)', () => {
    const html = readFileSync(new URL('../../src-renderer/index.html', import.meta.url), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta).not.toBeNull();
    const csp = directives(meta![1]);
    expect(csp.get('connect-src')).toEqual(["'self'"]);
    expect(csp.get('script-src')).toEqual(["'self'"]);
    expect(csp.get('default-src')).toEqual(["'self'"]);
  });
});

describe('ELECTRON_RENDERER_URL', () => {
  const dev = { ELECTRON_RENDERER_URL: 'http://localhost:5173/' };

  it('is honoured in a development run only, never in a packaged app', () => {
    expect(devServerUrl(dev, false)).toBe('http://localhost:5173/');
    expect(devServerUrl(dev, true)).toBeNull();
    expect(devServerUrl({}, false)).toBeNull();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: '' }, false)).toBeNull();
  });

  it('must be an http URL on the loopback', () => {
    for (const url of [
      'https://evil.example/',
      'http://192.168.1.5:5173/',
      'file:///tmp/index.html',
      'javascript:alert(1)',
      'not a url',
    ])
      expect(devServerUrl({ ELECTRON_RENDERER_URL: url }, false), url).toBeNull();
    expect(devServerUrl({ ELECTRON_RENDERER_URL: 'http://127.0.0.1:5173' }, false)).toBe(
      'http://127.0.0.1:5173/',
    );
  });
});

describe('navigation', () => {
  it('stays on the app origin, and on the dev server only when one is in use', () => {
    expect(allowNavigation('app://lab/index.html#/runs', null)).toBe(true);
    for (const url of [
      'https://example.com/',
      'file:///etc/passwd',
      'app://other/index.html',
      'http://localhost:5173/',
      'data:text/html,<script>1</script>',
      'javascript:alert(1)',
      '',
    ])
      expect(allowNavigation(url, null), url).toBe(false);
    expect(allowNavigation('http://localhost:5173/#/compare', 'http://localhost:5173/')).toBe(true);
    expect(allowNavigation('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isAppUrl('app://lab/index.html', 'http://localhost:5173/')).toBe(true);
  });
});

describe('IPC senders', () => {
  it('are main frames showing the app; subframes and other pages are refused', () => {
    const main = { url: 'app://lab/index.html#/runs', top: null };
    expect(isTrustedFrame(main, null)).toBe(true);
    const sub = { url: 'app://lab/index.html', top: main };
    expect(isTrustedFrame(sub, null)).toBe(false);
    const self: { url: string; top: unknown } = { url: 'app://lab/index.html', top: null };
    self.top = self;
    expect(isTrustedFrame(self, null)).toBe(true);
    expect(isTrustedFrame({ url: 'https://evil.example/', top: null }, null)).toBe(false);
    expect(isTrustedFrame({ url: 'file:///tmp/index.html', top: null }, null)).toBe(false);
    expect(isTrustedFrame(null, null)).toBe(false);
    expect(isTrustedFrame({ top: null }, null)).toBe(false);
  });
});

describe('permissions', () => {
  it('grants none, whatever is asked', () => {
    for (const permission of [
      'media',
      'geolocation',
      'notifications',
      'clipboard-read',
      'clipboard-sanitized-write',
      'fullscreen',
      'openExternal',
      'hid',
      'serial',
      'usb',
      'fileSystem',
      'unknown',
    ])
      expect(allowPermission(permission), permission).toBe(false);
  });
});
