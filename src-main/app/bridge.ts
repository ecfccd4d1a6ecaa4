/**
 * The preload bridge: what the sandboxed renderer sees as `window.mbhLab`. It forwards
 * calls over one IPC channel and events over another, and exposes nothing else of
 * Electron. Written against a minimal `ipcRenderer` shape so that tests need no Electron.
 */
import type { MethodName } from '../../src-shared/api/contract.ts';
import type { EventMessage, ResultMessage } from '../../src-shared/api/wire.ts';

export const CALL_CHANNEL = 'mbh-lab:call';
export const EVENT_CHANNEL = 'mbh-lab:event';
/** Cancels a running call by the id its caller gave it. */
export const CANCEL_CHANNEL = 'mbh-lab:cancel';
/** The main process's file dialogs (file-dialogs.ts); the preload cannot import that file's Node side. */
export const OPEN_FILE_CHANNEL = 'mbh-lab:open-file';
export const OPEN_FILES_CHANNEL = 'mbh-lab:open-files';
export const SAVE_FILE_CHANNEL = 'mbh-lab:save-file';
/** A file dropped on (or picked in) the window: its path, which the lab may then read. */
export const DROPPED_FILE_CHANNEL = 'mbh-lab:dropped-file';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Electron's `webUtils` as the preload uses it: a dropped File's path on disk ('' if none). */
export interface WebUtilsLike {
  getPathForFile(file: never): string;
}

export interface LabBridge {
  /** `callId` (the caller's own number) lets `cancel(callId)` stop the call. */
  call(method: MethodName, params: unknown, callId?: number): Promise<ResultMessage>;
  cancel(callId: number): Promise<unknown>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  /** The main process's open dialog: the chosen file's path, or null when cancelled. */
  openFile(options: { filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  /** The open dialog choosing several files (a tfjs model.json and its shards); null when cancelled. */
  openFiles(options: {
    filters: { name: string; extensions: string[] }[];
  }): Promise<string[] | null>;
  /** The main process's save dialog: the chosen path, or null when cancelled. */
  saveFile(options: { defaultName: string }): Promise<string | null>;
  /**
   * The path of a File the user dropped on the window or picked in it, which calls may
   * then name (`{ path }`); null for a File without one (made by the page). The preload
   * asks Electron for the path itself, so a page can only pass File objects, never a path.
   */
  pathForFile(file: unknown): Promise<string | null>;
}

export function createBridge(ipcRenderer: IpcRendererLike, webUtils?: WebUtilsLike): LabBridge {
  return {
    call: (method, params, callId) =>
      ipcRenderer.invoke(CALL_CHANNEL, method, params, callId) as Promise<ResultMessage>,
    cancel: (callId) => ipcRenderer.invoke(CANCEL_CHANNEL, callId),
    openFile: (options) => ipcRenderer.invoke(OPEN_FILE_CHANNEL, options) as Promise<string | null>,
    openFiles: (options) =>
      ipcRenderer.invoke(OPEN_FILES_CHANNEL, options) as Promise<string[] | null>,
    saveFile: (options) => ipcRenderer.invoke(SAVE_FILE_CHANNEL, options) as Promise<string | null>,
    async pathForFile(file) {
      let path = '';
      try {
        path = webUtils?.getPathForFile(file as never) ?? '';
      } catch {
        return null; // not a File
      }
      if (path === '') return null;
      return ipcRenderer.invoke(DROPPED_FILE_CHANNEL, path) as Promise<string | null>;
    },
    onEvent(listener) {
      // Wrap so the renderer never sees Electron's event object (it carries `sender`).
      const forward = (_event: unknown, message: unknown) => listener(message as EventMessage);
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    },
  };
}
