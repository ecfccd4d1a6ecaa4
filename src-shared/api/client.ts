/**
 * The one api client over any transport: every method of the contract, validated here
 * before it leaves (so a form shows a field's error at once) and again by the service.
 * The renderer uses it over IPC or a WebSocket, the command line over a WebSocket to a
 * running lab.
 */
import {
  methods,
  parseParams,
  type LabApi,
  type MethodName,
  type Params,
  type Results,
} from './contract.ts';
import type { CallContext } from './call.ts';
import type { LabEvents } from './dto.ts';
import type { Transport } from './transport.ts';

export type LabClient = LabApi & {
  readonly transport: Transport;
  on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void): () => void;
};

export function createClient(transport: Transport): LabClient {
  const client: Record<string, unknown> = {
    transport,
    on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      return transport.subscribe((message) => {
        if (message.event === event) listener(message.payload as LabEvents[E]);
      });
    },
  };
  for (const method of Object.keys(methods) as MethodName[]) {
    client[method] = async (params: Params<typeof method>, context?: CallContext) => {
      const checked = parseParams(method, params);
      const options = context?.signal ? { signal: context.signal } : undefined;
      return (await transport.call(method, checked, options)) as Results[typeof method];
    };
  }
  return client as LabClient;
}
