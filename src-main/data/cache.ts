/**
 * The binary dataset cache: each dataset parsed once into one file in the lab's data
 * folder, so later loads are a single read plus a checksum.
 *
 * Layout (little-endian):
 *   0   8 bytes  magic "MBHDATA\0"
 *   8   u32      format version (CACHE_VERSION)
 *   12  u32      byte length H of the JSON metadata
 *   16  u32      CRC-32 of everything from byte 24 to the end of the file
 *   20  u32      total file length (files over 4 GiB are refused)
 *   24  H bytes  JSON metadata (CacheMeta), UTF-8, then zero padding to a multiple of 8
 *   …            train x, train y, test x, test y, each padded to a multiple of 8 bytes;
 *                x is u8 (pixels, value/255) or f32 (any features), y is u8.
 *
 * A file is trusted only if magic, version, length and checksum all agree and the
 * metadata's `sourceKey` matches what the caller expects; anything else is rebuilt. Files
 * are written to a temporary name and renamed into place, so a crash never leaves a
 * partial cache under the real name.
 */
import {
  closeSync,
  existsSync,
  fstatSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname } from 'node:path';
import { crc32 } from 'node:zlib';
import type { InputBox } from '../../src-shared/model/network.ts';

export const CACHE_VERSION = 1;
const MAGIC = 'MBHDATA\0';
const PREFIX_BYTES = 24;

export interface CacheMeta {
  readonly id: string;
  readonly name: string;
  /** Identifies the source the cache was built from; a mismatch forces a rebuild. */
  readonly sourceKey: string;
  readonly source: string;
  readonly inputDim: number;
  readonly classCount: number;
  readonly classNames: readonly string[];
  readonly inputBox: InputBox;
  readonly pixelType: 'u8' | 'f32';
  readonly trainCount: number;
  readonly testCount: number;
  /** Free-form facts about the build (e.g. how many duplicates were dropped). */
  readonly notes?: Readonly<Record<string, number | string>>;
  /** Per-dimension bounds when they differ between dimensions (standardised variants). */
  readonly inputBounds?: { readonly low: readonly number[]; readonly high: readonly number[] };
  /** Training mean and divisor per dimension of a standardised variant. */
  readonly standardisation?: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

export interface CachedData {
  readonly meta: CacheMeta;
  readonly trainX: Uint8Array | Float32Array;
  readonly trainY: Uint8Array;
  readonly testX: Uint8Array | Float32Array;
  readonly testY: Uint8Array;
}

export class CacheError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CacheError';
  }
}

const pad8 = (bytes: number): number => (bytes + 7) & ~7;

function asBytes(array: Uint8Array | Float32Array): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

/** Serialises a dataset into the cache layout. */
export function encodeCache(data: CachedData): Uint8Array {
  const { meta } = data;
  const checks: [string, number, number][] = [
    ['trainX', data.trainX.length, meta.trainCount * meta.inputDim],
    ['trainY', data.trainY.length, meta.trainCount],
    ['testX', data.testX.length, meta.testCount * meta.inputDim],
    ['testY', data.testY.length, meta.testCount],
  ];
  for (const [name, actual, expected] of checks) {
    if (actual !== expected)
      throw new CacheError(
        `encodeCache ${meta.id}: ${name} has ${actual} values, expected ${expected}`,
      );
  }
  if ((meta.pixelType === 'u8') !== data.trainX instanceof Uint8Array) {
    throw new CacheError(
      `encodeCache ${meta.id}: pixelType ${meta.pixelType} does not match the arrays`,
    );
  }
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const parts = [data.trainX, data.trainY, data.testX, data.testY].map(asBytes);
  let length = PREFIX_BYTES + pad8(json.length);
  for (const part of parts) length += pad8(part.length);
  if (length > 0xffffffff)
    throw new CacheError(`encodeCache ${meta.id}: ${length} bytes is over the 4 GiB limit`);
  const file = new Uint8Array(length);
  const view = new DataView(file.buffer);
  for (let i = 0; i < MAGIC.length; i++) file[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, CACHE_VERSION, true);
  view.setUint32(12, json.length, true);
  view.setUint32(20, length, true);
  file.set(json, PREFIX_BYTES);
  let offset = PREFIX_BYTES + pad8(json.length);
  for (const part of parts) {
    file.set(part, offset);
    offset += pad8(part.length);
  }
  view.setUint32(16, crc32(file.subarray(PREFIX_BYTES)), true);
  return file;
}

