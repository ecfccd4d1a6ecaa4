/**
 * The main-process side of the desktop transport. Every call is checked: the sender must
 * be one of our own windows showing our own page (`isTrustedSender`), the method must be
 * in the contract and its params must validate. Events go to every attached window.
 */
import { CALL_CHANNEL, EVENT_CHANNEL } from './bridge.ts';
import { dispatch, EVENT_NAMES, type LabEndpoint } from '../lab/dispatch.ts';
import type { EventMessage, ResultMessage } from '../../src-shared/api/wire.ts';

export interface IpcMainLike {
  handle(
    channel: string,
    handler: (event: { senderFrame: unknown }, ...args: unknown[]) => unknown,
  ): void;
  removeHandler(channel: string): void;
}

export interface WebContentsLike {
  send(channel: string, message: unknown): void;
  isDestroyed(): boolean;
}

export interface LabIpcOptions {
  service: LabEndpoint;
  ipcMain: IpcMainLike;
  /** True only for frames of our own windows that show the bundled renderer. */
  isTrustedSender(senderFrame: unknown): boolean;
}

export interface LabIpcBinding {
  attach(target: WebContentsLike): void;
  dispose(): void;
}

export function bindLabIpc({ service, ipcMain, isTrustedSender }: LabIpcOptions): LabIpcBinding {
  const targets = new Set<WebContentsLike>();
  let seq = 0;

  ipcMain.handle(CALL_CHANNEL, async (event, method, params): Promise<ResultMessage> => {
    if (!isTrustedSender(event.senderFrame)) {
      return {
        type: 'result',
        seq: ++seq,
        ok: false,
        error: { name: 'Forbidden', message: 'calls are accepted only from the lab window' },
      };
    }
    return dispatch(service, ++seq, method, params);
  });

  const listeners = EVENT_NAMES.map((name) => {
    const listener = (payload: unknown) => {
      const message = { type: 'event', event: name, payload } as EventMessage;
      for (const target of targets) {
        if (target.isDestroyed()) targets.delete(target);
        else target.send(EVENT_CHANNEL, message);
      }
    };
    service.on(name, listener);
    return [name, listener] as const;
  });

  return {
    attach(target) {
      targets.add(target);
    },
    dispose() {
      ipcMain.removeHandler(CALL_CHANNEL);
      for (const [name, listener] of listeners) service.off(name, listener);
      targets.clear();
    },
  };
}
