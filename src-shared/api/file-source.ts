/**
 * How an import call gives a file: its content inline (small files only, kept for
 * compatibility), an upload the browser-mode server received as a stream
 * (`{ upload: id }`), or a path on the lab's machine (`{ path }`, for in-process callers:
 * Electron's file dialogs and the command line; the browser's socket refuses it). Large
 * files thus never travel as one giant string through a transport or the main thread.
 */
import { ValidationError, quote, type Schema } from './validate.ts';

const MIB = 1024 * 1024;

/** Characters of a file's content given inline in an import call; larger files go by upload or path. */
export const INLINE_CONTENT_CHARACTERS = 4 * MIB;

/**
 * Bytes of a file's content a client sends inline at most, as the message encodes it
 * (JSON, escapes counted): so an import call with two files (IDX images and labels) and
 * its params stays within one api message on the WebSocket (4 MiB, ./lab-limits.ts).
 * A larger file goes by upload or path.
 */
export const INLINE_SEND_BYTES = 1 * MIB;

/** Bytes of a string in UTF-8 (a pair of surrogates is one 4-byte character). */
function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Whether a client should send `content` inline (see INLINE_SEND_BYTES). */
export function fitsInline(content: string): boolean {
  if (content.length > INLINE_SEND_BYTES) return false;
  // JSON.stringify escapes lone surrogates, so the pairs it leaves are whole characters.
  return utf8Bytes(JSON.stringify(content)) <= INLINE_SEND_BYTES;
}

/** Bytes of one upload to the browser-mode server (a bundle, a CSV or an IDX file). */
export const MAX_UPLOAD_BYTES = 1024 * MIB;

/** An upload id as the server hands it out: 32 lowercase hex digits. */
export const UPLOAD_ID = /^[0-9a-f]{32}$/;

export type FileSource = string | { upload: string } | { path: string };

/** A FileSource that is not inline content. */
export type FileReference = Exclude<FileSource, string>;

/** Whether a source names a file on the lab's machine by path. */
export function isPathSource(source: unknown): source is { path: string } {
  return typeof source === 'object' && source !== null && Object.hasOwn(source, 'path');
}

/**
 * The files a call names by path, with the field each is in: a top-level param
 * (`json`, `to`) or a list's items' fields (`files[2].source`). What the browser's socket
 * refuses and the desktop's IPC checks against the paths its dialogs gave.
 */
export function pathSources(params: unknown): { field: string; path: string }[] {
  const found: { field: string; path: string }[] = [];
  if (typeof params !== 'object' || params === null) return found;
  for (const [key, value] of Object.entries(params)) {
    if (isPathSource(value)) found.push({ field: key, path: String(value.path) });
    else if (Array.isArray(value)) {
      value.forEach((item: unknown, index) => {
        if (typeof item !== 'object' || item === null) return;
        for (const [inner, entry] of Object.entries(item)) {
          if (isPathSource(entry)) {
            found.push({ field: `${key}[${index}].${inner}`, path: String(entry.path) });
          }
        }
      });
    }
  }
  return found;
}

/**
 * A file in an import call: inline text of at least `min` characters (at most
 * INLINE_CONTENT_CHARACTERS), `{ upload: id }` or `{ path: absolute path }`.
 */
export function fileSource(min = 0): Schema<FileSource> {
  return {
    parse(value, path = 'value') {
      if (typeof value === 'string') {
        if (value.length < min) throw new ValidationError(path, 'must not be empty');
        if (value.length > INLINE_CONTENT_CHARACTERS) {
          throw new ValidationError(
            path,
            `too large to send inline (${value.length} characters, limit ${INLINE_CONTENT_CHARACTERS / MIB} Mi): upload the file instead`,
          );
        }
        return value;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new ValidationError(
          path,
          "must be the file's content, { upload: id } or { path: absolute path }",
        );
      }
      const keys = Object.keys(value);
      const record = value as Record<string, unknown>;
      if (keys.length !== 1 || (keys[0] !== 'upload' && keys[0] !== 'path')) {
        throw new ValidationError(path, 'must have exactly one field: upload or path');
      }
      if (keys[0] === 'upload') {
        const id = record.upload;
        if (typeof id !== 'string' || !UPLOAD_ID.test(id)) {
          throw new ValidationError(
            `${path}.upload`,
            `must be an upload id the server returned (32 hex digits), got ${typeof id === 'string' ? quote(id) : typeof id}`,
          );
        }
        return { upload: id };
      }
      const file = record.path;
      if (typeof file !== 'string' || file.length === 0 || file.length > 4096) {
        throw new ValidationError(`${path}.path`, 'must be a path of 1 to 4096 characters');
      }
      if (file.includes('\0')) throw new ValidationError(`${path}.path`, 'must not contain NUL');
      // Absolute on POSIX or Windows: a relative path would depend on the lab's directory.
      if (!file.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(file) && !file.startsWith('\\\\')) {
        throw new ValidationError(`${path}.path`, `must be absolute, got ${quote(file)}`);
      }
      return { path: file };
    },
  };
}

/** Where exportToFile writes: a download of the browser-mode server, or a path (in-process). */
export type ExportTarget = 'download' | { path: string };

export function exportTarget(): Schema<ExportTarget> {
  const source = fileSource(1);
  return {
    parse(value, path = 'value') {
      if (value === 'download') return 'download';
      if (typeof value === 'object' && value !== null && Object.keys(value).length === 1) {
        if (isPathSource(value)) return source.parse(value, path) as { path: string };
      }
      throw new ValidationError(path, 'must be "download" or { path: absolute path }');
    },
  };
}

/** An export the lab wrote to a file. */
export interface SavedExport {
  /** A descriptive file name (the project's or model's name). */
  fileName: string;
  bytes: number;
  /** For "download": the id of GET /download/<id> on the browser-mode server (once, within an hour). */
  download?: string;
  /** For { path }: where it was written. */
  path?: string;
}
