/**
 * What travels with an api call besides its params: a cancellation signal, and on the
 * lab's side the caller's identity (a transport connection) so that a newer request for
 * the same view can supersede an older one. Both the service and the clients take it as
 * an optional second argument, so plain calls stay `api.method(params)`.
 */

/** The part of an AbortSignal a call needs (DOM and Node signals both fit). */
export interface CallSignal {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface CallContext {
  /** Aborting it cancels the call: it rejects with a Cancelled error, its work stops. */
  signal?: CallSignal;
  /** The transport connection the call came from (set by the lab's transports only). */
  client?: string;
}

/** The error name a cancelled call rejects with, on every side of every transport. */
export const CANCELLED = 'Cancelled';

/** A cancelled call's error: name 'Cancelled' and the reason in words. */
export function cancelledError(message = 'cancelled'): Error {
  return Object.assign(new Error(message), { name: CANCELLED });
}

/** Whether an error is a cancellation (by name: errors cross transports as plain data). */
export function isCancelled(error: unknown): boolean {
  return error instanceof Error && error.name === CANCELLED;
}

/** The error an aborted signal stands for: its reason if that is a Cancelled error. */
export function signalError(signal: CallSignal): Error {
  const reason = signal.reason;
  if (reason instanceof Error && reason.name === CANCELLED) return reason;
  return cancelledError();
}
