/**
 * A batch of input rows in the form the first layer's kernels read, rebuilt per batch
 * into buffers allocated once.
 *
 * 'non-zero' (a dense first layer): only the non-zero pixels. Digit MNIST images are 81 %
 * exact zeros and Fashion MNIST 50 %, and a zero pixel adds nothing to the forward pass
 * nor to the weight gradient, so the largest layer costs what the images hold, not
 * 784 × width per sample. Entries sampleStart[b] … sampleStart[b+1]−1 are sample b's,
 * pixel indices ascending; the forward pass and the weight gradient both walk them
 * sample by sample (input-kernels.ts), so no by-pixel index is built per step.
 *
 * 'feature-major' (a masked first layer stored as sparse rows): all pixels as
 * [inputDim][count], the layout of every later layer's input. A masked layer already skips
 * its pruned weights, and its kept weights per pixel are few (about 5 at density 0.0164,
 * 94 at 0.3136), so walking non-zero pixels costs more in loop overhead and scattered sums
 * than it saves: measured on Fashion MNIST, the sparse-row kernel over all pixels is
 * 1.2–1.5× faster per step. Only inputs much sparser than the mask turn this around; the
 * layer is then stored densely and reads the 'non-zero' form (layer-storage.ts,
 * maskedFirstLayerOverNonZero).
 *
 * Values are the Float32 values training uses (from the split's bytes when it has them,
 * exactly as the tfjs path converts them), so any dataset works, zeros or not. A byte
 * split's non-zero batches are copied from its cached non-zero lists (non-zero-pixels.ts)
 * instead of scanning every pixel; the same values, bit for bit.
 */
import type { DatasetSplit } from '../../data/dataset.ts';
import { BYTE_TO_UNIT } from '../../data/dataset.ts';
import { HEAP, type Allocator } from './arena.ts';
import { nonZeroPixels, type NonZeroPixels } from './non-zero-pixels.ts';

export type InputForm = 'non-zero' | 'feature-major';

export class InputBatch {
  /** Samples in the batch now (≤ capacity). */
  count = 0;
  readonly sampleStart: Int32Array;
  readonly samplePixel: Int32Array;
  readonly sampleValue: Float32Array;
  /** 'feature-major': pixel i of sample b at [i · count + b]. */
  readonly featureMajor: Float32Array;

  constructor(
    readonly form: InputForm,
    readonly capacity: number,
    readonly inputDim: number,
    /** Where the buffers live (the network's kernel memory; arena.ts). */
    allocator: Allocator = HEAP,
  ) {
    const lists = form === 'non-zero' ? capacity * inputDim : 0;
    this.sampleStart = allocator.i32(form === 'non-zero' ? capacity + 1 : 0);
    this.samplePixel = allocator.i32(lists);
    this.sampleValue = allocator.f32(lists);
    this.featureMajor = allocator.f32(form === 'feature-major' ? capacity * inputDim : 0);
  }

  /** Loads rows `rows[0 … count−1]` of `split`. */
  load(split: DatasetSplit, rows: Uint32Array, count: number): void {
    if (count > this.capacity) throw new RangeError(`InputBatch: ${count} rows > capacity`);
    const { inputDim } = this;
    // Only the non-zero form reads the cache: built from it, the feature-major form was no
    // faster per step (measured in one process against the byte path: 0.99–1.03×), so it
    // would only add the cache's build time and memory to a masked first layer's run.
    const cached = this.form === 'non-zero' ? nonZeroPixels(split, inputDim) : null;
    if (cached !== null) {
      this.sampleStart[count] = cachedNonZero(
        cached,
        rows,
        count,
        this.sampleStart,
        this.samplePixel,
        this.sampleValue,
      );
    } else if (this.form === 'feature-major') {
      if (split.pixels !== undefined)
        bytesFeatureMajor(split.pixels, rows, count, inputDim, this.featureMajor);
      else floatsFeatureMajor(split.x, rows, count, inputDim, this.featureMajor);
    } else {
      const { sampleStart, samplePixel, sampleValue } = this;
      sampleStart[count] =
        split.pixels !== undefined
          ? bytesNonZero(split.pixels, rows, count, inputDim, sampleStart, samplePixel, sampleValue)
          : floatsNonZero(split.x, rows, count, inputDim, sampleStart, samplePixel, sampleValue);
    }
    this.count = count;
  }
}

/** The by-sample view from the split's cached lists (non-zero-pixels.ts): a copy per entry. */
function cachedNonZero(
  cached: NonZeroPixels,
  rows: Uint32Array,
  count: number,
  sampleStart: Int32Array,
  samplePixel: Int32Array,
  sampleValue: Float32Array,
): number {
  const { start, pixel, byte } = cached;
  let entry = 0;
  for (let b = 0; b < count; b++) {
    sampleStart[b] = entry;
    const from = start[rows[b]];
    const end = start[rows[b] + 1];
    // The indices by one native copy (widened to Int32): 1.4× faster than element by element.
    samplePixel.set(pixel.subarray(from, end), entry);
    for (let k = from; k < end; k++, entry++) sampleValue[entry] = BYTE_TO_UNIT[byte[k]];
  }
  return entry;
}

