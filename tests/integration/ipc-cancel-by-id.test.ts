/**
 * Cancelling a call by id over the desktop transport (without an Electron binary): the
 * window's call rejects at once with a Cancelled error, the lab's side of the call sees
 * its signal abort, and another window cannot cancel it.
 */
import { describe, expect, it } from 'vitest';
import type { CallContext } from '../../src-shared/api/call.ts';
import type { LabEndpoint } from '../../src-main/lab/dispatch.ts';
import { bindLabIpc } from '../../src-main/app/ipc.ts';
import { CALL_CHANNEL, CANCEL_CHANNEL, createBridge } from '../../src-main/app/bridge.ts';
import { createClient } from '../../src-renderer/src/api/client.ts';
import { createIpcTransport } from '../../src-renderer/src/api/ipc.ts';

type Handler = (
  event: { senderFrame: unknown; sender?: { id: number } },
  ...args: unknown[]
) => unknown;

/** ipcMain and one window's ipcRenderer, joined in memory with structured clones. */
function ipcPair(handlers: Map<string, Handler>, windowId: number) {
  return {
    invoke: async (channel: string, ...args: unknown[]) => {
      const handler = handlers.get(channel)!;
      const event = { senderFrame: { url: 'app://lab/index.html' }, sender: { id: windowId } };
      return structuredClone(await handler(event, ...structuredClone(args)));
    },
    on: () => undefined,
    removeListener: () => undefined,
  };
}

/** A lab whose getPartition runs until its call is cancelled, and says how it ended. */
function waitingService() {
  const ended: string[] = [];
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const service = {
    getPartition(_params: unknown, context?: CallContext) {
      started();
      return new Promise((_resolve, reject) => {
        context?.signal?.addEventListener('abort', () => {
          const reason = context.signal!.reason as Error;
          ended.push(reason.message);
          reject(reason);
        });
      });
    },
    on() {},
    off() {},
  };
  return { service: service as unknown as LabEndpoint, ended, running };
}

describe('IPC: cancel by id', () => {
  it('rejects the call at once and aborts the lab side; another window cannot cancel it', async () => {
    const handlers = new Map<string, Handler>();
    const probe = waitingService();
    const binding = bindLabIpc({
      service: probe.service,
      ipcMain: {
        handle: (channel, handler) => handlers.set(channel, handler as Handler),
        removeHandler: (channel) => handlers.delete(channel),
      },
      isTrustedSender: () => true,
    });
    expect([...handlers.keys()].sort()).toEqual([CALL_CHANNEL, CANCEL_CHANNEL].sort());
    const client = createClient(createIpcTransport(createBridge(ipcPair(handlers, 7))));
    const stranger = createBridge(ipcPair(handlers, 8));

    const controller = new AbortController();
    const call = client.getPartition(
      { checkpointId: 1, planeSetId: 1, plane: 0 },
      { signal: controller.signal },
    );
    await probe.running;
    // Window 8 names the same call id (1): it is not its call, nothing happens.
    expect(await stranger.cancel(1)).toEqual({ cancelled: false });
    expect(probe.ended).toEqual([]);

    controller.abort();
    await expect(call).rejects.toMatchObject({ name: 'Cancelled', message: 'cancelled' });
    await expect.poll(() => probe.ended).toEqual(['cancelled by the window']);
    binding.dispose();
  });
});
