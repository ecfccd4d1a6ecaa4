/**
 * Reading a user's file with a size limit: the size is checked before anything is read
 * (fstat), a device (`/dev/zero`) is refused at once, and the read itself stops past the
 * limit, because a pipe (a FIFO, a process substitution) reports size 0 and may never
 * end. A file over the limit is refused at once, naming its size.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Every file the lab reads from a user is at most this large (JSON, CSV, IDX). */
export const MAX_INPUT_FILE_BYTES = 256 * 1024 * 1024;

/** A file over its size limit; the message names the file, its size and the limit. */
export class FileSizeError extends Error {
  override name = 'FileSizeError';
}

/** Bytes in whole units: 512 bytes, 3.5 KiB, 256 MiB, 1.2 GiB. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} byte${bytes === 1 ? '' : 's'}`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number(value.toFixed(1))} ${units[unit]}`;
}

const CHUNK_BYTES = 1024 * 1024;

/**
 * The bytes of `path`, refusing a file over `limit` bytes. Open errors (no such file, a
 * folder) are thrown as Node raises them, for the caller to phrase.
 */
export function readFileBounded(path: string, limit = MAX_INPUT_FILE_BYTES): Buffer {
  const descriptor = openSync(path, 'r');
  try {
    const stat = fstatSync(descriptor);
    if (stat.isDirectory())
      throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR' });
    // A device (/dev/zero, /dev/urandom) says size 0 and never ends: no file to read.
    if (stat.isCharacterDevice() || stat.isBlockDevice())
      throw new FileSizeError(`${path} is a device, not a file (its size is unbounded)`);
    if (stat.size > limit) {
      throw new FileSizeError(
        `${path} is ${formatBytes(stat.size)} (${stat.size} bytes), over the limit of ${formatBytes(limit)}`,
      );
    }
    // Regular files are read at their size; anything else in chunks until it ends.
    const chunks: Buffer[] = [];
    let total = 0;
    while (true) {
      const room = limit + 1 - total;
      const chunk = Buffer.allocUnsafe(
        Math.min(CHUNK_BYTES, Math.max(room, 1), stat.size || CHUNK_BYTES),
      );
      const read = readSync(descriptor, chunk, 0, chunk.length, null);
      if (read === 0) break;
      total += read;
      if (total > limit) {
        throw new FileSizeError(
          `${path} is over the limit of ${formatBytes(limit)} (${formatBytes(total)} read and it has not ended)`,
        );
      }
      chunks.push(read === chunk.length ? chunk : chunk.subarray(0, read));
    }
    return Buffer.concat(chunks, total);
  } finally {
    closeSync(descriptor);
  }
}

/** The text of a UTF-8 file read with readFileBounded, without a leading byte-order mark. */
export function readTextBounded(path: string, limit = MAX_INPUT_FILE_BYTES): string {
  return readFileBounded(path, limit)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
}
