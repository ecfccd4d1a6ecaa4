/**
 * Each image's non-zero pixels, found once per split and kept for every later batch of
 * the thread (a training worker runs one job, so in the lab: once per run). A dense first
 * layer's batch (InputBatch, form 'non-zero') then copies an image's entries instead of
 * scanning its 784 bytes: Fashion MNIST images are half zeros and Digit MNIST 81 %, and the
 * scan was about a quarter of a (12,4) step. Measured in one process against the scan:
 * (12,4) dense 1.12× faster per step on Fashion, 1.30× on Digit.
 *
 * Compact, because a worker keeps it for its lifetime: per entry the pixel index (Uint16)
 * and the raw byte (Uint8), 3 bytes; per image an offset. Fashion's training split is
 * 70.5 MB, Digit's 27.2 MB, each built in about a second (measured here, under load;
 * a 50,000-step run of (12,4) takes about a minute, which the cache shortens by more).
 * Keyed by the split's byte array (a WeakMap): a dataset kept in memory serves every run
 * that uses it, and one dropped frees its lists.
 *
 * Only byte images qualify (a split with `pixels`, inputs ≤ 65,536): float splits such
 * as the standardised variants have few exact zeros, and their values are not bytes.
 */
import type { DatasetSplit } from '../../data/dataset.ts';

export interface NonZeroPixels {
  /** Entries of image r: start[r] … start[r+1]−1, pixel indices ascending. */
  readonly start: Uint32Array;
  readonly pixel: Uint16Array;
  /** The pixel's byte (never 0); its training value is BYTE_TO_UNIT[byte]. */
  readonly byte: Uint8Array;
}

const MAX_INPUT_DIM = 65536;
const cache = new WeakMap<Uint8Array, NonZeroPixels>();

/** The split's non-zero pixels (built on first use), or null when it has no byte images. */
export function nonZeroPixels(split: DatasetSplit, inputDim: number): NonZeroPixels | null {
  const { pixels } = split;
  if (pixels === undefined || inputDim > MAX_INPUT_DIM) return null;
  let found = cache.get(pixels);
  if (found === undefined) {
    found = build(pixels, split.count, inputDim);
    cache.set(pixels, found);
  }
  return found;
}

function build(pixels: Uint8Array, count: number, inputDim: number): NonZeroPixels {
  const start = new Uint32Array(count + 1);
  let entries = 0;
  for (let j = 0; j < count * inputDim; j++) entries += (pixels[j] + 255) >> 8;
  const pixel = new Uint16Array(entries);
  const byte = new Uint8Array(entries);
  let entry = 0;
  for (let r = 0; r < count; r++) {
    start[r] = entry;
    const from = r * inputDim;
    for (let d = 0; d < inputDim; d++) {
      const value = pixels[from + d];
      if (value !== 0) {
        pixel[entry] = d;
        byte[entry] = value;
        entry++;
      }
    }
  }
  start[count] = entry;
  return { start, pixel, byte };
}
