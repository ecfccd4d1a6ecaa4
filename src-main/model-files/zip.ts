/**
 * A read-only zip reader for torch.save archives: the central directory (zip64 included,
 * as torch writes large files), stored entries as views of the file's bytes and deflated
 * ones through node:zlib with their declared size as the output limit. Every offset and
 * size is checked against the file before use, so a damaged or hostile archive is refused
 * with a clear message instead of reading past the end or inflating without bound.
 */
import { inflateRawSync } from 'node:zlib';
import { FormatError } from '../../src-shared/model/format.ts';
import type { ArchiveEntries } from '../../src-shared/model/formats/pytorch.ts';

interface Entry {
  method: number;
  compressedSize: number;
  size: number;
  headerOffset: number;
}

const END_OF_DIRECTORY = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_END = 0x06064b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

function fail(message: string): never {
  throw new FormatError(`zip: ${message}`);
}

function safeNumber(value: bigint, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) fail(`${what} ${value} is too large`);
  return Number(value);
}

/** Opens a zip archive held in memory. */
export function openZip(bytes: Uint8Array): ArchiveEntries {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = bytes.byteLength;
  let end = -1;
  for (let at = length - 22; at >= Math.max(0, length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no end of central directory (the file is truncated or not a zip)');
  let count = view.getUint16(end + 10, true);
  let directorySize = view.getUint32(end + 12, true);
  let directoryOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    const locator = end - 20;
    if (locator < 0 || view.getUint32(locator, true) !== ZIP64_LOCATOR)
      fail('zip64 locator missing');
    const zip64End = safeNumber(view.getBigUint64(locator + 8, true), 'zip64 offset');
    if (zip64End + 56 > length || view.getUint32(zip64End, true) !== ZIP64_END) {
      fail('zip64 end of central directory missing');
    }
    count = safeNumber(view.getBigUint64(zip64End + 32, true), 'entry count');
    directorySize = safeNumber(view.getBigUint64(zip64End + 40, true), 'directory size');
    directoryOffset = safeNumber(view.getBigUint64(zip64End + 48, true), 'directory offset');
  }
  if (directoryOffset + directorySize > length)
    fail('the central directory lies past the end of the file');
  const entries = new Map<string, Entry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > length || view.getUint32(at, true) !== DIRECTORY_ENTRY) {
      fail(`central directory entry ${i} is damaged`);
    }
    const method = view.getUint16(at + 10, true);
    let compressedSize = view.getUint32(at + 20, true);
    let size = view.getUint32(at + 24, true);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    let headerOffset = view.getUint32(at + 42, true);
    if (at + 46 + nameLength + extraLength > length)
      fail(`central directory entry ${i} is truncated`);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    // zip64 extra field: the 64-bit values of the fields that hold 0xffffffff, in order.
    let extra = at + 46 + nameLength;
    const extraEnd = extra + extraLength;
    while (extra + 4 <= extraEnd) {
      const id = view.getUint16(extra, true);
      const size64 = view.getUint16(extra + 2, true);
      if (extra + 4 + size64 > extraEnd) fail(`the extra fields of ${name} are damaged`);
      if (id === 0x0001) {
        let field = extra + 4;
        const next = (): number => {
          if (field + 8 > extra + 4 + size64) fail(`zip64 field of ${name} is short`);
          const value = safeNumber(view.getBigUint64(field, true), 'zip64 size');
          field += 8;
          return value;
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (headerOffset === 0xffffffff) headerOffset = next();
      }
      extra += 4 + size64;
    }
    entries.set(name, { method, compressedSize, size, headerOffset });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return {
    names: [...entries.keys()],
    read(name: string): Uint8Array {
      const entry = entries.get(name);
      if (!entry) fail(`no entry ${name}`);
      const header = entry.headerOffset;
      if (header + 30 > length || view.getUint32(header, true) !== LOCAL_HEADER) {
        fail(`the local header of ${name} is damaged`);
      }
      const start =
        header + 30 + view.getUint16(header + 26, true) + view.getUint16(header + 28, true);
      if (start + entry.compressedSize > length)
        fail(`${name} runs past the end of the file (truncated?)`);
      const data = bytes.subarray(start, start + entry.compressedSize);
      if (entry.method === 0) {
        if (entry.size !== entry.compressedSize) fail(`stored entry ${name} has two sizes`);
        return data;
      }
      if (entry.method !== 8)
        fail(`${name} uses compression method ${entry.method} (stored or deflate only)`);
      // Deflate cannot expand more than about 1032:1; a larger claim is a zip bomb.
      if (entry.size > 1032 * entry.compressedSize + 1024) {
        fail(`${name} claims ${entry.size} bytes from ${entry.compressedSize} compressed`);
      }
      let out: Buffer;
      try {
        out = inflateRawSync(data, { maxOutputLength: Math.max(1, entry.size) });
      } catch (error) {
        fail(
          `${name} does not inflate to its declared ${entry.size} bytes (${(error as Error).message})`,
        );
      }
      if (out.byteLength !== entry.size)
        fail(`${name} inflates to ${out.byteLength} bytes, declared ${entry.size}`);
      return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    },
  };
}
