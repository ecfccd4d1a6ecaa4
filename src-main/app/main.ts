/**
 * The desktop app's main process: one window, one lab. The LabService runs here and does
 * its heavy work (training, partitions, blankets) in worker threads; the window reaches it
 * only through the validated IPC binding. A second launch focuses the first window; quitting
 * pauses running jobs, which resume from their last checkpoint on the next start.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, session } from 'electron';
import { LabService } from '../lab/service.ts';
import { bindLabIpc, type LabIpcBinding } from './ipc.ts';
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
  service = await LabService.open({ shell: 'electron' });
  binding = bindLabIpc({ service, ipcMain, isTrustedSender: isTrustedFrame });
  await service.start();
  zooPath = (await service.info({})).zooPath;
  Menu.setApplicationMenu(buildMenu({ window: () => window, zooPath: () => zooPath }));
  openWindow();
}

/** Stops the lab once: running jobs are paused (not lost), the zoo is closed cleanly. */
function shutDown(): Promise<void> {
  closing ??= (async () => {
    binding?.dispose();
    binding = null;
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