/** Parses and verifies a cache file's bytes; throws CacheError saying what is wrong. */
export function decodeCache(source: Uint8Array): CachedData {
  // The arrays returned are views into `file`: give them a buffer of their own (a small
  // file read by Node may sit in its shared Buffer pool, which must never be transferred).
  const file =
    source.byteOffset === 0 && source.byteLength === source.buffer.byteLength
      ? source
      : source.slice();
  if (file.length < PREFIX_BYTES)
    throw new CacheError(`truncated: ${file.length} bytes, the header alone is ${PREFIX_BYTES}`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (file[i] !== MAGIC.charCodeAt(i))
      throw new CacheError('wrong magic: not an MBH Lab dataset cache');
  }
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const version = view.getUint32(8, true);
  if (version !== CACHE_VERSION)
    throw new CacheError(`format version ${version}, this build reads ${CACHE_VERSION}`);
  const jsonLength = view.getUint32(12, true);
  const declared = view.getUint32(20, true);
  if (declared !== file.length)
    throw new CacheError(
      `truncated or padded: header says ${declared} bytes, file has ${file.length}`,
    );
  if (crc32(file.subarray(PREFIX_BYTES)) !== view.getUint32(16, true))
    throw new CacheError('checksum mismatch');
  let meta: CacheMeta;
  try {
    meta = JSON.parse(
      new TextDecoder().decode(file.subarray(PREFIX_BYTES, PREFIX_BYTES + jsonLength)),
    ) as CacheMeta;
  } catch {
    throw new CacheError('metadata is not valid JSON');
  }
  const elementBytes = meta.pixelType === 'u8' ? 1 : 4;
  let offset = PREFIX_BYTES + pad8(jsonLength);
  // Byte arrays are views into the file buffer (no copy of ~55 MB); float arrays are views
  // when the buffer is 4-byte aligned there (sections start on multiples of 8), else copies.
  const take = (bytes: number): Uint8Array => {
    if (offset + bytes > file.length)
      throw new CacheError('payload shorter than the metadata declares');
    const view = file.subarray(offset, offset + bytes);
    offset += pad8(bytes);
    return view;
  };
  const pixels = (count: number): Uint8Array | Float32Array => {
    const bytes = take(count * meta.inputDim * elementBytes);
    if (meta.pixelType === 'u8') return bytes;
    const aligned = bytes.byteOffset % 4 === 0 ? bytes : bytes.slice();
    return new Float32Array(aligned.buffer, aligned.byteOffset, count * meta.inputDim);
  };
  const trainX = pixels(meta.trainCount);
  const trainY = take(meta.trainCount);
  const testX = pixels(meta.testCount);
  const testY = take(meta.testCount);
  if (offset !== file.length) throw new CacheError('payload longer than the metadata declares');
  return { meta, trainX, trainY, testX, testY };
}

/**
 * The metadata of a cache file from its header alone, for listings: magic, version and
 * total length are checked, the checksum is not (a load still verifies it).
 */
export function readCacheMeta(path: string): CacheMeta {
  return readCacheHeader(path).meta;
}

/**
 * The header of a cache file: its metadata and the CRC-32 it declares for its contents,
 * which identifies what a derived cache was built from without reading the whole file.
 */
export function readCacheHeader(path: string): { meta: CacheMeta; checksum: number } {
  const descriptor = openSync(path, 'r');
  try {
    const prefix = new Uint8Array(PREFIX_BYTES);
    if (readSync(descriptor, prefix, 0, PREFIX_BYTES, 0) !== PREFIX_BYTES)
      throw new CacheError('truncated header');
    for (let i = 0; i < MAGIC.length; i++) {
      if (prefix[i] !== MAGIC.charCodeAt(i))
        throw new CacheError('wrong magic: not an MBH Lab dataset cache');
    }
    const view = new DataView(prefix.buffer);
    if (view.getUint32(8, true) !== CACHE_VERSION)
      throw new CacheError(`format version ${view.getUint32(8, true)}`);
    if (view.getUint32(20, true) !== fstatSync(descriptor).size)
      throw new CacheError('truncated or padded');
    const json = new Uint8Array(view.getUint32(12, true));
    if (readSync(descriptor, json, 0, json.length, PREFIX_BYTES) !== json.length)
      throw new CacheError('truncated metadata');
    const meta = JSON.parse(new TextDecoder().decode(json)) as CacheMeta;
    return { meta, checksum: view.getUint32(16, true) };
  } finally {
    closeSync(descriptor);
  }
}

/** Writes bytes to `path` through a temporary file and a rename; removes the temporary on failure. */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.tmp`;
  try {
    writeFileSync(temporary, bytes);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
}

/**
 * Writes bytes to `staging`, then hard-links it to `path` without ever replacing a file
 * there (link fails when `path` exists), so an import cannot clobber an earlier dataset,
 * even one created between a caller's check and this write. The staging file stays: while
 * it exists it shares its inode with `path`, which lets the caller prove that `path` is
 * its own before removing it after a later failure (ownsPublished); the caller removes it.
 */
export function publishNew(path: string, bytes: Uint8Array, staging: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(staging, bytes, { flag: 'wx' });
  try {
    linkSync(staging, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new RangeError(`${basename(path)} exists already; it was not replaced`);
    throw error;
  }
}

/** Whether `path` is the file published from `staging` (both names on one inode). */
export function ownsPublished(path: string, staging: string): boolean {
  try {
    const published = statSync(path);
    const staged = statSync(staging);
    return published.ino === staged.ino && published.dev === staged.dev;
  } catch {
    return false;
  }
}

export type CacheOutcome = 'hit' | 'built' | 'rebuilt';

export interface CacheLoad {
  readonly data: CachedData;
  readonly outcome: CacheOutcome;
  /** Why the cache was rebuilt, when it was. */
  readonly reason?: string;
}

/**
 * Returns the cached dataset at `path` when it is intact and built from `sourceKey`;
 * otherwise calls `build`, stores its result atomically and returns it.
 */
export function loadThroughCache(
  path: string,
  sourceKey: string,
  build: () => CachedData,
): CacheLoad {
  let reason: string | undefined;
  if (existsSync(path)) {
    try {
      const data = decodeCache(readFileSync(path));
      if (data.meta.sourceKey === sourceKey) return { data, outcome: 'hit' };
      reason = `built from '${data.meta.sourceKey}', expected '${sourceKey}'`;
    } catch (error) {
      reason =
        error instanceof CacheError ? error.message : `unreadable: ${(error as Error).message}`;
    }
  }
  const data = build();
  if (data.meta.sourceKey !== sourceKey)
    throw new CacheError(`build for ${path} produced sourceKey '${data.meta.sourceKey}'`);
  writeFileAtomic(path, encodeCache(data));
  return reason === undefined ? { data, outcome: 'built' } : { data, outcome: 'rebuilt', reason };
}
