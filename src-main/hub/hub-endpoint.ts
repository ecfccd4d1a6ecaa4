/**
 * The running lab as the hub of its zoo: an api endpoint for other processes on this
 * machine (the command line), advertised in the zoo's discovery file.
 *
 * A WebSocket on 127.0.0.1 at a free port, separate from the browser UI's server (the
 * desktop app has none): it serves no pages, answers plain HTTP with 404, and upgrades
 * only `/api` with the hub's own token, a random key that exists only in the discovery
 * file (mode 0600) — never in a URL printed to a terminal or kept by a browser. A request
 * with an Origin header (every browser sends one) or a Host other than this address is
 * refused, so no web page can reach the endpoint. Calls run through the same dispatch as
 * every transport (validation, cancellation, size limits); every lab event goes to every
 * connection, so jobs started from the command line show in the GUI and the other way round.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeMessage } from '../../src-shared/api/codec.ts';
import type { EventMessage } from '../../src-shared/api/wire.ts';
import { EVENT_NAMES, type LabEndpoint } from '../lab/dispatch.ts';
import { serveApiSocket, SOCKET_MAX_PAYLOAD } from '../server/api-socket.ts';
import { newToken, removeDiscovery, writeDiscovery, type HubAdvert } from './discovery.ts';

export interface HubOptions {
  service: LabEndpoint;
  /** The zoo file, resolved, and the lab's folder (as LabService.paths has them). */
  zooFile: string;
  home: string;
  /** From the service's info: the lab's version and shell. */
  appVersion: string;
  shell: string;
  /** `mbh-lab serve`'s page URL with its token, kept in the advert (see HubAdvert). */
  browserUrl?: string;
}

export interface RunningHub {
  readonly advert: HubAdvert;
  /** Closes the endpoint and removes the discovery file (if it is still this hub's). */
  close(): Promise<void>;
}

function sameToken(given: string | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHub(options: HubOptions): Promise<RunningHub> {
  const token = newToken();
  let port = 0;
  const http = createServer((_request, response) => {
    response.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
  const sockets = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD });

  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const refuse = (status: string, reason: string) =>
      socket.end(`HTTP/1.1 ${status}\r\nContent-Type: text/plain\r\n\r\n${reason}`);
    if (url.pathname !== '/api') return refuse('404 Not Found', 'not found');
    if (request.headers.host !== `127.0.0.1:${port}`)
      return refuse('403 Forbidden', 'unknown host');
    if (request.headers.origin !== undefined)
      return refuse('403 Forbidden', 'the hub endpoint is for programs, not web pages');
    if (!sameToken(url.searchParams.get('token'), token))
      return refuse('401 Unauthorized', 'missing or wrong hub token');
    sockets.handleUpgrade(request, socket, head, (client) =>
      sockets.emit('connection', client, request),
    );
  });
  sockets.on('connection', (client: WebSocket) => serveApiSocket(client, options.service));

  // One encoding per event, sent to every connection.
  const listeners = EVENT_NAMES.map((name) => {
    const listener = (payload: unknown) => {
      const frame = encodeMessage({ type: 'event', event: name, payload } as EventMessage);
      for (const client of sockets.clients)
        if (client.readyState === client.OPEN) client.send(frame);
    };
    options.service.on(name, listener);
    return [name, listener] as const;
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const advert: HubAdvert = {
    format: 'mbh-lab-hub',
    version: 1,
    url: `ws://127.0.0.1:${port}/api`,
    port,
    pid: process.pid,
    token,
    appVersion: options.appVersion,
    shell: options.shell,
    zooFile: options.zooFile,
    home: options.home,
    startedAt: new Date().toISOString(),
    ...(options.browserUrl !== undefined ? { browserUrl: options.browserUrl } : {}),
  };
  const stop = async () => {
    for (const [name, listener] of listeners) options.service.off(name, listener);
    for (const client of sockets.clients) client.terminate();
    sockets.close();
    await new Promise<void>((done) => http.close(() => done()));
  };
  try {
    writeDiscovery(advert);
  } catch (error) {
    await stop();
    throw error;
  }
  let closing: Promise<void> | null = null;
  return {
    advert,
    close() {
      closing ??= (async () => {
        removeDiscovery(options.zooFile, token);
        await stop();
      })();
      return closing;
    },
  };
}
