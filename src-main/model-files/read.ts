/**
 * One entry point for every model file format: the bytes of a file (read from disk by the
 * CLI's engine commands, or by the model-file worker for an import) to a network, by the
 * format its magic number or extension says. A tfjs model.json names weight shards beside it; the caller says how
 * to get them. Also the file's SHA-256, stored with an imported model.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MAX_MODEL_FILE_BYTES } from '../../src-shared/api/model-files.ts';
import { FormatError, parseModelJson } from '../../src-shared/model/format.ts';
import { detectModelFile } from '../../src-shared/model/formats/detect.ts';
import {
  networkFromLinears,
  type ImportedModel,
  type ImportOptions,
} from '../../src-shared/model/formats/linear-stack.ts';
import { readOnnx } from '../../src-shared/model/formats/onnx.ts';
import { readPytorch } from '../../src-shared/model/formats/pytorch.ts';
import { readSafetensors } from '../../src-shared/model/formats/safetensors.ts';
import { isTfjsModelJson, readTfjs } from '../../src-shared/model/formats/tfjs.ts';
import type { Network } from '../../src-shared/model/network.ts';
import { openZip } from './zip.ts';

/** The largest model file (or weight shard) the lab reads (src-shared/api/model-files.ts). */
export { MAX_MODEL_FILE_BYTES };

export interface ReadModelOptions extends ImportOptions {
  /** The bytes of a tfjs weight shard named in model.json (relative to it). */
  shard?: (path: string) => Uint8Array;
}

/** A mbh-model-bundle: not a single network; `zoo import` stores it with its history. */
export class BundleFileError extends FormatError {}

/** The hex SHA-256 of a file's bytes. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Applies --mask-zeros to a network read from Model JSON (its own masks stay). */
function withMaskZeros(network: Network, options: ImportOptions, notes: string[]): Network {
  if (!options.maskZeros) return network;
  const specs = network.layers.map((layer, l) => ({
    place: `layers[${l}]`,
    inDim: layer.inDim,
    outDim: layer.outDim,
    weights: layer.weights,
    bias: layer.bias,
    ...(layer.mask ? { mask: layer.mask } : {}),
  }));
  const masked = networkFromLinears(specs, options, notes);
  return network.inputBox ? { ...masked, inputBox: network.inputBox } : masked;
}

/** Reads a model file's bytes; FormatErrors name the place in the file. */
export function readModelBytes(
  fileName: string,
  bytes: Uint8Array,
  options: ReadModelOptions = {},
): ImportedModel {
  const kind = detectModelFile(fileName, bytes);
  switch (kind) {
    case 'onnx':
      return readOnnx(bytes, options);
    case 'safetensors':
      return readSafetensors(bytes, options);
    case 'pytorch':
      return readPytorch(openZip(bytes), options);
    case 'json': {
      let value: unknown;
      try {
        value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
      } catch (error) {
        throw new FormatError(`bad JSON: ${(error as Error).message}`);
      }
      if (isTfjsModelJson(value)) {
        const shard =
          options.shard ??
          ((path: string) => {
            throw new FormatError(`tfjs: weight file ${path} was not given with model.json`);
          });
        return readTfjs(value, shard, options);
      }
      const format = (value as { format?: unknown } | null)?.format;
      if (format === 'mbh-model-bundle') {
        throw new BundleFileError(
          'a model bundle (every checkpoint); import it with `zoo import` or export one checkpoint',
        );
      }
      const notes: string[] = [];
      const network = withMaskZeros(parseModelJson(value), options, notes);
      return { format: 'mbh-model', network, notes };
    }
  }
}

/** The bytes of a file up to MAX_MODEL_FILE_BYTES, size checked before reading. */
export function readFileBytes(path: string, limit = MAX_MODEL_FILE_BYTES): Uint8Array {
  const descriptor = openSync(path, 'r');
  try {
    const stat = fstatSync(descriptor);
    if (stat.isDirectory()) throw Object.assign(new Error('it is a folder'), { code: 'EISDIR' });
    if (!stat.isFile()) throw new Error('not a regular file');
    if (stat.size > limit) {
      throw new Error(`${stat.size} bytes, over the limit of ${limit} bytes for a model file`);
    }
    const bytes = new Uint8Array(stat.size);
    let read = 0;
    while (read < stat.size) {
      const count = readSync(descriptor, bytes, read, stat.size - read, null);
      if (count === 0) break;
      read += count;
    }
    return read === stat.size ? bytes : bytes.subarray(0, read);
  } finally {
    closeSync(descriptor);
  }
}

/** A tfjs shard reader for a model.json at `modelPath`: files beside it. */
export function shardsBeside(modelPath: string): (path: string) => Uint8Array {
  return (path) => {
    try {
      return readFileBytes(join(dirname(modelPath), path));
    } catch (error) {
      throw new FormatError(`tfjs: cannot read weight file ${path}: ${(error as Error).message}`);
    }
  };
}
