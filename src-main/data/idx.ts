/**
 * IDX files (the MNIST format, yann.lecun.com/exdb/mnist): a big-endian header — two zero
 * bytes, a type byte, the number of dimensions — then one u32 size per dimension, then
 * the values, big-endian. Images are 3-D (count × rows × cols) or 2-D (count × features);
 * labels are 1-D unsigned bytes.
 */
import { basename } from 'node:path';
import { readFileBounded } from './read-bounded.ts';

export type IdxElementType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

const TYPE_CODES: Record<number, { type: IdxElementType; bytes: number }> = {
  0x08: { type: 'u8', bytes: 1 },
  0x09: { type: 'i8', bytes: 1 },
  0x0b: { type: 'i16', bytes: 2 },
  0x0c: { type: 'i32', bytes: 4 },
  0x0d: { type: 'f32', bytes: 4 },
  0x0e: { type: 'f64', bytes: 8 },
};

export interface IdxArray {
  readonly type: IdxElementType;
  readonly dims: readonly number[];
  /** Raw bytes for 'u8', otherwise the values converted to float64. */
  readonly bytes: Uint8Array | null;
  readonly values: Float64Array | null;
}

/** An error in a data file; the message names the file and the place. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

/** Parses an IDX buffer; `label` names it in errors (usually the file name). */
export function parseIdx(buffer: Uint8Array, label: string): IdxArray {
  if (buffer.length === 0) throw new DataFileError(`${label}: the file is empty`);
  if (buffer.length < 4)
    throw new DataFileError(
      `${label}: truncated IDX header (${buffer.length} bytes, need at least 4)`,
    );
  if (buffer[0] !== 0 || buffer[1] !== 0) {
    const magic = Array.from(buffer.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(
      ' ',
    );
    throw new DataFileError(
      `${label}: wrong magic number ${magic}: an IDX file starts with 00 00 <type> <dims>`,
    );
  }
  const code = buffer[2];
  const element = TYPE_CODES[code];
  if (element === undefined) {
    throw new DataFileError(
      `${label}: unknown IDX element type 0x${code.toString(16).padStart(2, '0')}`,
    );
  }
  const rank = buffer[3];
  if (rank < 1)
    throw new DataFileError(
      `${label}: an IDX file needs at least one dimension, the header says 0`,
    );
  const headerBytes = 4 + 4 * rank;
  if (buffer.length < headerBytes) {
    throw new DataFileError(
      `${label}: truncated IDX header (${buffer.length} bytes, the ${rank} dimensions need ${headerBytes})`,
    );
  }
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < rank; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    dims.push(size);
    count *= size;
  }
  const expected = headerBytes + count * element.bytes;
  if (buffer.length < expected) {
    throw new DataFileError(
      `${label}: truncated: the header promises ${dims.join(' × ')} ${element.type} values (${expected} bytes), the file has ${buffer.length} bytes`,
    );
  }
  if (buffer.length > expected) {
    throw new DataFileError(
      `${label}: ${buffer.length - expected} unexpected bytes after the ${dims.join(' × ')} values the header declares`,
    );
  }
  if (element.type === 'u8') {
    return { type: 'u8', dims, bytes: buffer.subarray(headerBytes, expected), values: null };
  }
  const values = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const offset = headerBytes + i * element.bytes;
    switch (element.type) {
      case 'i8':
        values[i] = view.getInt8(offset);
        break;
      case 'i16':
        values[i] = view.getInt16(offset, false);
        break;
      case 'i32':
        values[i] = view.getInt32(offset, false);
        break;
      case 'f32':
        values[i] = view.getFloat32(offset, false);
        break;
      default:
        values[i] = view.getFloat64(offset, false);
    }
    if (!Number.isFinite(values[i])) {
      throw new DataFileError(`${label}: value ${i} is not a finite number (${values[i]})`);
    }
  }
  return { type: element.type, dims, bytes: null, values };
}

