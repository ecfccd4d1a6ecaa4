/**
 * The one place where a call from outside reaches the lab service: it checks the method
 * name and params against the contract, runs the call, and turns the outcome into a
 * plain result message. The IPC binding and the browser-mode server both use it.
 */
import {
  isMethodName,
  parseParams,
  type LabApi,
  type MethodName,
} from '../../src-shared/api/contract.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import type { LabEvents } from '../../src-shared/api/dto.ts';
import { toErrorData, type ResultMessage } from '../../src-shared/api/wire.ts';
import { quote } from '../../src-shared/api/validate.ts';

/** What a transport needs of the lab service: the api and its events. */
export type LabEndpoint = LabApi & {
  on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): void;
  off<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): void;
};

export const EVENT_NAMES: readonly (keyof LabEvents)[] = ['job', 'zoo', 'partition'];

export async function dispatch(
  service: LabApi,
  seq: number,
  method: unknown,
  params: unknown,
  /** The transport's cancellation signal and client identity for this call. */
  context?: CallContext,
): Promise<ResultMessage> {
  try {
    if (!isMethodName(method)) {
      throw Object.assign(new Error(`unknown method ${quote(method)}`), {
        name: 'UnknownMethod',
      });
    }
    const checked = parseParams(method, params);
    const call = service[method] as (params: unknown, context?: CallContext) => Promise<unknown>;
    const value = await call.call(service, checked, context);
    return { type: 'result', seq, ok: true, value };
  } catch (error) {
    return { type: 'result', seq, ok: false, error: toErrorData(error) };
  }
}

export type { MethodName };
