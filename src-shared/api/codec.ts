/**
 * JSON with typed arrays, for the WebSocket transport. Electron's IPC carries typed arrays
 * by structured clone; JSON does not, so each one travels as `{"$typed": name, "base64": …}`
 * holding its raw little-endian bytes. Base64 is written by hand: src-shared has neither
 * Buffer nor btoa in every environment it runs in.
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
