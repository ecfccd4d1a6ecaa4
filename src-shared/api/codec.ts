/**
 * The api's one codec for the WebSocket transport. A message without typed arrays is a
 * JSON text frame. A message with typed arrays (partitions, blankets, images) is one
 * binary frame: a JSON header in which every typed array is a reference into the binary
 * part that follows, so multi-megabyte results cross as raw bytes (no base64 strings on
 * the main thread) and are read back as views without a copy. Electron's IPC carries the
 * same values by structured clone, which keeps typed arrays as they are.
 *
 * Frame layout: 'MBHF' · u32 header length · header JSON (UTF-8) · zero padding to 8 ·
 * the arrays' bytes, each starting on an 8-byte boundary (little-endian, as typed arrays
 * are on every platform the lab runs on).
 *
 * Text frames may still carry a typed array as `{"$typed": name, "base64": …}` (older
 * clients); that path is decoded, never produced.
 */

const TYPED = {
  Float64Array,
  Float32Array,
  Uint32Array,
  Int32Array,
  Uint16Array,
  Int16Array,
  Uint8Array,
  Int8Array,
} as const;
type TypedName = keyof typeof TYPED;
type AnyTyped = InstanceType<(typeof TYPED)[TypedName]>;

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const LOOKUP = new Uint8Array(128);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

export function bytesToBase64(bytes: Uint8Array): string {
  const parts: string[] = [];
  // Build in chunks: one string per 48 KiB keeps memory flat for multi-megabyte arrays.
  const chunk = 3 * 16_384;
  for (let start = 0; start < bytes.length; start += chunk) {
    const end = Math.min(bytes.length, start + chunk);
    let text = '';
    for (let i = start; i < end; i += 3) {
      const a = bytes[i];
      const b = i + 1 < end ? bytes[i + 1] : 0;
      const c = i + 2 < end ? bytes[i + 2] : 0;
      const triple = (a << 16) | (b << 8) | c;
      text += ALPHABET[(triple >> 18) & 63] + ALPHABET[(triple >> 12) & 63];
      text += i + 1 < end ? ALPHABET[(triple >> 6) & 63] : '=';
      text += i + 2 < end ? ALPHABET[triple & 63] : '=';
    }
    parts.push(text);
  }
  return parts.join('');
}

export function base64ToBytes(text: string): Uint8Array {
  if (text.length % 4 !== 0 || /[^A-Za-z0-9+/=]/.test(text)) throw new Error('invalid base64 text');
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const triple =
      (LOOKUP[text.charCodeAt(i)] << 18) |
      (LOOKUP[text.charCodeAt(i + 1)] << 12) |
      (LOOKUP[text.charCodeAt(i + 2)] << 6) |
      LOOKUP[text.charCodeAt(i + 3)];
    if (o < out.length) out[o++] = (triple >> 16) & 255;
    if (o < out.length) out[o++] = (triple >> 8) & 255;
    if (o < out.length) out[o++] = triple & 255;
  }
  return out;
}

function typedName(value: unknown): TypedName | undefined {
  if (!ArrayBuffer.isView(value) || value instanceof DataView) return undefined;
  const name = value.constructor.name;
  return name in TYPED ? (name as TypedName) : undefined;
}

export function encode(value: unknown): string {
  return JSON.stringify(value, function replacer(this: unknown, _key, item: unknown) {
    const name = typedName(item);
    if (!name) return item;
    const view = item as AnyTyped;
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    return { $typed: name, base64: bytesToBase64(bytes) };
  });
}

export function decode(text: string): unknown {
  return JSON.parse(text, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || !('$typed' in item)) return item;
    const { $typed, base64 } = item as { $typed: unknown; base64: unknown };
    if (typeof $typed !== 'string' || !($typed in TYPED) || typeof base64 !== 'string') {
      throw new Error(`malformed typed array in message: ${String($typed)}`);
    }
    const bytes = base64ToBytes(base64);
    const Ctor = TYPED[$typed as TypedName];
    if (bytes.byteLength % Ctor.BYTES_PER_ELEMENT !== 0) {
      throw new Error(
        `${$typed} payload of ${bytes.byteLength} bytes is not a whole number of elements`,
      );
    }
    return new Ctor(
      bytes.buffer as ArrayBuffer,
      bytes.byteOffset,
      bytes.byteLength / Ctor.BYTES_PER_ELEMENT,
    );
  });
}

