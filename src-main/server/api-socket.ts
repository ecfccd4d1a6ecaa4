/**
 * One browser client's api connection: calls, cancellations, results and size limits.
 *
 * - Each connection is a client of its own (`ws-N`): a newer call of it for the same
 *   viewer slot supersedes an older one, and when it goes away its calls are cancelled.
 * - `{type: 'cancel', seq}` cancels a running call, which answers with a Cancelled error.
 * - Results with typed arrays go out as binary frames (src-shared/api/codec.ts).
 * - A message over the limit (4 MiB for every method: files travel as uploads or paths,
 *   never inside a call) is answered with a TooLarge error naming the limit, and the
 *   connection stays open; only one over the socket's hard cap (ws' maxPayload) closes
 *   the connection, with close code 1009.
 */
import type { WebSocket } from 'ws';
import { cancelledError } from '../../src-shared/api/call.ts';
import { pathSources } from '../../src-shared/api/file-source.ts';
import { decodeMessage, encodeMessage } from '../../src-shared/api/codec.ts';
import { CALL_MESSAGE_BYTES } from '../../src-shared/api/lab-limits.ts';
import { MAX_MODEL_FILE_BYTES } from '../../src-shared/api/model-files.ts';
import { toErrorData, type ResultMessage } from '../../src-shared/api/wire.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';
import { dispatch, type LabEndpoint } from '../lab/dispatch.ts';

const MIB = 1024 * 1024;
/**
 * The server's hard cap on a client's message (ws maxPayload): past it the connection is
 * closed (1009). Up to it, a message over CALL_MESSAGE_BYTES gets the clear TooLarge
 * answer (an old client sending a file inline learns why); ws holds at most this much.
 */
export const SOCKET_MAX_PAYLOAD = 8 * CALL_MESSAGE_BYTES;

/**
 * What a program's client (the command line's hub connection) takes from a lab in one
 * message: results, not calls, so the call limit does not apply. The largest are binary
 * frames of a model (exportModelFile, up to a model file's size) or a partition.
 */
export const RESULT_MAX_PAYLOAD = MAX_MODEL_FILE_BYTES + MIB;

export function formatBytes(bytes: number): string {
  if (bytes >= MIB) return `${(bytes / MIB).toFixed(bytes % MIB === 0 ? 0 : 1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

/**
 * The method and seq of a call message, read from its first bytes without parsing the
 * whole (the clients write `{"type":"call","seq":…,"method":…` first). Null if not there.
 */
function peekCall(data: Buffer): { seq: number; method: string } | null {
  const head = data.subarray(0, 200).toString('latin1');
  const seq = /"seq"\s*:\s*(\d{1,15})/.exec(head);
  const method = /"method"\s*:\s*"([A-Za-z]{1,60})"/.exec(head);
  return seq && method ? { seq: Number(seq[1]), method: method[1] } : null;
}

let connections = 0;

export interface SocketOptions {
  /**
   * Whether calls may name files by path (`{ path }` in an import or exportToFile): yes
   * for the command line's hub endpoint; no for a browser, which uploads its files
   * instead (a path would let a page read or write any file of the lab's machine).
   */
  paths?: boolean;
}

export function serveApiSocket(
  client: WebSocket,
  service: LabEndpoint,
  options: SocketOptions = {},
): void {
  const clientId = `ws-${++connections}`;
  const running = new Map<number, AbortController>();

  const send = (message: ResultMessage) => {
    if (client.readyState === client.OPEN) client.send(encodeMessage(message));
  };
  const refuse = (seq: number, name: string, message: string) =>
    send({ type: 'result', seq, ok: false, error: { name, message } });

  client.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const bytes = Buffer.isBuffer(data)
      ? data
      : Array.isArray(data)
        ? Buffer.concat(data)
        : Buffer.from(data);
    const peeked = peekCall(bytes);
    const limit = CALL_MESSAGE_BYTES;
    if (bytes.byteLength > limit) {
      refuse(
        peeked?.seq ?? 0,
        'TooLarge',
        `the message is too large: ${formatBytes(bytes.byteLength)}, over the ${formatBytes(limit)} limit` +
          (peeked ? ` for a ${peeked.method} call` : ' of a call'),
      );
      return;
    }
    let message: { type?: unknown; seq?: unknown; method?: unknown; params?: unknown };
    try {
      const decoded = decodeMessage(isBinary ? new Uint8Array(bytes) : bytes.toString('utf8'));
      if (typeof decoded !== 'object' || decoded === null) throw new Error('not a message object');
      message = decoded;
    } catch (error) {
      // A stack overflow means nesting too deep for the decoder; say so, not the engine's words.
      refuse(
        peeked?.seq ?? 0,
        'BadMessage',
        error instanceof RangeError
          ? 'the message is nested too deeply to read'
          : error instanceof Error
            ? error.message.slice(0, 200)
            : String(error).slice(0, 200),
      );
      return;
    }
    const seq = message.seq;
    if (typeof seq !== 'number' || !Number.isSafeInteger(seq)) {
      refuse(0, 'BadMessage', 'a message needs a numeric seq');
      return;
    }
    if (message.type === 'cancel') {
      running.get(seq)?.abort(cancelledError('cancelled by the client'));
      return;
    }
    if (message.type !== 'call') {
      refuse(seq, 'BadMessage', 'not a call message');
      return;
    }
    const byPath = options.paths === false ? pathSources(message.params)[0] : undefined;
    if (byPath !== undefined) {
      const field = `params.${byPath.field}.path`;
      send({
        type: 'result',
        seq,
        ok: false,
        error: toErrorData(
          new ValidationError(
            field,
            "files are not named by path over the browser's connection; upload the file (POST /upload) and give { upload: id }",
          ),
        ),
      });
      return;
    }
    const controller = new AbortController();
    running.set(seq, controller);
    void dispatch(service, seq, message.method, message.params, {
      signal: controller.signal,
      client: clientId,
    }).then((result) => {
      if (running.get(seq) === controller) running.delete(seq);
      send(result);
    });
  });

  client.on('close', () => {
    for (const controller of running.values()) {
      controller.abort(cancelledError('the client disconnected'));
    }
    running.clear();
  });
}
