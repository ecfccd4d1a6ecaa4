/**
 * The desktop app's own origin, `app://lab`: the built renderer folder served through
 * `protocol.handle`, instead of `file://` (where every page could read any local file and
 * all files share one opaque origin). Registered as standard and secure before the app is
 * ready, so the page has a real origin for CSP 'self', storage and the IPC sender check.
 *
 * The resolution of a URL to a file and the response are plain functions of a folder and
 * a Request, with no Electron in them, so that tests can run them on Node.
 */
import { readFile, realpath, stat } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve, sep } from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'lab';
/** The page the window loads. */
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** What the app's responses declare as their type; anything else is not served. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Whether `url` is on the app's origin (`app://lab/…`, any path, query or hash). */
export function isAppOrigin(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
  } catch {
    return false;
  }
}

export type Resolution =
  | { ok: true; path: string; contentType: string }
  | { ok: false; status: 400 | 403 | 404; reason: string };

/**
 * The file under `root` that `url` names, or why there is none. Only the app's origin is
 * served; the path is percent-decoded once (a malformed escape is refused) and must stay
 * inside `root` after `..` segments and encoded slashes are resolved; `/` is index.html;
 * only known file types are served, so nothing is ever sniffed.
 */
export function resolveAppPath(root: string, url: string): Resolution {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' };
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) {
    return {
      ok: false,
      status: 403,
      reason: `not the app's origin: ${parsed.protocol}//${parsed.host}`,
    };
  }
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return { ok: false, status: 400, reason: 'malformed %-encoding in the path' };
  }
  if (path.includes('\0') || path.includes('\\')) {
    return { ok: false, status: 400, reason: 'NUL or backslash in the path' };
  }
  if (path === '/' || path === '') path = '/index.html';
  const base = resolve(root);
  const file = resolve(base, `.${path}`);
  const inside = relative(base, file);
  if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
    return { ok: false, status: 403, reason: 'outside the app folder' };
  }
  const contentType = CONTENT_TYPES[extname(file).toLowerCase()];
  if (contentType === undefined) {
    return { ok: false, status: 404, reason: `no such file type: ${extname(file) || '(none)'}` };
  }
  return { ok: true, path: file, contentType };
}

const plain = (status: number, text: string, headers: Record<string, string>) =>
  new Response(text, {
    status,
    headers: { ...headers, 'Content-Type': 'text/plain; charset=utf-8' },
  });

/**
 * Answers one request for the app's files: GET or HEAD only, the file's bytes with its
 * type and `headers` (the CSP and friends), or a plain 4xx naming what is wrong. A symlink
 * inside the folder that points outside it is refused like a `..` path.
 */
export async function respondWithAppFile(
  root: string,
  request: Request,
  headers: Record<string, string>,
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return plain(405, `${request.method} is not allowed`, { ...headers, Allow: 'GET, HEAD' });
  }
  const resolved = resolveAppPath(root, request.url);
  if (!resolved.ok) return plain(resolved.status, resolved.reason, headers);
  try {
    const [real, base] = await Promise.all([realpath(resolved.path), realpath(root)]);
    const inside = relative(base, real);
    if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      return plain(403, 'outside the app folder', headers);
    }
    if (!(await stat(real)).isFile()) return plain(404, 'not a file', headers);
    const body = request.method === 'HEAD' ? null : await readFile(real);
    return new Response(body, {
      status: 200,
      headers: {
        ...headers,
        'Content-Type': resolved.contentType,
        'X-Content-Type-Options': 'nosniff',
        'Cache-Control': 'no-cache',
      },
    });
  } catch {
    return plain(404, 'no such file', headers);
  }
}
