import type { CallSignal } from './call.ts';
import type { MethodName } from './contract.ts';
import type { EventMessage } from './wire.ts';

/**
 * How a client reaches the lab service: Electron's preload bridge, or a WebSocket (the
 * browser page of `mbh-lab serve`, and the command line beside a running lab).
 */
export interface Transport {
  readonly name: 'ipc' | 'websocket';
  /**
   * Resolves with the method's result or rejects with an ApiError. Aborting the signal
   * rejects at once with a Cancelled error and asks the lab to stop the call's work.
   */
  call(method: MethodName, params: unknown, options?: { signal?: CallSignal }): Promise<unknown>;
  /** Subscribes to lab events; returns the unsubscribe function. */
  subscribe(listener: (message: EventMessage) => void): () => void;
  /** Connection state, for the status bar. */
  readonly connected: boolean;
  onConnectionChange(listener: (connected: boolean) => void): () => void;
}
