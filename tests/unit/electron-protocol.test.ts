/**
 * The desktop app's `app://lab` origin (src-main/app/protocol.ts), run on Node with real
 * Requests against a real folder: the built renderer is served with its MIME types and
 * the app's headers, and no URL reaches a file outside the folder.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  APP_URL,
  isAppOrigin,
  resolveAppPath,
  respondWithAppFile,
} from '../../src-main/app/protocol.ts';
import { SECURITY_HEADERS } from '../../src-main/app/policy.ts';

const scratch = mkdtempSync(join(tmpdir(), 'mbh-app-protocol-'));
const root = join(scratch, 'renderer');
mkdirSync(join(root, 'assets', 'folder.js'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>MBH Lab</title>');
writeFileSync(join(root, 'assets', 'index-abc.js'), 'export const lab = 1;');
writeFileSync(join(root, 'assets', 'index-abc.css'), 'body{}');
writeFileSync(join(root, 'assets', 'engine.wasm'), Buffer.from([0, 97, 115, 109]));
writeFileSync(join(root, 'assets', 'tool.exe'), 'MZ');
writeFileSync(join(scratch, 'secret.js'), 'stolen');
symlinkSync(join(scratch, 'secret.js'), join(root, 'assets', 'link.js'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const get = (url: string, method = 'GET') =>
  respondWithAppFile(root, new Request(url, { method }), SECURITY_HEADERS);

describe('app:// serves the built renderer', () => {
  it('answers the page and its assets with their types and the security headers', async () => {
    const page = await get(APP_URL);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<!doctype html><title>MBH Lab</title>');
    for (const [name, value] of Object.entries(SECURITY_HEADERS))
      expect(page.headers.get(name)).toBe(value);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await get('app://lab/')).status).toBe(200);
    expect(await (await get('app://lab/#/runs?experiment=2')).text()).toContain('MBH Lab');
    const types: [string, string][] = [
      ['app://lab/assets/index-abc.js', 'text/javascript; charset=utf-8'],
      ['app://lab/assets/index-abc.css', 'text/css; charset=utf-8'],
      ['app://lab/assets/engine.wasm', 'application/wasm'],
    ];
    for (const [url, type] of types) {
      const response = await get(url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toBe(type);
    }
    expect(new Uint8Array(await (await get('app://lab/assets/engine.wasm')).arrayBuffer())).toEqual(
      new Uint8Array([0, 97, 115, 109]),
    );
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get(APP_URL, 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    const post = await get(APP_URL, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves nothing outside the folder, however the path is written', async () => {
    const refused: [string, number][] = [
      ['app://lab/..%2f..%2fsecret.js', 403],
      ['app://lab/assets/..%2f..%2fsecret.js', 403],
      ['app://lab/%2e%2e%2fsecret.js', 403],
      ['app://lab/assets%5c..%5c..%5csecret.js', 400],
      ['app://lab/index.html%00.js', 400],
      ['app://lab/%E0%A4%A.js', 400],
      ['app://lab/assets/link.js', 403], // a symlink out of the folder
      ['app://other/index.html', 403],
      ['file:///etc/passwd', 403],
    ];
    for (const [url, status] of refused) {
      const response = await get(url);
      expect(response.status, url).toBe(status);
      expect(await response.text(), url).not.toContain('stolen');
      expect(response.headers.get('content-security-policy'), url).toBe(
        SECURITY_HEADERS['Content-Security-Policy'],
      );
    }
    // `..` segments are resolved by the URL itself, to a path inside the folder.
    expect(new Request('app://lab/../../secret.js').url).toBe('app://lab/secret.js');
    expect((await get('app://lab/../../secret.js')).status).toBe(404);
    expect((await get('app://lab/%2e%2e/%2e%2e/secret.js')).status).toBe(404);
  });

  it('serves only files of known types, and no folders', async () => {
    expect((await get('app://lab/assets/tool.exe')).status).toBe(404);
    expect((await get('app://lab/assets/missing.js')).status).toBe(404);
    expect((await get('app://lab/assets/folder.js')).status).toBe(404);
    expect(await (await get('app://lab/assets/tool.exe')).text()).toBe('no such file type: .exe');
  });
});

describe('resolveAppPath', () => {
  it('names why a URL has no file', () => {
    expect(resolveAppPath(root, 'app://lab/..%2fx.js')).toEqual({
      ok: false,
      status: 403,
      reason: 'outside the app folder',
    });
    expect(resolveAppPath(root, 'not a url')).toEqual({
      ok: false,
      status: 400,
      reason: 'not a URL',
    });
    expect(resolveAppPath(root, 'https://lab/index.html')).toEqual({
      ok: false,
      status: 403,
      reason: "not the app's origin: https://lab",
    });
    expect(resolveAppPath(root, 'app://lab/index.html')).toEqual({
      ok: true,
      path: join(root, 'index.html'),
      contentType: 'text/html; charset=utf-8',
    });
  });

  it('knows the app origin from anything else', () => {
    expect(isAppOrigin('app://lab/index.html#/compare')).toBe(true);
    expect(isAppOrigin('app://lab.evil/index.html')).toBe(false);
    expect(isAppOrigin('app://other/')).toBe(false);
    expect(isAppOrigin('http://lab/')).toBe(false);
    expect(isAppOrigin('::')).toBe(false);
  });
});
