/**
 * The shared WebSocket transport without reconnecting (the command line's use): a refused
 * or lost connection ends it, and calls waiting for the socket are rejected with a
 * ConnectionError instead of waiting for ever; with reconnecting (a page), it tries again.
 */
import { describe, expect, it } from 'vitest';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';

class FakeSocket implements SocketLike {
  readyState = 0;
  binaryType?: string;
  sent: (string | Uint8Array)[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  constructor(readonly url: string) {}
  send(data: string | Uint8Array) {
    this.sent.push(data);
  }
  close() {
    this.refuse();
  }
  refuse() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({});
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
}

describe('createWebSocketTransport({ reconnect: false })', () => {
  it('rejects a call waiting for a socket that is refused, and makes no second socket', async () => {
    const sockets: FakeSocket[] = [];
    const transport = createWebSocketTransport({
      url: 'ws://127.0.0.1:1/api',
      token: 'secret token',
      reconnect: false,
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
    });
    expect(sockets[0].url).toBe('ws://127.0.0.1:1/api?token=secret%20token');
    const call = transport.call('info', {});
    sockets[0].refuse();
    await expect(call).rejects.toMatchObject({
      name: 'ConnectionError',
      message: 'the connection to the lab was lost',
    });
    await expect(transport.call('info', {})).rejects.toMatchObject({
      name: 'ConnectionError',
      message: 'the client is closed',
    });
    expect(sockets).toHaveLength(1);
  });

  it('rejects calls in flight when an open socket drops, and reports the drop', async () => {
    let socket: FakeSocket | null = null;
    const transport = createWebSocketTransport({
      url: 'ws://127.0.0.1:1/api',
      token: 't',
      reconnect: false,
      createSocket: (url) => (socket = new FakeSocket(url)),
    });
    const changes: boolean[] = [];
    transport.onConnectionChange((up) => changes.push(up));
    socket!.open();
    const call = transport.call('listJobs', {});
    await Promise.resolve();
    expect(socket!.sent).toHaveLength(1);
    socket!.refuse();
    await expect(call).rejects.toMatchObject({ name: 'ConnectionError' });
    expect(changes).toEqual([true, false]);
  });
});