// Monomorphic loaders (bytes, floats): one function reading either array would be
// polymorphic in its hottest loop.

function bytesNonZero(
  pixels: Uint8Array,
  rows: Uint32Array,
  count: number,
  inputDim: number,
  sampleStart: Int32Array,
  samplePixel: Int32Array,
  sampleValue: Float32Array,
): number {
  let entry = 0;
  for (let b = 0; b < count; b++) {
    sampleStart[b] = entry;
    const from = rows[b] * inputDim;
    // Branch-free: every pixel is written at the cursor, which advances only past a
    // non-zero one ((byte + 255) >> 8 is 1 for 1…255, 0 for 0). Half of Fashion's pixels
    // are zero in no predictable order, so a branch would mispredict constantly.
    for (let d = 0; d < inputDim; d++) {
      const byte = pixels[from + d];
      samplePixel[entry] = d;
      sampleValue[entry] = BYTE_TO_UNIT[byte];
      entry += (byte + 255) >> 8;
    }
  }
  return entry;
}

function floatsNonZero(
  x: Float32Array,
  rows: Uint32Array,
  count: number,
  inputDim: number,
  sampleStart: Int32Array,
  samplePixel: Int32Array,
  sampleValue: Float32Array,
): number {
  let entry = 0;
  for (let b = 0; b < count; b++) {
    sampleStart[b] = entry;
    const from = rows[b] * inputDim;
    for (let d = 0; d < inputDim; d++) {
      const value = x[from + d];
      if (value !== 0) {
        samplePixel[entry] = d;
        sampleValue[entry] = value;
        entry++;
      }
    }
  }
  return entry;
}

function bytesFeatureMajor(
  pixels: Uint8Array,
  rows: Uint32Array,
  count: number,
  inputDim: number,
  out: Float32Array,
): void {
  // Eight images at a time: each pixel's eight values are written side by side (one cache
  // line) instead of one value per line per image, the transposition's whole cost.
  let b = 0;
  for (; b + 8 <= count; b += 8) {
    const r0 = rows[b] * inputDim;
    const r1 = rows[b + 1] * inputDim;
    const r2 = rows[b + 2] * inputDim;
    const r3 = rows[b + 3] * inputDim;
    const r4 = rows[b + 4] * inputDim;
    const r5 = rows[b + 5] * inputDim;
    const r6 = rows[b + 6] * inputDim;
    const r7 = rows[b + 7] * inputDim;
    for (let d = 0, at = b; d < inputDim; d++, at += count) {
      out[at] = BYTE_TO_UNIT[pixels[r0 + d]];
      out[at + 1] = BYTE_TO_UNIT[pixels[r1 + d]];
      out[at + 2] = BYTE_TO_UNIT[pixels[r2 + d]];
      out[at + 3] = BYTE_TO_UNIT[pixels[r3 + d]];
      out[at + 4] = BYTE_TO_UNIT[pixels[r4 + d]];
      out[at + 5] = BYTE_TO_UNIT[pixels[r5 + d]];
      out[at + 6] = BYTE_TO_UNIT[pixels[r6 + d]];
      out[at + 7] = BYTE_TO_UNIT[pixels[r7 + d]];
    }
  }
  for (; b < count; b++) {
    const from = rows[b] * inputDim;
    for (let d = 0, at = b; d < inputDim; d++, at += count)
      out[at] = BYTE_TO_UNIT[pixels[from + d]];
  }
}

function floatsFeatureMajor(
  x: Float32Array,
  rows: Uint32Array,
  count: number,
  inputDim: number,
  out: Float32Array,
): void {
  // Eight images at a time, as bytesFeatureMajor.
  let b = 0;
  for (; b + 8 <= count; b += 8) {
    const r0 = rows[b] * inputDim;
    const r1 = rows[b + 1] * inputDim;
    const r2 = rows[b + 2] * inputDim;
    const r3 = rows[b + 3] * inputDim;
    const r4 = rows[b + 4] * inputDim;
    const r5 = rows[b + 5] * inputDim;
    const r6 = rows[b + 6] * inputDim;
    const r7 = rows[b + 7] * inputDim;
    for (let d = 0, at = b; d < inputDim; d++, at += count) {
      out[at] = x[r0 + d];
      out[at + 1] = x[r1 + d];
      out[at + 2] = x[r2 + d];
      out[at + 3] = x[r3 + d];
      out[at + 4] = x[r4 + d];
      out[at + 5] = x[r5 + d];
      out[at + 6] = x[r6 + d];
      out[at + 7] = x[r7 + d];
    }
  }
  for (; b < count; b++) {
    const from = rows[b] * inputDim;
    for (let d = 0, at = b; d < inputDim; d++, at += count) out[at] = x[from + d];
  }
}
