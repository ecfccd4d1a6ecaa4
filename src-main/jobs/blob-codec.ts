/**
 * A plain-data value with typed arrays in it (a training resume state) as one blob: a
 * JSON header in which every typed array is replaced by a reference into the binary part
 * that follows. Round trips are bit-exact.
 *
 * Layout: 'MBHB' · u32 header length · header JSON (UTF-8) · zero padding to 8 bytes ·
 * the arrays' bytes, each starting on an 8-byte boundary.
 */
const MAGIC = 0x4248424d; // 'MBHB' little-endian
const KINDS = {
  Float32Array,
  Float64Array,
  Int32Array,
  Uint32Array,
  Uint8Array,
  Int8Array,
  Int16Array,
  Uint16Array,
} as const;
type Kind = keyof typeof KINDS;
const REFERENCE = '__typedArray';

function align8(n: number): number {
  return (n + 7) & ~7;
}

export function encodeBlob(value: unknown): Buffer {
  const arrays: ArrayBufferView[] = [];
  let offset = 0;
  const header = JSON.stringify(value, (_key, item: unknown) => {
    if (ArrayBuffer.isView(item) && !(item instanceof DataView)) {
      const kind = item.constructor.name as Kind;
      if (!(kind in KINDS)) throw new TypeError(`cannot store a ${kind}`);
      const reference = { [REFERENCE]: kind, offset, length: (item as Float32Array).length };
      arrays.push(item);
      offset = align8(offset + item.byteLength);
      return reference;
    }
    if (typeof item === 'number' && !Number.isFinite(item)) {
      return { __number: String(item) };
    }
    return item;
  });
  const headerBytes = Buffer.from(header, 'utf8');
  const start = align8(8 + headerBytes.length);
  const out = Buffer.alloc(start + offset);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(headerBytes.length, 4);
  headerBytes.copy(out, 8);
  let at = start;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at = align8(at + array.byteLength);
  }
  return out;
}

export function decodeBlob<T>(blob: Uint8Array): T {
  if (blob.length < 8) throw new Error('stored state is truncated');
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('stored state has an unknown format');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > blob.length) throw new Error('stored state is truncated');
  const header = new TextDecoder().decode(blob.subarray(8, 8 + headerLength));
  const start = align8(8 + headerLength);
  return JSON.parse(header, (_key, item: unknown) => {
    if (item && typeof item === 'object') {
      const record = item as Record<string, unknown>;
      if (typeof record[REFERENCE] === 'string') {
        const kind = record[REFERENCE] as Kind;
        const Type = KINDS[kind];
        if (!Type) throw new Error(`stored state has an unknown array type ${kind}`);
        const length = record.length as number;
        const from = start + (record.offset as number);
        const bytes = length * Type.BYTES_PER_ELEMENT;
        if (from + bytes > blob.length) throw new Error('stored state is truncated');
        const copy = new Uint8Array(bytes);
        copy.set(blob.subarray(from, from + bytes));
        return new Type(copy.buffer);
      }
      if (typeof record.__number === 'string' && Object.keys(record).length === 1) {
        return Number(record.__number);
      }
    }
    return item;
  }) as T;
}