const FRAME_MAGIC = 0x4648424d; // 'MBHF' little-endian
const FRAME_REFERENCE = '$frame';

interface TextCodec {
  encode(text: string): Uint8Array;
}
interface TextDecoding {
  decode(bytes: Uint8Array): string;
}
/** Every platform of the lab (Node, Chromium) has these; src-shared declares only the shape. */
const platform = globalThis as unknown as {
  TextEncoder: new () => TextCodec;
  TextDecoder: new (label: string, options: { fatal: boolean }) => TextDecoding;
};

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Whether a value holds a typed array anywhere (then it travels as a binary frame). */
export function hasTypedArrays(value: unknown, depth = 0): boolean {
  if (typedName(value)) return true;
  if (typeof value !== 'object' || value === null || depth > 64) return false;
  for (const item of Array.isArray(value) ? value : Object.values(value)) {
    if (typeof item === 'object' && item !== null && hasTypedArrays(item, depth + 1)) return true;
  }
  return false;
}

/** One binary frame of a value with typed arrays (see the file comment). */
export function encodeFrame(value: unknown): Uint8Array {
  const arrays: AnyTyped[] = [];
  let offset = 0;
  const header = JSON.stringify(value, (_key, item: unknown) => {
    const name = typedName(item);
    if (!name) return item;
    const view = item as AnyTyped;
    arrays.push(view);
    const reference = { [FRAME_REFERENCE]: name, offset, length: view.length };
    offset = align8(offset + view.byteLength);
    return reference;
  });
  const headerBytes = new platform.TextEncoder().encode(header);
  const start = align8(8 + headerBytes.length);
  const out = new Uint8Array(start + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, FRAME_MAGIC, true);
  view.setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  let at = start;
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
    at = align8(at + array.byteLength);
  }
  return out;
}

/** The value of a binary frame; arrays are views into the frame when it is aligned. */
export function decodeFrame(frame: Uint8Array): unknown {
  if (frame.byteLength < 8) throw new Error('binary message is truncated');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  if (view.getUint32(0, true) !== FRAME_MAGIC)
    throw new Error('binary message has an unknown format');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > frame.byteLength) throw new Error('binary message is truncated');
  const header = new platform.TextDecoder('utf-8', { fatal: true }).decode(
    frame.subarray(8, 8 + headerLength),
  );
  const start = align8(8 + headerLength);
  // Views need their element alignment; a frame at an odd offset (a pooled buffer) is copied.
  const body = frame.byteOffset % 8 === 0 ? frame : (frame.slice() as Uint8Array<ArrayBuffer>);
  return JSON.parse(header, (_key, item: unknown) => {
    if (typeof item !== 'object' || item === null || !(FRAME_REFERENCE in item)) return item;
    const record = item as Record<string, unknown>;
    const name = record[FRAME_REFERENCE];
    const { offset, length } = record;
    if (typeof name !== 'string' || !Object.prototype.hasOwnProperty.call(TYPED, name)) {
      throw new Error(`binary message has an unknown array type ${String(name).slice(0, 40)}`);
    }
    const Ctor = TYPED[name as TypedName];
    if (
      typeof offset !== 'number' ||
      typeof length !== 'number' ||
      !Number.isInteger(offset) ||
      !Number.isInteger(length) ||
      offset < 0 ||
      length < 0 ||
      offset % 8 !== 0
    ) {
      throw new Error('binary message has a malformed array reference');
    }
    const from = start + offset;
    if (from + length * Ctor.BYTES_PER_ELEMENT > body.byteLength) {
      throw new Error('binary message is truncated');
    }
    return new Ctor(body.buffer as ArrayBuffer, body.byteOffset + from, length);
  });
}

/** A message as it goes on the socket: text without typed arrays, else one binary frame. */
export function encodeMessage(value: unknown): string | Uint8Array {
  return hasTypedArrays(value) ? encodeFrame(value) : encode(value);
}

/** A message from the socket: a text frame (string) or a binary one. */
export function decodeMessage(data: string | Uint8Array): unknown {
  return typeof data === 'string' ? decode(data) : decodeFrame(data);
}
