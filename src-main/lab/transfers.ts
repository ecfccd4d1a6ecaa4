/**
 * Files in transit between a client and the lab, under `<home>/transfers/`: uploads the
 * browser-mode server streams to disk for an import call to name (`{ upload: id }`), and
 * exports the service writes for the server to stream back as downloads. Large files thus
 * cross no transport as one string and are never held whole on the main thread.
 *
 * An upload is consumed by the import that names it (removed afterwards, success or
 * not); a download is removed once served. Whatever a client never came back for is
 * removed an hour later (at the next transfer or when a lab opens).
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { UPLOAD_ID } from '../../src-shared/api/file-source.ts';
import { ValidationError } from '../../src-shared/api/validate.ts';

/** How long an unclaimed upload or an unfetched download is kept. */
export const TRANSFER_LIFETIME_MS = 60 * 60 * 1000;

const MIB = 1024 * 1024;

/** An upload over the limit: the server answers 413 with its message. */
export class UploadTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`too large (limit ${Math.round(limit / MIB)} MiB)`);
    this.name = 'TooLarge';
  }
}

type Kind = 'uploads' | 'downloads';

function directory(home: string, kind: Kind): string {
  const path = join(home, 'transfers', kind);
  mkdirSync(path, { recursive: true, mode: 0o700 });
  return path;
}

function newId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Streams a request body to a new upload file, counting bytes as they come: past `limit`
 * the stream is abandoned at once and the partial file removed (UploadTooLargeError).
 * The file appears under its id only when complete.
 */
export async function receiveUpload(
  home: string,
  body: Readable,
  limit: number,
): Promise<{ id: string; bytes: number }> {
  removeExpiredTransfers(home);
  const id = newId();
  const final = join(directory(home, 'uploads'), id);
  const partial = `${final}.part`;
  const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
  let bytes = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        body.unpipe(out);
        out.destroy();
        reject(error);
      };
      body.on('data', (chunk: Buffer) => {
        bytes += chunk.byteLength;
        if (bytes > limit) {
          body.pause();
          fail(new UploadTooLargeError(limit));
        }
      });
      body.on('error', fail);
      body.on('aborted', () => fail(new Error('the upload was aborted by the client')));
      out.on('error', fail);
      out.on('finish', () => resolve());
      body.pipe(out);
    });
    await rename(partial, final);
    return { id, bytes };
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** The file of an upload, or a ValidationError at `path` naming the id. */
export function uploadPath(home: string, id: string, path: string): string {
  if (!UPLOAD_ID.test(id)) throw new ValidationError(path, 'is not an upload id');
  const file = join(directory(home, 'uploads'), id);
  try {
    if (statSync(file).isFile()) return file;
  } catch {
    // Falls through to the error below.
  }
  throw new ValidationError(
    path,
    `no upload ${id}: it was used by an earlier import or expired; upload the file again`,
  );
}

/** Removes an upload once its import is over. */
export function removeUpload(home: string, id: string): void {
  if (UPLOAD_ID.test(id)) rmSync(join(directory(home, 'uploads'), id), { force: true });
}

/**
 * A new download: `write` fills the file at the path it is given; the id and size come
 * back. A failed write leaves nothing.
 */
export async function createDownload(
  home: string,
  fileName: string,
  write: (path: string) => Promise<void>,
): Promise<{ id: string; bytes: number }> {
  removeExpiredTransfers(home);
  const id = newId();
  const file = join(directory(home, 'downloads'), id);
  try {
    await write(file);
    await writeFile(`${file}.json`, JSON.stringify({ fileName }), { mode: 0o600 });
    return { id, bytes: (await stat(file)).size };
  } catch (error) {
    await removeDownload(home, id);
    throw error;
  }
}

/** A download's file, name and size; null when there is no such download (any more). */
export async function openDownload(
  home: string,
  id: string,
): Promise<{ path: string; fileName: string; bytes: number } | null> {
  if (!UPLOAD_ID.test(id)) return null;
  const file = join(directory(home, 'downloads'), id);
  try {
    const { fileName } = JSON.parse(await readFile(`${file}.json`, 'utf8')) as {
      fileName: string;
    };
    return { path: file, fileName, bytes: (await stat(file)).size };
  } catch {
    return null;
  }
}

export async function removeDownload(home: string, id: string): Promise<void> {
  if (!UPLOAD_ID.test(id)) return;
  const file = join(directory(home, 'downloads'), id);
  await Promise.all([rm(file, { force: true }), rm(`${file}.json`, { force: true })]);
}

/** Removes transfers older than TRANSFER_LIFETIME_MS (never claimed, or left by a crash). */
export function removeExpiredTransfers(home: string, now = Date.now()): string[] {
  const removed: string[] = [];
  for (const kind of ['uploads', 'downloads'] as const) {
    const folder = directory(home, kind);
    for (const name of readdirSync(folder)) {
      const file = join(folder, name);
      try {
        if (now - statSync(file).mtimeMs > TRANSFER_LIFETIME_MS) {
          rmSync(file, { force: true });
          removed.push(`${kind}/${name}`);
        }
      } catch {
        // Removed meanwhile by whoever finished with it.
      }
    }
  }
  return removed;
}
