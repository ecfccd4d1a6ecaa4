/**
 * The command line as a client of the lab that serves its zoo. Finds the hub through the
 * zoo's discovery file, checks that it is alive and really this zoo's hub, and returns a
 * LabConnection over its api: the renderer's own client and WebSocket transport
 * (src-shared/api), on Node's `ws`. Calls are validated here and again by the hub, and
 * answer exactly what the lab answers in-process; errors come back as the same classes
 * the commands already tell apart (ValidationError, DataFileError).
 */
import { resolve } from 'node:path';
import WebSocket from 'ws';
import { createClient, type LabClient } from '../../src-shared/api/client.ts';
import { methods, type MethodName } from '../../src-shared/api/contract.ts';
import type { CallContext } from '../../src-shared/api/call.ts';
import type { JobSummary, LabEvents } from '../../src-shared/api/dto.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import {
  createWebSocketTransport,
  type SocketLike,
} from '../../src-shared/api/websocket-transport.ts';
import type { LabConnection, LabWhere } from '../cli/lab-connection.ts';
import { DataFileError } from '../data/idx.ts';
import { RESULT_MAX_PAYLOAD } from '../server/api-socket.ts';
import { Zoo } from '../zoo/zoo.ts';
import { processAlive, readDiscovery, type HubAdvert } from './discovery.ts';

/** How long a hub may take to accept the connection before its advert counts as stale. */
const HANDSHAKE_MS = 5_000;

/** Why an advert beside the zoo was not used (for tests and `--verbose`-style messages). */
export type StaleReason = 'none' | 'dead pid' | 'no answer' | 'another zoo';

export interface HubLookup {
  connection: LabConnection | null;
  /** Why there is no connection: no advert, or a stale one. */
  reason: StaleReason | null;
}

/** The live hub of `zooFile` as a connection, or null (no advert, or a stale one). */
export async function connectToHub(zooFile: string): Promise<HubLookup> {
  const file = resolve(zooFile);
  const advert = readDiscovery(file);
  if (!advert) return { connection: null, reason: 'none' };
  if (resolve(advert.zooFile) !== file) return { connection: null, reason: 'another zoo' };
  if (!processAlive(advert.pid)) return { connection: null, reason: 'dead pid' };
  const transport = createWebSocketTransport({
    url: advert.url,
    token: advert.token,
    reconnect: false,
    createSocket: (url) =>
      new WebSocket(url, {
        handshakeTimeout: HANDSHAKE_MS,
        maxPayload: RESULT_MAX_PAYLOAD,
      }) as unknown as SocketLike,
  });
  const client = createClient(transport);
  let zooPath: string;
  try {
    zooPath = (await client.info({})).zooPath;
  } catch {
    // Refused (wrong token), nothing listening, or something else on the port.
    transport.close();
    return { connection: null, reason: 'no answer' };
  }
  if (resolve(zooPath) !== file) {
    transport.close();
    return { connection: null, reason: 'another zoo' };
  }
  return { connection: hubConnection(advert, client, () => transport.close()), reason: null };
}

/** An error from the hub, rebuilt as the class the commands tell apart. */
function revive(error: unknown, advert: HubAdvert): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const path = (error as { path?: unknown }).path;
  if (error.name === 'ValidationError' && typeof path === 'string') {
    const prefix = `${path}: `;
    const problem = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    return new ValidationError(path, problem);
  }
  if (error.name === 'DataFileError') return new DataFileError(error.message);
  if (error.name === 'ConnectionError') {
    return new Error(
      `the connection to the lab serving this zoo (pid ${advert.pid}) was lost${processAlive(advert.pid) ? '' : ': it has stopped'}`,
    );
  }
  return error;
}

const UNFINISHED: ReadonlySet<JobSummary['state']> = new Set(['queued', 'running']);

function hubConnection(advert: HubAdvert, client: LabClient, close: () => void): LabConnection {
  const subscriptions = new Map<(payload: never) => void, () => void>();
  const lostError = () =>
    revive(Object.assign(new Error('lost'), { name: 'ConnectionError' }), advert);
  let closing = false;
  const lost = new Promise<Error>((resolveLost) =>
    client.transport.onConnectionChange((up) => {
      if (!up && !closing) resolveLost(lostError());
    }),
  );
  const connection: Record<string, unknown> = {
    where: {
      kind: 'hub',
      pid: advert.pid,
      url: advert.url,
      shell: advert.shell,
    } satisfies LabWhere,
    home: advert.home,
    on<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      subscriptions.set(listener, client.on(event, listener));
    },
    off<E extends keyof LabEvents>(event: E, listener: (payload: LabEvents[E]) => void) {
      subscriptions.get(listener)?.();
      subscriptions.delete(listener);
    },
    // The hub's pool runs already; it resumed its unfinished jobs when it started.
    start: async () => {},
    idle(filter: { experimentId?: number } = {}) {
      return new Promise<void>((resolveIdle, rejectIdle) => {
        let finished = false;
        let checking = false;
        let again = false;
        const finish = (error?: unknown) => {
          if (finished) return;
          finished = true;
          unsubscribe();
          if (error === undefined) resolveIdle();
          else rejectIdle(revive(error, advert));
        };
        // One listJobs at a time; an event meanwhile asks for one more afterwards.
        const check = () => {
          if (finished) return;
          if (checking) {
            again = true;
            return;
          }
          checking = true;
          client
            .listJobs(
              filter.experimentId !== undefined ? { experimentId: filter.experimentId } : {},
            )
            .then((jobs) => {
              if (!jobs.some((job) => UNFINISHED.has(job.state))) finish();
            }, finish)
            .finally(() => {
              checking = false;
              if (again) {
                again = false;
                check();
              }
            });
        };
        // Progress of a running job changes nothing here; every other state change may.
        const unsubscribe = client.on('job', (job) => {
          if (job.state !== 'running') check();
        });
        void lost.then(finish);
        check();
      });
    },
    // Only the connection closes: the hub's jobs go on.
    close: async () => {
      closing = true;
      close();
    },
    lost,
    readZoo<T>(read: (zoo: Zoo) => T): T {
      const zoo = Zoo.open(advert.zooFile, { readonly: true });
      try {
        return read(zoo);
      } finally {
        zoo.close();
      }
    },
  };
  for (const method of Object.keys(methods) as MethodName[]) {
    const call = client[method] as (params: unknown, context?: CallContext) => Promise<unknown>;
    connection[method] = (params: unknown, context?: CallContext) =>
      call(params, context).catch((error: unknown) => {
        throw revive(error, advert);
      });
  }
  return connection as unknown as LabConnection;
}
