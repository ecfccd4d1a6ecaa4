/**
 * The main-process side of the desktop transport. Every call is checked: the sender must
 * be one of our own windows showing our own page (`isTrustedSender`), the method must be
 * in the contract and its params must validate. Events go to every attached window.
 * Results travel by structured clone, which keeps typed arrays as they are (no codec).
 * A call given an id by its window can be cancelled on CANCEL_CHANNEL; each window is a
 * client of its own (a newer call of it for the same viewer slot supersedes an older one).
 */
import { cancelledError } from '../../src-shared/api/call.ts';
import { CALL_CHANNEL, CANCEL_CHANNEL, EVENT_CHANNEL } from './bridge.ts';
import { dispatch, EVENT_NAMES, type LabEndpoint } from '../lab/dispatch.ts';
import { toErrorData, type EventMessage, type ResultMessage } from '../../src-shared/api/wire.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { PathGrants } from './file-dialogs.ts';

export interface IpcMainLike {
  handle(
    channel: string,
    handler: (
      event: { senderFrame: unknown; sender?: { id: number } },
      ...args: unknown[]
    ) => unknown,
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
  /**
   * The paths the file dialogs gave the windows (file-dialogs.ts); a call naming any other
   * path is refused. Without it, no call may name a path.
   */
  grants?: PathGrants;
}

export interface LabIpcBinding {
  attach(target: WebContentsLike): void;
  dispose(): void;
}

export function bindLabIpc({
  service,
  ipcMain,
  isTrustedSender,
  grants = new PathGrants(),
}: LabIpcOptions): LabIpcBinding {
  const targets = new Set<WebContentsLike>();
  let seq = 0;
  /** Running calls that their window may cancel, by `${window}:${callId}`. */
  const running = new Map<string, AbortController>();
  const forbidden = (): ResultMessage => ({
    type: 'result',
    seq: ++seq,
    ok: false,
    error: { name: 'Forbidden', message: 'calls are accepted only from the lab window' },
  });

  ipcMain.handle(CALL_CHANNEL, async (event, method, params, callId): Promise<ResultMessage> => {
    if (!isTrustedSender(event.senderFrame)) return forbidden();
    const byPath = grants.ungranted(params);
    if (byPath !== null) {
      return {
        type: 'result',
        seq: ++seq,
        ok: false,
        error: toErrorData(
          new ValidationError(
            `params.${byPath}.path`,
            'only a file chosen in the open or save dialog may be named by path',
          ),
        ),
      };
    }
    const window = event.sender?.id ?? 0;
    const controller = new AbortController();
    const key = Number.isSafeInteger(callId) ? `${window}:${String(callId)}` : null;
    if (key) running.set(key, controller);
    try {
      return await dispatch(service, ++seq, method, params, {
        signal: controller.signal,
        client: `ipc-${window}`,
      });
    } finally {
      if (key && running.get(key) === controller) running.delete(key);
    }
  });

  ipcMain.handle(CANCEL_CHANNEL, (event, callId) => {
    if (!isTrustedSender(event.senderFrame)) return forbidden();
    const key = `${event.sender?.id ?? 0}:${String(callId)}`;
    running.get(key)?.abort(cancelledError('cancelled by the window'));
    return { cancelled: running.delete(key) };
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
      ipcMain.removeHandler(CANCEL_CHANNEL);
      for (const controller of running.values()) {
        controller.abort(cancelledError('the lab window closed'));
      }
      running.clear();
      for (const [name, listener] of listeners) service.off(name, listener);
      targets.clear();
    },
  };
}
