/**
 * Browser mode: the lab's UI served to a local browser, and the api over a WebSocket.
 *
 * Binds 127.0.0.1 only. Every request must carry the random token: the first page load
 * has it in the URL (`/?token=…`) and receives it back as an HttpOnly, SameSite=Strict
 * cookie that the page's own asset and WebSocket requests then carry. Requests whose Host
 * is not this server (DNS rebinding) or whose Origin is another site are refused.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeMessage } from '../../src-shared/api/codec.ts';
import type { EventMessage } from '../../src-shared/api/wire.ts';
import { EVENT_NAMES, type LabEndpoint } from '../lab/dispatch.ts';
import { serveApiSocket, SOCKET_MAX_PAYLOAD } from './api-socket.ts';
import { serveDownload, serveUpload } from './transfers.ts';
import { MAX_UPLOAD_BYTES } from '../../src-shared/api/file-source.ts';

export interface ServerOptions {
  service: LabEndpoint;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  token?: string;
  /**
   * The lab's home: uploads (POST /upload) are streamed to files under it and exports
   * (exportToFile to "download") are served from it (GET /download/<id>). Without it,
   * neither endpoint exists.
   */
  home?: string;
  /** Bytes one upload may have (default MAX_UPLOAD_BYTES). */
  uploadLimit?: number;
}

export interface RunningServer {
  url: string;
  /** The URL to open: carries the token. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'mbh_lab_token';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

function securityHeaders(port: number): Record<string, string> {
  return {
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };
}

function sameToken(given: string | undefined | null, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(request: IncomingMessage): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === COOKIE) return rest.join('=');
  }
  return undefined;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const root = resolve(options.staticDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  /** Null when the request may proceed, else the status and reason to refuse it with. */
  function refusal(request: IncomingMessage, url: URL): [number, string] | null {
    if (!allowedHosts().has(request.headers.host ?? '')) return [403, 'unknown host'];
    const origin = request.headers.origin;
    if (origin && origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) {
      return [403, 'cross-origin requests are refused'];
    }
    if (
      !sameToken(url.searchParams.get('token'), token) &&
      !sameToken(cookieToken(request), token)
    ) {
      return [401, 'missing or wrong access token: open the URL that `mbh-lab serve` printed'];
    }
    return null;
  }

  async function serveFile(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
  ): Promise<void> {
    const headers = securityHeaders(port);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { ...headers, Allow: 'GET, HEAD' }).end();
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(url.pathname === '/' ? '/index.html' : url.pathname);
    } catch {
      // A malformed %-escape (`/%E0%A4%A`) is the client's error, not the server's.
      response
        .writeHead(400, { ...headers, 'Content-Type': 'text/plain' })
        .end('bad request: the path has a malformed %-escape');
      return;
    }
    const file = normalize(join(root, relative));
    if (file !== root && !file.startsWith(root + sep)) {
      response.writeHead(404, headers).end('not found');
      return;
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      response.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const fresh = url.searchParams.has('token');
    response.writeHead(200, {
      ...headers,
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'Content-Length': String(info.size),
      'Cache-Control': 'no-cache',
      ...(fresh ? { 'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/` } : {}),
    });
    if (request.method === 'HEAD') response.end();
    else createReadStream(file).pipe(response);
  }

  const http = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const refused = refusal(request, url);
    if (refused) {
      response
        .writeHead(refused[0], { ...securityHeaders(port), 'Content-Type': 'text/plain' })
        .end(refused[1]);
      return;
    }
    const transfer =
      options.home === undefined
        ? null
        : url.pathname === '/upload'
          ? serveUpload(request, response, securityHeaders(port), {
              home: options.home,
              limit: options.uploadLimit ?? MAX_UPLOAD_BYTES,
            })
          : url.pathname.startsWith('/download/')
            ? serveDownload(request, response, securityHeaders(port), {
                home: options.home,
                id: url.pathname.slice('/download/'.length),
              })
            : null;
    (transfer ?? serveFile(request, response, url)).catch((error: unknown) => {
      if (!response.headersSent)
        response.writeHead(500, { ...securityHeaders(port), 'Content-Type': 'text/plain' });
      response.end(String(error));
    });
  });

  const sockets = new WebSocketServer({ noServer: true, maxPayload: SOCKET_MAX_PAYLOAD });
  http.on('upgrade', (request, socket, head) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const refused =
      url.pathname === '/api' ? refusal(request, url) : ([404, 'not found'] as [number, string]);
    if (refused) {
      socket.end(
        `HTTP/1.1 ${refused[0]} ${refused[0] === 401 ? 'Unauthorized' : 'Forbidden'}\r\n\r\n${refused[1]}`,
      );
      return;
    }
    sockets.handleUpgrade(request, socket, head, (client) =>
      sockets.emit('connection', client, request),
    );
  });

  // A browser gives files by upload; a path would read any file of the lab's machine.
  sockets.on('connection', (client: WebSocket) =>
    serveApiSocket(client, options.service, { paths: false }),
  );

  // One encoding per event, sent to every client.
  const listeners = EVENT_NAMES.map((name) => {
    const listener = (payload: unknown) => {
      const frame = encodeMessage({ type: 'event', event: name, payload } as EventMessage);
      for (const client of sockets.clients)
        if (client.readyState === client.OPEN) client.send(frame);
    };
    options.service.on(name, listener);
    return [name, listener] as const;
  });

  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  port = (http.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}/`;

  return {
    url,
    openUrl: `${url}?token=${token}`,
    port,
    token,
    async close() {
      for (const [name, listener] of listeners) options.service.off(name, listener);
      for (const client of sockets.clients) client.terminate();
      sockets.close();
      await new Promise<void>((done) => http.close(() => done()));
    },
  };
}
