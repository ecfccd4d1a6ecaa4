/**
 * PyTorch files written by `torch.save(model.state_dict(), path)`: a zip archive
 * `<name>/data.pkl` (the pickled dict, tensors as references to storages) and
 * `<name>/data/<key>` (each storage's raw little-endian bytes). The zip itself is opened by
 * the caller (it needs inflate); this reads the archive's entries through `ArchiveEntries`.
 * The pickle is read by pickle.ts, which never runs code.
 */
import { FormatError } from '../format.ts';
import {
  linearsFromStateDict,
  networkFromLinears,
  type ImportedModel,
  type ImportOptions,
} from './linear-stack.ts';
import { readPickle, type PickleDict, type PickleValue, type TensorRef } from './pickle.ts';
import { decodeFloats, DTYPE_SIZE, elementCount, type FloatDtype, type Tensor } from './tensor.ts';
import { utf8Decode } from './text.ts';

/** The entries of a zip archive, read on demand. */
export interface ArchiveEntries {
  names: readonly string[];
  read(name: string): Uint8Array;
}

const FLOAT_STORAGES: Record<string, FloatDtype> = {
  FloatStorage: 'F32',
  DoubleStorage: 'F64',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
};

const OTHER_STORAGE_SIZES: Record<string, number> = {
  LongStorage: 8,
  IntStorage: 4,
  ShortStorage: 2,
  CharStorage: 1,
  ByteStorage: 1,
  BoolStorage: 1,
};

/** Keys under which training scripts commonly nest the state_dict in a checkpoint dict. */
const NESTED_KEYS = ['state_dict', 'model_state_dict', 'model'];

function isDict(value: PickleValue | undefined): value is PickleDict {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'dict'
  );
}

function isTensor(value: PickleValue | undefined): value is TensorRef {
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && value.kind === 'tensor'
  );
}

/** The dict of tensors in the pickle: the top level, or one nested under a usual key. */
function stateDictOf(value: PickleValue, notes: string[]): PickleDict {
  if (!isDict(value))
    throw new FormatError('pytorch: the file does not hold a dict (a state_dict)');
  const tensors = [...value.entries.values()].filter(isTensor).length;
  if (tensors > 0 || value.entries.size === 0) return value;
  for (const key of NESTED_KEYS) {
    const nested = value.entries.get(key);
    if (isDict(nested)) {
      notes.push(`the state_dict is the checkpoint's "${key}" entry`);
      return nested;
    }
  }
  throw new FormatError(
    `pytorch: the dict holds no tensors and no ${NESTED_KEYS.map((key) => `"${key}"`).join(' or ')} entry; save model.state_dict()`,
  );
}

/** The tensors of a torch.save archive's state_dict (name → tensor). */
export function readTorchTensors(archive: ArchiveEntries, notes: string[]): Map<string, Tensor> {
  const pickles = archive.names.filter((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (pickles.length !== 1) {
    throw new FormatError(
      `pytorch: expected one <name>/data.pkl in the archive, found ${pickles.length} (is this a torch.save file?)`,
    );
  }
  const prefix = pickles[0].slice(0, -'data.pkl'.length);
  const byteOrderName = `${prefix}byteorder`;
  if (archive.names.includes(byteOrderName)) {
    const order = utf8Decode(archive.read(byteOrderName)).trim();
    if (order !== 'little')
      throw new FormatError(`pytorch: byte order "${order}" is not supported`);
  }
  const state = stateDictOf(readPickle(archive.read(pickles[0])), notes);
  const storages = new Map<string, Uint8Array>();
  const tensors = new Map<string, Tensor>();
  for (const [key, value] of state.entries) {
    const name = String(key);
    const place = `tensor "${name}"`;
    if (!isTensor(value)) {
      throw new FormatError(
        `${place}: not a tensor (a state_dict of nn.Linear layers holds tensors only)`,
      );
    }
    const { storage, offset, size, stride } = value;
    const dtype = FLOAT_STORAGES[storage.type];
    const elementSize = dtype ? DTYPE_SIZE[dtype] : OTHER_STORAGE_SIZES[storage.type];
    const entry = `${prefix}data/${storage.key}`;
    if (!archive.names.includes(entry))
      throw new FormatError(`${place}: storage ${entry} is missing`);
    let bytes = storages.get(storage.key);
    if (!bytes) {
      bytes = archive.read(entry);
      storages.set(storage.key, bytes);
    }
    const available = Math.floor(bytes.byteLength / elementSize);
    const count = elementCount(size, place);
    let last = offset;
    for (let k = 0; k < size.length; k++) last += (size[k] - 1) * stride[k];
    if (count > 0 && last >= available) {
      throw new FormatError(
        `${place}: size [${size.join(', ')}] at offset ${offset} reaches element ${last}, its storage holds ${available}`,
      );
    }
    const storageBytes = bytes;
    tensors.set(name, {
      shape: size,
      values: () => {
        if (!dtype) {
          throw new FormatError(`${place}: ${storage.type} is not a float tensor`);
        }
        const all = decodeFloats(
          storageBytes.subarray(0, available * elementSize),
          dtype,
          available,
        );
        const out = new Float64Array(count);
        // Gather by strides (a saved tensor may be a transposed or sliced view).
        const index = new Array<number>(size.length).fill(0);
        for (let q = 0; q < count; q++) {
          let at = offset;
          for (let k = 0; k < size.length; k++) at += index[k] * stride[k];
          out[q] = all[at];
          for (let k = size.length - 1; k >= 0; k--) {
            if (++index[k] < size[k]) break;
            index[k] = 0;
          }
        }
        return out;
      },
    });
  }
  return tensors;
}

/** A torch.save'd state_dict of nn.Linear layers as a network. */
export function readPytorch(archive: ArchiveEntries, options: ImportOptions = {}): ImportedModel {
  const notes: string[] = [];
  const specs = linearsFromStateDict(readTorchTensors(archive, notes), notes);
  return { format: 'pytorch', network: networkFromLinears(specs, options, notes), notes };
}
