/**
 * The lab's one window and the rules every web page in the app lives under: context
 * isolation, sandbox, no Node in the page, a strict CSP (as a header here and a meta tag
 * in index.html), no new windows, no navigation away from the bundled page, no
 * permissions. Only frames showing that page may call the lab (`isTrustedFrame`).
 */
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BrowserWindow, type Session, type WebContents, type WebFrameMain } from 'electron';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self' ws://127.0.0.1:*",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

/** Built files beside the bundled main (out/main/index.js). */
export const PRELOAD_PATH = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
export const RENDERER_INDEX = fileURLToPath(new URL('../renderer/index.html', import.meta.url));

/** electron-vite's dev server, when `npm run dev` runs the renderer with hot reload. */
const devServer = process.env.ELECTRON_RENDERER_URL ?? null;
const rendererFileUrl = pathToFileURL(RENDERER_INDEX).href;

/** Whether a URL is the bundled page itself (any hash), or the dev server in dev mode. */
export function isAppUrl(url: string): boolean {
  const withoutHash = url.split('#')[0];
  if (withoutHash === rendererFileUrl) return true;
  return devServer !== null && new URL(url).origin === new URL(devServer).origin;
}

/** IPC sender check: a main frame of our page; never a subframe or another document. */
export function isTrustedFrame(frame: unknown): boolean {
  const candidate = frame as WebFrameMain | null;
  if (!candidate || typeof candidate.url !== 'string') return false;
  if (candidate.top !== null && candidate.top !== candidate) return false;
  return isAppUrl(candidate.url);
}

/** CSP as a response header on everything this session loads, and no permissions at all. */
export function hardenSession(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
}

/** Applied to every web contents the app creates (the window, devtools aside). */
export function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (!isAppUrl(url)) event.preventDefault();
  };
  contents.on('will-navigate', stayHome);
  contents.on('will-redirect', stayHome);
}

export function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1480,
    height: 920,
    minWidth: 1024,
    minHeight: 640,
    show: false,
    title: 'MBH Lab',
    backgroundColor: '#f4f5f7',
    webPreferences: {
      preload: PRELOAD_PATH,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  if (devServer) void window.loadURL(devServer);
  else void window.loadFile(RENDERER_INDEX);
  return window;
}

/** Moves the page to a view (`#/runs`, …) without reloading it. */
export function navigate(window: BrowserWindow, hash: string): void {
  if (!/^#\/[a-z]+$/.test(hash)) throw new Error(`not a view route: ${hash}`);
  void window.webContents.executeJavaScript(`window.location.hash = ${JSON.stringify(hash)}`);
}
