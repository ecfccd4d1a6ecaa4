/**
 * A batch of input rows in the form the first layer's kernels read, rebuilt per batch
 * into buffers allocated once.
 *
 * 'non-zero' (a dense first layer): only the non-zero pixels. Digit MNIST images are 81 %
 * exact zeros and Fashion MNIST 50 %, and a zero pixel adds nothing to the forward pass
 * nor to the weight gradient, so the largest layer costs what the images hold, not
 * 784 × width per sample. Two views of the same entries:
 *   by sample (forward pass): entries sampleStart[b] … sampleStart[b+1]−1 of sample b,
 *     pixel indices ascending;
 *   by pixel (weight gradient, `indexByPixel`): entries pixelStart[i] … pixelStart[i+1]−1
 *     of pixel i, sample indices ascending.
 *
 * 'feature-major' (a masked first layer): all pixels as [inputDim][count], the layout of
 * every later layer's input. A masked layer already skips its pruned weights, and its
 * kept weights per pixel are few (about 5 at density 0.0164, 94 at 0.3136), so walking
 * non-zero pixels costs more in loop overhead and scattered sums than it saves: measured
 * on Fashion MNIST, the sparse-row kernel over all pixels is 1.2–1.5× faster per step.
 *
 * Values are the Float32 values training uses (from the split's bytes when it has them,
 * exactly as the tfjs path converts them), so any dataset works, zeros or not. A byte
 * split's non-zero batches are copied from its cached non-zero lists (non-zero-pixels.ts)
 * instead of scanning every pixel; the same values, bit for bit.
 */
import type { DatasetSplit } from '../../data/dataset.ts';
import { BYTE_TO_UNIT } from '../../data/dataset.ts';
import { nonZeroPixels, type NonZeroPixels } from './non-zero-pixels.ts';

export type InputForm = 'non-zero' | 'feature-major';

export class InputBatch {
  /** Samples in the batch now (≤ capacity). */
  count = 0;
  readonly sampleStart: Int32Array;
  readonly samplePixel: Int32Array;
  readonly sampleValue: Float32Array;
  readonly pixelStart: Int32Array;
  readonly pixelSample: Int32Array;
  readonly pixelValue: Float32Array;
  /** 'feature-major': pixel i of sample b at [i · count + b]. */
  readonly featureMajor: Float32Array;

  constructor(
    readonly form: InputForm,
    readonly capacity: number,
    readonly inputDim: number,
  ) {
    const lists = form === 'non-zero' ? capacity * inputDim : 0;
    this.sampleStart = new Int32Array(form === 'non-zero' ? capacity + 1 : 0);
    this.samplePixel = new Int32Array(lists);
    this.sampleValue = new Float32Array(lists);
    this.pixelStart = new Int32Array(form === 'non-zero' ? inputDim + 1 : 0);
    this.pixelSample = new Int32Array(lists);
    this.pixelValue = new Float32Array(lists);
    this.featureMajor = new Float32Array(form === 'feature-major' ? capacity * inputDim : 0);
  }

  /**
   * Loads rows `rows[0 … count−1]` of `split` (for 'non-zero', the by-sample view; call
   * `indexByPixel` when the weight gradient needs the other).
   */
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

  /** Builds the by-pixel view from the by-sample one (a counting sort, O(entries)). */
  indexByPixel(): void {
    const { inputDim, count, sampleStart, samplePixel, sampleValue } = this;
    const { pixelStart, pixelSample, pixelValue } = this;
    pixelStart.fill(0);
    const entries = sampleStart[count];
    for (let e = 0; e < entries; e++) pixelStart[samplePixel[e] + 1]++;
    for (let i = 0; i < inputDim; i++) pixelStart[i + 1] += pixelStart[i];
    // pixelStart[i] serves as the write cursor of pixel i, then is shifted back.
    for (let b = 0; b < count; b++) {
      const end = sampleStart[b + 1];
      for (let e = sampleStart[b]; e < end; e++) {
        const at = pixelStart[samplePixel[e]]++;
        pixelSample[at] = b;
        pixelValue[at] = sampleValue[e];
      }
    }
    for (let i = inputDim; i > 0; i--) pixelStart[i] = pixelStart[i - 1];
    pixelStart[0] = 0;
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
    const end = start[rows[b] + 1];
    for (let k = start[rows[b]]; k < end; k++, entry++) {
      samplePixel[entry] = pixel[k];
      sampleValue[entry] = BYTE_TO_UNIT[byte[k]];
    }
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
  for (let b = 0; b < count; b++) {
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
  for (let b = 0; b < count; b++) {
    const from = rows[b] * inputDim;
    for (let d = 0, at = b; d < inputDim; d++, at += count) out[at] = x[from + d];
  }
}
