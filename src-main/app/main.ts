/**
 * The desktop app's main process: one window, one lab. The LabService runs here and does
 * its heavy work (training, partitions, blankets) in worker threads; the window reaches it
 * only through the validated IPC binding. A second launch focuses the first window; quitting
 * pauses running jobs, which resume from their last checkpoint on the next start. The lab is
 * the hub of its zoo: the command line on the same zoo reaches it through the endpoint it
 * advertises beside the zoo (src-main/hub), so a sweep started here can be scripted there.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { startHub, type RunningHub } from '../hub/hub-endpoint.ts';
import { LabService } from '../lab/service.ts';
import { bindLabIpc, type LabIpcBinding } from './ipc.ts';
import { bindFileDialogs, PathGrants } from './file-dialogs.ts';
import { buildMenu } from './menu.ts';
import {
  createMainWindow,
  hardenContents,
  hardenSession,
  isTrustedFrame,
  registerAppScheme,
  serveApp,
} from './window.ts';

let window: BrowserWindow | null = null;
let service: LabService | null = null;
let binding: LabIpcBinding | null = null;
let hub: RunningHub | null = null;
let zooPath: string | null = null;
let closing: Promise<void> | null = null;

function openWindow(): void {
  window = createMainWindow();
  binding?.attach(window.webContents);
  window.on('closed', () => {
    window = null;
  });
}

async function start(): Promise<void> {
  hardenSession(session.defaultSession);
  serveApp(session.defaultSession);
  // The app is the hub of remote workers (README: Several machines) by its settings, or
  // by MBH_LAB_REDIS, which overrides them.
  const redis = process.env.MBH_LAB_REDIS || undefined;
  service = await LabService.open({
    shell: 'electron',
    hubSettings: true,
    ...(redis ? { redis, redisSource: 'environment' as const } : {}),
  });
  // Imports and exports name files by the paths the dialogs gave (no content over IPC).
  const grants = new PathGrants();
  binding = bindLabIpc({ service, ipcMain, isTrustedSender: isTrustedFrame, grants });
  bindFileDialogs({ ipcMain, dialogs: dialog, grants, isTrustedSender: isTrustedFrame });
  await service.start();
  const info = await service.info({});
  zooPath = info.zooPath;
  // Without the endpoint the window works as before; the command line then says the zoo is in use.
  hub = await startHub({
    service,
    zooFile: info.zooPath,
    home: service.paths.home,
    appVersion: info.version,
    shell: info.shell,
  }).catch((error: unknown) => {
    console.error(`MBH Lab: the command line cannot reach this lab: ${String(error)}`);
    return null;
  });
  Menu.setApplicationMenu(buildMenu({ window: () => window, zooPath: () => zooPath }));
  openWindow();
}

/** Stops the lab once: running jobs are paused (not lost), the zoo is closed cleanly. */
function shutDown(): Promise<void> {
  closing ??= (async () => {
    binding?.dispose();
    binding = null;
    await hub?.close();
    hub = null;
    await service?.close({ pauseRunning: true });
    service = null;
  })();
  return closing;
}

// Before the app is ready, or Electron ignores it: `app://` is then a standard, secure origin.
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another instance owns the zoo; it focuses its window (below) and this one leaves.
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!window) return;
    if (window.isMinimized()) window.restore();
    window.focus();
  });

  app.on('web-contents-created', (_event, contents) => hardenContents(contents));

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0 && service) openWindow();
  });

  app.on('before-quit', (event) => {
    if (service === null) return;
    event.preventDefault();
    shutDown().then(
      () => app.quit(),
      (error: unknown) => {
        dialog.showErrorBox(
          'MBH Lab',
          `Could not pause the running jobs cleanly:\n${String(error)}`,
        );
        app.exit(1);
      },
    );
  });

  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // E.g. the zoo is locked by a running `mbh-lab serve`: say so and leave.
      const message = error instanceof Error ? error.message : String(error);
      dialog.showErrorBox('MBH Lab could not start', message);
      app.exit(1);
    });
}
