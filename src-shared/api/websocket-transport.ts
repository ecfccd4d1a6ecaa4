/**
 * The api over one WebSocket to a running lab on 127.0.0.1, authenticated by a token: the
 * browser page of `mbh-lab serve` (token from the page's URL) and the command line beside
 * a running lab (token from the lab's discovery file, socket from Node's \`ws\`). Calls
 * made while it (re)connects wait for the socket; calls in flight when it drops are
 * rejected, since the server may or may not have run them. Results with typed arrays
 * arrive as binary frames (codec.ts); a call whose signal aborts rejects at once and the
 * server is asked to cancel it. Platform-free: the socket comes from `createSocket`, or
 * the platform's own WebSocket where there is one (browsers).
 */
import type { MethodName } from './contract.ts';
import { CANCELLED, type CallSignal } from './call.ts';
import { decodeMessage, encodeMessage } from './codec.ts';
import {
  ApiError,
  type CallMessage,
  type CancelMessage,
  type EventMessage,
  type ServerMessage,
} from './wire.ts';
import type { Transport } from './transport.ts';

/** What this file needs of its platform (browsers and Node have timers; browsers a WebSocket). */
const platform = globalThis as unknown as {
  setTimeout(callback: () => void, ms: number): unknown;
  WebSocket?: new (url: string) => SocketLike;
};

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** The minimal WebSocket surface used, so tests can run this against Node's `ws` too. */
export interface SocketLike {
  readyState: number;
  /** 'arraybuffer': binary frames arrive as ArrayBuffers. */
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
}

export interface WebSocketTransportOptions {
  url: string;
  token: string;
  createSocket?: (url: string) => SocketLike;
  /** Delay before a reconnect attempt, ms; doubles up to 5 s. */
  retryMs?: number;
  /**
   * Whether a lost or refused connection is tried again (default true, for a page that
   * outlives a restart of its server). Without, the transport ends with the socket: calls
   * waiting for it are rejected with a ConnectionError.
   */
  reconnect?: boolean;
}

const OPEN = 1;

const cancelled = () => new ApiError({ name: CANCELLED, message: 'cancelled' });

export function createWebSocketTransport(
  options: WebSocketTransportOptions,
): Transport & { close(): void } {
  const createSocket =
    options.createSocket ??
    ((url: string) => {
      if (!platform.WebSocket) throw new Error('this platform has no WebSocket: pass createSocket');
      return new platform.WebSocket(url);
    });
  const reconnect = options.reconnect ?? true;
  const pending = new Map<number, Pending>();
  const eventListeners = new Set<(message: EventMessage) => void>();
  const connectionListeners = new Set<(connected: boolean) => void>();
  let waiting: { go(): void; fail(error: Error): void }[] = [];
  let seq = 0;
  let socket: SocketLike | null = null;
  let connected = false;
  let closed = false;
  let retryMs = options.retryMs ?? 250;

  const setConnected = (value: boolean) => {
    if (connected === value) return;
    connected = value;
    for (const listener of connectionListeners) listener(value);
  };

  const connect = () => {
    const separator = options.url.includes('?') ? '&' : '?';
    const current = createSocket(
      `${options.url}${separator}token=${encodeURIComponent(options.token)}`,
    );
    socket = current;
    current.binaryType = 'arraybuffer';
    current.onopen = () => {
      retryMs = options.retryMs ?? 250;
      setConnected(true);
      const ready = waiting;
      waiting = [];
      for (const entry of ready) entry.go();
    };
    current.onmessage = (event) => {
      const data = event.data;
      const message = decodeMessage(
        typeof data === 'string'
          ? data
          : data instanceof ArrayBuffer
            ? new Uint8Array(data)
            : ArrayBuffer.isView(data)
              ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
              : String(data),
      ) as ServerMessage;
      if (message.type === 'event') {
        for (const listener of eventListeners) listener(message);
        return;
      }
      const entry = pending.get(message.seq);
      if (!entry) return;
      pending.delete(message.seq);
      if (message.ok) entry.resolve(message.value);
      else entry.reject(new ApiError(message.error));
    };
    current.onerror = () => {};
    current.onclose = () => {
      if (socket !== current) return;
      socket = null;
      setConnected(false);
      for (const [key, entry] of pending) {
        pending.delete(key);
        entry.reject(
          new ApiError({ name: 'ConnectionError', message: 'the connection to the lab was lost' }),
        );
      }
      if (!reconnect) closed = true;
      if (closed) {
        const stranded = waiting;
        waiting = [];
        for (const entry of stranded)
          entry.fail(
            new ApiError({
              name: 'ConnectionError',
              message: 'the connection to the lab was lost',
            }),
          );
        return;
      }
      platform.setTimeout(connect, retryMs);
      retryMs = Math.min(retryMs * 2, 5_000);
    };
  };

  const whenOpen = () =>
    socket && socket.readyState === OPEN
      ? Promise.resolve()
      : new Promise<void>((go, fail) => waiting.push({ go, fail }));

  connect();

  return {
    name: 'websocket',
    get connected() {
      return connected;
    },
    async call(method: MethodName, params: unknown, options?: { signal?: CallSignal }) {
      if (closed) throw new ApiError({ name: 'ConnectionError', message: 'the client is closed' });
      const signal = options?.signal;
      if (signal?.aborted) throw cancelled();
      await whenOpen();
      if (signal?.aborted) throw cancelled();
      const message: CallMessage = { type: 'call', seq: ++seq, method, params };
      return new Promise((resolve, reject) => {
        const onAbort = () => {
          if (!pending.delete(message.seq)) return;
          const cancel: CancelMessage = { type: 'cancel', seq: message.seq };
          if (socket && socket.readyState === OPEN) socket.send(encodeMessage(cancel));
          reject(cancelled());
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        const done = () => signal?.removeEventListener('abort', onAbort);
        pending.set(message.seq, {
          resolve: (value) => {
            done();
            resolve(value);
          },
          reject: (error) => {
            done();
            reject(error);
          },
        });
        socket!.send(encodeMessage(message));
      });
    },
    subscribe(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },
    onConnectionChange(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
    close() {
      closed = true;
      socket?.close();
    },
  };
}
