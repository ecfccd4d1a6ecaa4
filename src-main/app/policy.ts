/**
 * The rules every page of the desktop app lives under, as plain functions (no Electron in
 * this file, so tests run them on Node): the CSP, which origin counts as the app, where a
 * frame may navigate, which permissions are granted (none), and when the electron-vite
 * dev server may stand in for the built renderer (only in an unpackaged development run).
 */
import { isAppOrigin } from './protocol.ts';

/**
 * The app's CSP. The lab's api travels over IPC, not the network, so `connect-src` is
 * only the app's own origin; no frames, workers, plugins, forms or foreign bases.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-src 'none'",
  "worker-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Headers on every response of the app's origin. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/**
 * The electron-vite dev server's URL (ELECTRON_RENDERER_URL, set by `electron-vite dev`)
 * when it may be used: never in a packaged app, where that variable would let anyone who
 * can set the environment load a page of their choosing with the lab's IPC; and only an
 * http URL on this machine's loopback.
 */
export function devServerUrl(
  env: Readonly<Record<string, string | undefined>>,
  isPackaged: boolean,
): string | null {
  const value = env.ELECTRON_RENDERER_URL;
  if (isPackaged || value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  return url.protocol === 'http:' && loopback ? url.href : null;
}

/** Whether a URL shows the app: its own origin, or the dev server in a development run. */
export function isAppUrl(url: string, devServer: string | null): boolean {
  if (isAppOrigin(url)) return true;
  if (devServer === null) return false;
  try {
    return new URL(url).origin === new URL(devServer).origin;
  } catch {
    return false;
  }
}

/** A frame (main or sub) may navigate only within the app; anything else is refused. */
export function allowNavigation(url: string, devServer: string | null): boolean {
  return isAppUrl(url, devServer);
}

/**
 * Permissions the app uses: none. Exports are downloads, not clipboard or file-system
 * access; no media, notifications, geolocation, MIDI, HID, serial, USB or fullscreen.
 */
export const GRANTED_PERMISSIONS: ReadonlySet<string> = new Set();

export function allowPermission(permission: string): boolean {
  return GRANTED_PERMISSIONS.has(permission);
}

/** The part of a frame the IPC sender check reads. */
export interface FrameLike {
  url: string;
  readonly top: FrameLike | null;
}

/** IPC sender check: a main frame showing the app; never a subframe or another page. */
export function isTrustedFrame(frame: unknown, devServer: string | null): boolean {
  const candidate = frame as FrameLike | null;
  if (!candidate || typeof candidate.url !== 'string') return false;
  if (candidate.top !== null && candidate.top !== candidate) return false;
  return isAppUrl(candidate.url, devServer);
}
