/**
 * The browser-mode server's file endpoints (behind the same token, Host and Origin checks
 * as everything else it serves):
 *
 * - POST /upload: the request body is streamed to a file under the lab's home, its bytes
 *   counted as they arrive; past the limit the upload stops at once with 413 "too large
 *   (limit N MiB)". Answers `{"upload": id, "bytes": n}`, the id an import call names.
 * - GET /download/<id>: an export the service wrote (exportToFile to "download"),
 *   streamed with a Content-Disposition naming it, then removed.
 */
import { createReadStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  openDownload,
  receiveUpload,
  removeDownload,
  UploadTooLargeError,
} from '../lab/transfers.ts';

type Headers = Record<string, string>;

function plain(response: ServerResponse, status: number, headers: Headers, text: string): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

export async function serveUpload(
  request: IncomingMessage,
  response: ServerResponse,
  headers: Headers,
  options: { home: string; limit: number },
): Promise<void> {
  if (request.method !== 'POST') {
    response.writeHead(405, { ...headers, Allow: 'POST' }).end();
    return;
  }
  const declared = Number(request.headers['content-length']);
  // A declared size over the limit is refused before a byte is read; the connection closes
  // so that the client stops sending.
  const tooLarge = (error: UploadTooLargeError) =>
    plain(response, 413, { ...headers, Connection: 'close' }, error.message);
  if (Number.isFinite(declared) && declared > options.limit) {
    tooLarge(new UploadTooLargeError(options.limit));
    request.resume();
    return;
  }
  try {
    const { id, bytes } = await receiveUpload(options.home, request, options.limit);
    response
      .writeHead(201, { ...headers, 'Content-Type': 'application/json' })
      .end(JSON.stringify({ upload: id, bytes }));
  } catch (error) {
    if (error instanceof UploadTooLargeError) {
      tooLarge(error);
      request.resume();
      return;
    }
    throw error;
  }
}

/** `attachment` with the name as ASCII (quotes and controls replaced) and as UTF-8. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export async function serveDownload(
  request: IncomingMessage,
  response: ServerResponse,
  headers: Headers,
  options: { home: string; id: string },
): Promise<void> {
  if (request.method !== 'GET') {
    response.writeHead(405, { ...headers, Allow: 'GET' }).end();
    return;
  }
  const download = await openDownload(options.home, options.id);
  if (!download) {
    plain(response, 404, headers, 'no such download: it was fetched already or expired');
    return;
  }
  response.writeHead(200, {
    ...headers,
    'Content-Type': download.fileName.endsWith('.json')
      ? 'application/json'
      : 'application/octet-stream',
    'Content-Length': String(download.bytes),
    'Content-Disposition': contentDisposition(download.fileName),
    'Cache-Control': 'no-store',
  });
  const stream = createReadStream(download.path);
  stream.pipe(response);
  // Served once: removed when the response is over, delivered or not (it can be exported again).
  response.on('close', () => void removeDownload(options.home, options.id));
}
