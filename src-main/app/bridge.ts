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
export const SAVE_FILE_CHANNEL = 'mbh-lab:save-file';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface LabBridge {
  /** `callId` (the caller's own number) lets `cancel(callId)` stop the call. */
  call(method: MethodName, params: unknown, callId?: number): Promise<ResultMessage>;
  cancel(callId: number): Promise<unknown>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  /** The main process's open dialog: the chosen file's path, or null when cancelled. */
  openFile(options: { filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  /** The main process's save dialog: the chosen path, or null when cancelled. */
  saveFile(options: { defaultName: string }): Promise<string | null>;
}

export function createBridge(ipcRenderer: IpcRendererLike): LabBridge {
  return {
    call: (method, params, callId) =>
      ipcRenderer.invoke(CALL_CHANNEL, method, params, callId) as Promise<ResultMessage>,
    cancel: (callId) => ipcRenderer.invoke(CANCEL_CHANNEL, callId),
    openFile: (options) => ipcRenderer.invoke(OPEN_FILE_CHANNEL, options) as Promise<string | null>,
    saveFile: (options) => ipcRenderer.invoke(SAVE_FILE_CHANNEL, options) as Promise<string | null>,
    onEvent(listener) {
      // Wrap so the renderer never sees Electron's event object (it carries `sender`).
      const forward = (_event: unknown, message: unknown) => listener(message as EventMessage);
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    },
  };
}
