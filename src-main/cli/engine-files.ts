/**
 * File inputs of the engine commands (`partition`, `measure`): a model (Model JSON or
 * another framework's file, model-files/read.ts), Plane JSON and data (Data JSON or CSV),
 * each read, parsed and validated with errors that start with the file's name. Other
 * commands (zoo-based forms) reuse these.
 */
import { basename } from 'node:path';
import { FormatError, parseDataJson, parsePlaneJson } from '../../src-shared/model/format.ts';
import type { ImportedModel, ImportOptions } from '../../src-shared/model/formats/linear-stack.ts';
import type { Network } from '../../src-shared/model/network.ts';
import {
  clipPlaneToBox,
  planeFromParsed,
  PlaneError,
  type Plane,
} from '../../src-shared/mbh/plane.ts';
import { parseCsv } from '../data/csv.ts';
import { readFileBytes, readModelBytes, shardsBeside } from '../model-files/read.ts';
import { FileSizeError, readTextBounded } from '../data/read-bounded.ts';

/** A user-facing input problem: the CLI prints its message as one line and exits 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** A file's text, size-checked (devices such as /dev/zero included), without a BOM. */
function readText(path: string): string {
  try {
    return readTextBounded(path);
  } catch (error) {
    if (error instanceof FileSizeError) throw new InputError(error.message);
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`${path}: cannot read: ${reason}`);
  }
}

function readJson(path: string): unknown {
  const text = readText(path);
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError(`${path}: bad JSON: ${(error as Error).message}`);
  }
}

/** Runs a validator, prefixing its FormatError/PlaneError with the file's name. */
function inFile<T>(path: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof FormatError || error instanceof PlaneError) {
      throw new InputError(`${path}: ${error.message}`);
    }
    throw error;
  }
}

/**
 * A model file in any format the lab reads (Model JSON, ONNX, safetensors, a torch.save
 * state_dict, a tfjs model.json with its shards beside it), told by magic and extension.
 */
export function loadModelFile(path: string, options: ImportOptions = {}): Network {
  return loadModel(path, options).network;
}

/** loadModelFile with what the reader noted (a dropped Softmax, masks) and the format. */
export function loadModel(path: string, options: ImportOptions = {}): ImportedModel {
  let bytes: Uint8Array;
  try {
    bytes = readFileBytes(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const reason = code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new InputError(`${path}: cannot read: ${reason}`);
  }
  return inFile(path, () =>
    readModelBytes(basename(path), bytes, { ...options, shard: shardsBeside(path) }),
  );
}

/**
 * A plane for `network` from Plane JSON. With `clip`, the domain is intersected with the
 * box [low, high]^d0 (from `box`, else the model's inputBox).
 */
export function loadPlaneFile(
  path: string,
  network: Network,
  clip = false,
  box?: { low: number; high: number },
): Plane {
  const value = readJson(path);
  return inFile(path, () => {
    const plane = planeFromParsed(parsePlaneJson(value, network.inputDim));
    if (!clip) return plane;
    const bounds = box ?? network.inputBox;
    if (!bounds)
      throw new PlaneError(
        '--clip needs an input box: the model has no inputBox, give --box LOW,HIGH',
      );
    return clipPlaneToBox(plane, bounds.low, bounds.high);
  });
}

export interface LoadedData {
  count: number;
  x: Float32Array | Float64Array;
  labels: Int32Array | Uint8Array;
}

/** Data JSON or CSV (by extension), checked against the model's input and class count. */
export function loadDataFile(path: string, inputDim: number, classCount: number): LoadedData {
  if (path.toLowerCase().endsWith('.csv')) {
    const text = readText(path);
    let samples;
    try {
      samples = parseCsv(text, basename(path), classCount);
    } catch (error) {
      throw new InputError((error as Error).message);
    }
    if (samples.inputDim !== inputDim) {
      throw new InputError(
        `${path}: ${samples.inputDim} feature columns, the model's input dimension is ${inputDim}`,
      );
    }
    return { count: samples.count, x: samples.x, labels: samples.labels };
  }
  const value = readJson(path);
  const data = inFile(path, () => parseDataJson(value, inputDim));
  for (let i = 0; i < data.count; i++) {
    if (data.labels[i] >= classCount) {
      throw new InputError(
        `${path}: y[${i}] = ${data.labels[i]} is not a class of the model (0–${classCount - 1})`,
      );
    }
  }
  return { count: data.count, x: data.x, labels: data.labels };
}

/** The output layer's width: the model's class count. */
export function classCountOf(network: Network): number {
  return network.layers[network.layers.length - 1].outDim;
}
