/** Typed arrays in and out of SQLite blobs. Reads copy, so the arrays are aligned and owned. */

export function blob(array: ArrayBufferView): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function bytes(value: Buffer | Uint8Array, width: number, what: string): ArrayBuffer {
  if (value.byteLength % width !== 0) {
    throw new Error(`stored ${what} has ${value.byteLength} bytes, not a multiple of ${width}`);
  }
  const copy = new Uint8Array(value.byteLength);
  copy.set(value);
  return copy.buffer;
}

export const float32 = (value: Buffer, what = 'array'): Float32Array =>
  new Float32Array(bytes(value, 4, what));
export const float64 = (value: Buffer, what = 'array'): Float64Array =>
  new Float64Array(bytes(value, 8, what));
export const uint8 = (value: Buffer): Uint8Array => new Uint8Array(bytes(value, 1, 'bytes'));
