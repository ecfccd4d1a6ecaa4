/**
 * The lab's one window and the Electron side of the rules every page in the app lives
 * under (the rules themselves are plain functions in policy.ts): context isolation,
 * sandbox, no Node in the page, the page served from `app://lab` with a strict CSP, no
 * new windows, webviews or navigation away from the app, no permissions. Only main frames
 * showing the app may call the lab (`isTrustedFrame`).
 */
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow, protocol, type Session, type WebContents } from 'electron';
import {
  allowNavigation,
  allowPermission,
  devServerUrl,
  isTrustedFrame as isTrustedFrameFor,
  SECURITY_HEADERS,
} from './policy.ts';
import { APP_SCHEME, APP_URL, respondWithAppFile } from './protocol.ts';

/** Built files beside the bundled main (out/main/index.js). */
export const PRELOAD_PATH = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
export const RENDERER_ROOT = fileURLToPath(new URL('../renderer/', import.meta.url));

/** electron-vite's dev server (`npm run dev` with hot reload), in development runs only. */
const devServer = devServerUrl(process.env, app.isPackaged);

/** IPC sender check: a main frame of our page; never a subframe or another document. */
export function isTrustedFrame(frame: unknown): boolean {
  return isTrustedFrameFor(frame, devServer);
}

/**
 * Makes `app:` a standard, secure scheme (a real origin, like https) before the app is
 * ready, as Electron requires. Not a service-worker or CORS scheme: the page needs neither.
 */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
    },
  ]);
}

/** Serves the built renderer on `app://lab` in this session, with the security headers. */
export function serveApp(session: Session): void {
  session.protocol.handle(APP_SCHEME, (request) =>
    respondWithAppFile(RENDERER_ROOT, request, SECURITY_HEADERS),
  );
}

/**
 * The session's rules: no permission is granted (checked or requested, any origin), and
 * what the dev server sends carries the app's security headers too.
 */
export function hardenSession(session: Session): void {
  session.setPermissionCheckHandler((_contents, permission) => allowPermission(permission));
  session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(allowPermission(permission)),
  );
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers: Record<string, string[]> = { ...details.responseHeaders };
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers[name] = [value];
    callback({ responseHeaders: headers });
  });
}

/** Applied to every web contents the app creates (the window, devtools aside). */
export function hardenContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // No <webview>: the app has none, and one would be a page outside these rules.
  contents.on('will-attach-webview', (event) => event.preventDefault());
  const stayHome = (event: { preventDefault(): void }, url: string) => {
    if (!allowNavigation(url, devServer)) event.preventDefault();
  };
  // Main frame and subframes alike (will-frame-navigate), redirects included.
  contents.on('will-frame-navigate', (event) => stayHome(event, event.url));
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
      webviewTag: false,
      spellcheck: false,
    },
  });
  window.once('ready-to-show', () => window.show());
  void window.loadURL(devServer ?? APP_URL);
  return window;
}

/** Moves the page to a view (`#/runs`, …) without reloading it. */
export function navigate(window: BrowserWindow, hash: string): void {
  if (!/^#\/[a-z]+$/.test(hash)) throw new Error(`not a view route: ${hash}`);
  void window.webContents.executeJavaScript(`window.location.hash = ${JSON.stringify(hash)}`);
}
