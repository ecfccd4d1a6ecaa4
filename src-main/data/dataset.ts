/**
 * The in-memory form of a classification dataset: flat Float32 rows (n × inputDim,
 * row-major) and Uint8 labels, a fixed train/test split, class names and the input box.
 */
import type { InputBox } from '../../src-shared/model/network.ts';

export interface DatasetSplit {
  readonly count: number;
  /** Row-major count × inputDim. */
  readonly x: Float32Array;
  /** Class index per row, in [0, classCount). */
  readonly y: Uint8Array;
  /**
   * For byte images: the raw bytes, with `x[i] === BYTE_TO_UNIT[pixels[i]]` exactly. Consumers
   * that can work from bytes (the training loop's batches) use them and never touch `x`,
   * which is then never materialised: 4× less memory and no 188 MB allocation per load.
   */
  readonly pixels?: Uint8Array;
}

/** Per-dimension bounds of the input space; `inputBox` is their hull `[min low, max high]`. */
export interface InputBounds {
  readonly low: Float32Array;
  readonly high: Float32Array;
}

/** Mean and std per input dimension of the training split (appendix A.3). */
export interface Standardisation {
  readonly mean: Float32Array;
  /** The divisor used: the std, or 1 where the training std is 0. */
  readonly std: Float32Array;
}

export interface Dataset {
  readonly id: string;
  readonly name: string;
  readonly inputDim: number;
  readonly classCount: number;
  readonly classNames: readonly string[];
  readonly train: DatasetSplit;
  readonly test: DatasetSplit;
  /** The box `[low, high]^inputDim` containing every possible input (e.g. [0, 1] for pixels). */
  readonly inputBox: InputBox;
  /** Per-dimension bounds when they differ between dimensions (standardised data). */
  readonly inputBounds?: InputBounds;
  readonly standardisation?: Standardisation;
  /** Where the data came from, for provenance in the zoo. */
  readonly source: string;
}

/** A short description without the arrays, for listings and messages. */
export interface DatasetInfo {
  readonly id: string;
  readonly name: string;
  readonly inputDim: number;
  readonly classCount: number;
  readonly classNames: readonly string[];
  readonly trainCount: number;
  readonly testCount: number;
  readonly inputBox: InputBox;
  readonly builtIn: boolean;
  readonly source: string;
}

export function datasetInfo(dataset: Dataset, builtIn: boolean): DatasetInfo {
  return {
    id: dataset.id,
    name: dataset.name,
    inputDim: dataset.inputDim,
    classCount: dataset.classCount,
    classNames: dataset.classNames,
    trainCount: dataset.train.count,
    testCount: dataset.test.count,
    inputBox: dataset.inputBox,
    builtIn,
    source: dataset.source,
  };
}

/** Checks that a dataset's arrays agree with its declared sizes; throws naming the field. */
export function checkDataset(dataset: Dataset): Dataset {
  const { id, inputDim, classCount } = dataset;
  if (!Number.isInteger(inputDim) || inputDim < 1)
    throw new RangeError(`dataset ${id}: inputDim must be ≥ 1`);
  if (!Number.isInteger(classCount) || classCount < 2 || classCount > 256) {
    throw new RangeError(
      `dataset ${id}: classCount must be an integer in [2, 256], got ${classCount}`,
    );
  }
  if (dataset.classNames.length !== classCount) {
    throw new RangeError(
      `dataset ${id}: ${dataset.classNames.length} class names for ${classCount} classes`,
    );
  }
  for (const [name, split] of [
    ['train', dataset.train],
    ['test', dataset.test],
  ] as const) {
    if (split.count < 1) throw new RangeError(`dataset ${id}: the ${name} split is empty`);
    const values = split.pixels ?? split.x;
    if (values.length !== split.count * inputDim) {
      throw new RangeError(
        `dataset ${id}: ${name}.x has ${values.length} values, expected ${split.count} × ${inputDim}`,
      );
    }
    if (split.y.length !== split.count) {
      throw new RangeError(
        `dataset ${id}: ${name}.y has ${split.y.length} labels, expected ${split.count}`,
      );
    }
    for (let i = 0; i < split.count; i++) {
      if (split.y[i] >= classCount) {
        throw new RangeError(
          `dataset ${id}: ${name}.y[${i}] = ${split.y[i]} is not a class in [0, ${classCount})`,
        );
      }
    }
  }
  return dataset;
}

/** Float32 of v / 255 for every byte, so that u8 pixels convert identically everywhere. */
export const BYTE_TO_UNIT: Float32Array = (() => {
  const table = new Float32Array(256);
  for (let v = 0; v < 256; v++) table[v] = v / 255;
  return table;
})();

export function bytesToUnit(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = BYTE_TO_UNIT[bytes[i]];
  return out;
}

/**
 * A split of byte images whose float view `x` is built on first access (see
 * `DatasetSplit.pixels`). Materialising 60,000 × 784 floats costs more than reading the
 * cache, so it is deferred until someone needs it.
 */
export function byteImageSplit(count: number, pixels: Uint8Array, y: Uint8Array): DatasetSplit {
  let x: Float32Array | undefined;
  return {
    count,
    y,
    pixels,
    get x(): Float32Array {
      x ??= bytesToUnit(pixels);
      return x;
    },
  };
}
