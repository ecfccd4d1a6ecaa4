/**
 * Tensors as the framework readers hand them on: a dtype, a shape and the little-endian
 * bytes, decoded to Float64 only when a layer is built from them. Every reader checks the
 * byte length against the shape before anything is allocated, so a file that declares a
 * huge tensor is refused instead of exhausting memory.
 */
import { FormatError } from '../format.ts';

export type FloatDtype = 'F16' | 'BF16' | 'F32' | 'F64';

/** Bytes per element of each float dtype. */
export const DTYPE_SIZE: Record<FloatDtype, number> = { F16: 2, BF16: 2, F32: 4, F64: 8 };

/** A tensor read from a file: row-major values of `shape`. */
export interface Tensor {
  readonly shape: readonly number[];
  /** Row-major values; decoded lazily by the reader, already checked against `shape`. */
  values(): Float64Array;
}

/** The number of elements of a shape; refuses negative, fractional or absurd dimensions. */
export function elementCount(shape: readonly number[], place: string): number {
  let count = 1;
  for (const dim of shape) {
    if (!Number.isSafeInteger(dim) || dim < 0) {
      throw new FormatError(`${place}: shape [${shape.join(', ')}] has a bad dimension ${dim}`);
    }
    count *= dim;
    if (count > Number.MAX_SAFE_INTEGER) {
      throw new FormatError(`${place}: shape [${shape.join(', ')}] is too large`);
    }
  }
  return count;
}

/** IEEE half precision to a number. */
function halfToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Decodes `count` little-endian values of `dtype` from `bytes` (which must hold exactly
 * that many; the callers check) into Float64.
 */
export function decodeFloats(bytes: Uint8Array, dtype: FloatDtype, count: number): Float64Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  switch (dtype) {
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(8 * i, true);
      break;
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view.getUint16(2 * i, true));
      break;
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const word = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        word.setUint32(0, view.getUint16(2 * i, true) << 16, true);
        out[i] = word.getFloat32(0, true);
      }
      break;
    }
  }
  return out;
}

/** A tensor over `bytes` that holds exactly the values of `shape` in `dtype`. */
export function bytesTensor(
  bytes: Uint8Array,
  dtype: FloatDtype,
  shape: readonly number[],
  place: string,
): Tensor {
  const count = elementCount(shape, place);
  const expected = count * DTYPE_SIZE[dtype];
  if (bytes.byteLength !== expected) {
    throw new FormatError(
      `${place}: ${bytes.byteLength} bytes of data, its shape [${shape.join(', ')}] in ${dtype} needs ${expected}`,
    );
  }
  return { shape: [...shape], values: () => decodeFloats(bytes, dtype, count) };
}

/** Little-endian float32 bytes of `values`. */
export function float32Bytes(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(4 * values.length);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(4 * i, values[i], true);
  return out;
}

/**
 * Natural order of names: digit runs compare as numbers, so `layers.2` sorts before
 * `layers.10` (PyTorch's nn.Sequential numbers its children this way).
 */
export function naturalCompare(a: string, b: string): number {
  const chunks = (text: string) => text.match(/\d+|\D+/g) ?? [];
  const left = chunks(a);
  const right = chunks(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const x = left[i];
    const y = right[i];
    if (x === y) continue;
    const bothDigits = /^\d/.test(x) && /^\d/.test(y);
    if (bothDigits && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}
