/**
 * The desktop transport: the preload script's bridge (`window.mbhLab`), which forwards to
 * the main process over IPC. Typed arrays cross by structured clone, so no codec here.
 * A call whose signal aborts rejects at once and asks the main process to cancel it.
 */
import { CANCELLED } from '../../../src-shared/api/call.ts';
import type { MethodName } from '../../../src-shared/api/contract.ts';
import { ApiError, type EventMessage, type ResultMessage } from '../../../src-shared/api/wire.ts';
import type { Transport } from './transport.ts';

/** What the preload exposes on `window.mbhLab`; see src-main/app/bridge.ts. */
export interface LabBridge {
  call(method: MethodName, params: unknown, callId?: number): Promise<ResultMessage>;
  cancel(callId: number): Promise<unknown>;
  onEvent(listener: (message: EventMessage) => void): () => void;
  /** The main process's open dialog: the chosen file's path, or null when cancelled. */
  openFile?(options: { filters: { name: string; extensions: string[] }[] }): Promise<string | null>;
  /** The open dialog choosing several files; null when cancelled. */
  openFiles?(options: {
    filters: { name: string; extensions: string[] }[];
  }): Promise<string[] | null>;
  /** The main process's save dialog: the chosen path, or null when cancelled. */
  saveFile?(options: { defaultName: string }): Promise<string | null>;
  /** A dropped or picked File's path, granted to calls; null if it has none. */
  pathForFile?(file: File): Promise<string | null>;
}

export function createIpcTransport(bridge: LabBridge): Transport {
  let callIds = 0;
  const cancelled = () => new ApiError({ name: CANCELLED, message: 'cancelled' });
  return {
    name: 'ipc',
    connected: true,
    async call(method, params, options) {
      const signal = options?.signal;
      if (!signal) {
        const result = await bridge.call(method, params);
        if (result.ok) return result.value;
        throw new ApiError(result.error);
      }
      if (signal.aborted) throw cancelled();
      const callId = ++callIds;
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          void bridge.cancel(callId);
          reject(cancelled());
        };
        signal.addEventListener('abort', onAbort, { once: true });
        bridge.call(method, params, callId).then(
          (result) => {
            signal.removeEventListener('abort', onAbort);
            if (result.ok) resolve(result.value);
            else reject(new ApiError(result.error));
          },
          (error: unknown) => {
            signal.removeEventListener('abort', onAbort);
            reject(error instanceof Error ? error : new Error(String(error)));
          },
        );
      });
    },
    subscribe(listener) {
      return bridge.onEvent(listener);
    },
    onConnectionChange() {
      return () => {};
    },
  };
}
