/**
 * The preload bridge: what the sandboxed renderer sees as `window.mbhLab`. It forwards
 * calls over one IPC channel and events over another, and exposes nothing else of
 * Electron. Written against a minimal `ipcRenderer` shape so that tests need no Electron.
 */
import type { MethodName } from '../../src-shared/api/contract.ts';
import type { EventMessage, ResultMessage } from '../../src-shared/api/wire.ts';

export const CALL_CHANNEL = 'mbh-lab:call';
export const EVENT_CHANNEL = 'mbh-lab:event';

export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

export interface LabBridge {
  call(method: MethodName, params: unknown): Promise<ResultMessage>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

export function createBridge(ipcRenderer: IpcRendererLike): LabBridge {
  return {
    call: (method, params) =>
      ipcRenderer.invoke(CALL_CHANNEL, method, params) as Promise<ResultMessage>,
    onEvent(listener) {
      // Wrap so the renderer never sees Electron's event object (it carries `sender`).
      const forward = (_event: unknown, message: unknown) => listener(message as EventMessage);
      ipcRenderer.on(EVENT_CHANNEL, forward);
      return () => ipcRenderer.removeListener(EVENT_CHANNEL, forward);
    },
  };
}
