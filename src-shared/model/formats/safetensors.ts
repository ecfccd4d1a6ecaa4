/**
 * safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON naming each tensor's dtype, shape and [begin, end) byte offsets
 * into the data that follows. Read: a PyTorch state_dict of nn.Linear layers. Written: the
 * same, with PyTorch's names (`layers.0.weight` …), F32, so `load_state_dict` takes it.
 */
import { FormatError } from '../format.ts';
import type { Network } from '../network.ts';
import {
  linearsFromStateDict,
  networkFromLinears,
  type ImportedModel,
  type ImportOptions,
} from './linear-stack.ts';
import { bytesTensor, DTYPE_SIZE, float32Bytes, type FloatDtype, type Tensor } from './tensor.ts';
import { utf8Decode, utf8Encode } from './text.ts';

/** The format's own limit on the header (safetensors refuses larger ones too). */
const MAX_HEADER_BYTES = 100_000_000;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The tensors of a safetensors file, each checked against the data before decoding. */
export function readSafetensorsTensors(bytes: Uint8Array): Map<string, Tensor> {
  if (bytes.byteLength < 8) {
    throw new FormatError(`safetensors: ${bytes.byteLength} bytes, too short for the header size`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declared = view.getBigUint64(0, true);
  if (declared > BigInt(bytes.byteLength - 8)) {
    throw new FormatError(
      `safetensors: the header declares ${declared} bytes, the file has ${bytes.byteLength - 8} after the size`,
    );
  }
  const headerLength = Number(declared);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new FormatError(
      `safetensors: a header of ${headerLength} bytes is over the 100 MB limit`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(utf8Decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new FormatError(`safetensors: the header is not JSON: ${(error as Error).message}`);
  }
  if (!isRecord(header)) throw new FormatError('safetensors: the header is not a JSON object');
  const data = bytes.subarray(8 + headerLength);
  const tensors = new Map<string, Tensor>();
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const place = `tensor "${name}"`;
    if (!isRecord(entry)) throw new FormatError(`${place}: expected an object in the header`);
    const dtype = entry.dtype;
    if (typeof dtype !== 'string' || !(dtype in DTYPE_SIZE)) {
      throw new FormatError(
        `${place}: dtype ${JSON.stringify(dtype)} is not a float type (F32, F64, F16 or BF16)`,
      );
    }
    const shape = entry.shape;
    if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
      throw new FormatError(`${place}: shape must be a list of non-negative integers`);
    }
    const offsets = entry.data_offsets;
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((offset) => Number.isSafeInteger(offset) && offset >= 0)
    ) {
      throw new FormatError(`${place}: data_offsets must be [begin, end]`);
    }
    const [begin, end] = offsets as [number, number];
    if (begin > end || end > data.byteLength) {
      throw new FormatError(
        `${place}: data_offsets [${begin}, ${end}] lie outside the ${data.byteLength} bytes of data`,
      );
    }
    tensors.set(
      name,
      bytesTensor(data.subarray(begin, end), dtype as FloatDtype, shape as number[], place),
    );
  }
  return tensors;
}

/** A safetensors state_dict of nn.Linear layers as a network. */
export function readSafetensors(bytes: Uint8Array, options: ImportOptions = {}): ImportedModel {
  const notes: string[] = [];
  const specs = linearsFromStateDict(readSafetensorsTensors(bytes), notes);
  return { format: 'safetensors', network: networkFromLinears(specs, options, notes), notes };
}

/**
 * The network as a safetensors state_dict of an `nn.Sequential` of Linear and ReLU
 * modules: the Linear layers are children 0, 2, 4 … under `prefix` (default `layers`), as
 * `self.layers = nn.Sequential(...)` names them. Weights as stored (mask applied), F32.
 */
export function writeSafetensors(network: Network, prefix = 'layers'): Uint8Array {
  const header: Record<string, unknown> = {
    __metadata__: { format: 'pt', producer: 'mbh-lab' },
  };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], values: ArrayLike<number>) => {
    const data = float32Bytes(values);
    header[name] = { dtype: 'F32', shape, data_offsets: [offset, offset + data.byteLength] };
    chunks.push(data);
    offset += data.byteLength;
  };
  network.layers.forEach((layer, l) => {
    add(`${prefix}.${2 * l}.weight`, [layer.outDim, layer.inDim], layer.weights);
    add(`${prefix}.${2 * l}.bias`, [layer.outDim], layer.bias);
  });
  let headerText = JSON.stringify(header);
  // The data starts 8-byte aligned, as the reference writer pads it with spaces.
  headerText += ' '.repeat((8 - ((8 + utf8Encode(headerText).byteLength) % 8)) % 8);
  const headerBytes = utf8Encode(headerText);
  const out = new Uint8Array(8 + headerBytes.byteLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.byteLength), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.byteLength;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