export function readIdxFile(path: string): IdxArray {
  let buffer: Uint8Array;
  try {
    buffer = readFileBounded(path);
  } catch (error) {
    throw new DataFileError(`${path}: cannot read: ${(error as Error).message}`);
  }
  return parseIdx(buffer, basename(path));
}

/** The four magic bytes of a parsed IDX array, as a file starts with them. */
function magicOf(array: IdxArray): string {
  const code = Object.entries(TYPE_CODES).find(([, element]) => element.type === array.type)?.[0];
  const hex = (value: number) => value.toString(16).padStart(2, '0');
  return `00 00 ${hex(Number(code))} ${hex(array.dims.length)}`;
}

/** Samples of an IDX images/labels pair. `pixels` holds raw bytes for u8 data (scale /255). */
export interface IdxSamples {
  readonly count: number;
  readonly inputDim: number;
  /** u8 images: the raw bytes, scaled to [0, 1] by the caller; other types: values as they are. */
  readonly pixels: Uint8Array | Float32Array;
  readonly labels: Uint8Array;
}

/**
 * Validates and combines an images file (2-D or 3-D) and a labels file (1-D u8).
 * `classCount`, when given, bounds the labels; otherwise labels must be < 256.
 */
export function combineIdx(
  images: IdxArray,
  labels: IdxArray,
  imagesLabel: string,
  labelsLabel: string,
  classCount?: number,
): IdxSamples {
  // Swapped files are a common slip: say so rather than only that the shape is wrong.
  if (labels.dims.length >= 2 && images.dims.length === 1) {
    throw new DataFileError(
      `${labelsLabel} and ${imagesLabel} look swapped: ${labelsLabel} has the magic of an images file (${magicOf(labels)}, ${labels.dims.length}-D) and ${imagesLabel} that of a labels file (${magicOf(images)}, 1-D)`,
    );
  }
  if (labels.dims.length >= 2) {
    throw new DataFileError(
      `${labelsLabel}: this is an images file (magic ${magicOf(labels)}, ${labels.dims.length}-D: ${labels.dims.join(' × ')}), not a labels file (magic 00 00 08 01, 1-D)`,
    );
  }
  if (images.dims.length === 1) {
    throw new DataFileError(
      `${imagesLabel}: this is a labels file (magic ${magicOf(images)}, 1-D), not an images file (2-D or 3-D, e.g. magic 00 00 08 03)`,
    );
  }
  if (images.dims.length < 2 || images.dims.length > 3) {
    throw new DataFileError(
      `${imagesLabel}: images must be 2-D (count × features) or 3-D (count × rows × cols), got ${images.dims.length}-D`,
    );
  }
  if (labels.dims.length !== 1) {
    throw new DataFileError(
      `${labelsLabel}: labels must be 1-D, got ${labels.dims.length}-D (${labels.dims.join(' × ')})`,
    );
  }
  if (labels.type !== 'u8' || labels.bytes === null) {
    throw new DataFileError(
      `${labelsLabel}: labels must be unsigned bytes (type 0x08), got ${labels.type}`,
    );
  }
  const count = images.dims[0];
  if (count === 0) throw new DataFileError(`${imagesLabel}: the file holds no images`);
  if (labels.dims[0] !== count) {
    throw new DataFileError(
      `count mismatch: ${imagesLabel} holds ${count} images but ${labelsLabel} holds ${labels.dims[0]} labels`,
    );
  }
  const inputDim = images.dims.slice(1).reduce((a, b) => a * b, 1);
  if (inputDim === 0)
    throw new DataFileError(`${imagesLabel}: images have zero size (${images.dims.join(' × ')})`);
  const limit = classCount ?? 256;
  for (let i = 0; i < count; i++) {
    if (labels.bytes[i] >= limit) {
      throw new DataFileError(
        `${labelsLabel}: label ${i} is ${labels.bytes[i]}, outside [0, ${limit})`,
      );
    }
  }
  const pixels = images.bytes !== null ? images.bytes : Float32Array.from(images.values!);
  return { count, inputDim, pixels, labels: labels.bytes };
}
