/**
 * Messages of the api as they travel over a transport. A call carries a sequence number
 * so that answers can come back in any order; errors are plain data (`ApiErrorData`).
 */
import type { ApiErrorData, MethodName } from './contract.ts';
import type { LabEvents } from './dto.ts';

export interface CallMessage {
  type: 'call';
  seq: number;
  method: MethodName;
  params: unknown;
}

/** Asks the lab to cancel a call still running; the call then answers with a Cancelled error. */
export interface CancelMessage {
  type: 'cancel';
  seq: number;
}

export type ClientMessage = CallMessage | CancelMessage;

export type ResultMessage =
  | { type: 'result'; seq: number; ok: true; value: unknown }
  | { type: 'result'; seq: number; ok: false; error: ApiErrorData };

export type EventMessage = {
  [E in keyof LabEvents]: { type: 'event'; event: E; payload: LabEvents[E] };
}[keyof LabEvents];

export type ServerMessage = ResultMessage | EventMessage;

/** Turns any thrown value into the plain error that crosses a transport. */
export function toErrorData(error: unknown): ApiErrorData {
  if (error instanceof Error) {
    const path = (error as { path?: unknown }).path;
    return {
      name: error.name,
      message: error.message,
      ...(typeof path === 'string' ? { path } : {}),
    };
  }
  return { name: 'Error', message: String(error) };
}

/** The error a client rejects with: it keeps the field path for form messages. */
export class ApiError extends Error {
  readonly path: string | undefined;
  constructor(data: ApiErrorData) {
    super(data.message);
    this.name = data.name;
    this.path = data.path;
  }
}
