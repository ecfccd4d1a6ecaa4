/**
 * The desktop transport: the preload script's bridge (`window.mbhLab`), which forwards to
 * the main process over IPC. Typed arrays cross by structured clone, so no codec here.
 */
import type { MethodName } from '../../../src-shared/api/contract.ts';
import { ApiError, type EventMessage, type ResultMessage } from '../../../src-shared/api/wire.ts';
import type { Transport } from './transport.ts';

/** What the preload exposes on `window.mbhLab`; see src-main/app/bridge.ts. */
export interface LabBridge {
  call(method: MethodName, params: unknown): Promise<ResultMessage>;
  onEvent(listener: (message: EventMessage) => void): () => void;
}

export function createIpcTransport(bridge: LabBridge): Transport {
  return {
    name: 'ipc',
    connected: true,
    async call(method, params) {
      const result = await bridge.call(method, params);
      if (result.ok) return result.value;
      throw new ApiError(result.error);
    },
    subscribe(listener) {
      return bridge.onEvent(listener);
    },
    onConnectionChange() {
      return () => {};
    },
  };
}
