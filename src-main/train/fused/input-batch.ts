/**
 * A batch of input rows as the first layer's kernels read them: only the non-zero pixels.
 * Digit MNIST images are 81 % exact zeros and Fashion MNIST 50 %, and a zero pixel adds
 * nothing to the forward pass nor to the weight gradient, so the first layer — the
 * largest by far — costs what the images hold, not 784 × width per sample.
 *
 * Two views of the same entries, both rebuilt per batch into buffers allocated once:
 *   by sample (forward pass): entries sampleStart[b] … sampleStart[b+1]−1 of sample b,
 *     pixel indices ascending;
 *   by pixel (weight gradient): entries pixelStart[i] … pixelStart[i+1]−1 of pixel i,
 *     sample indices ascending.
 * Values are the Float32 values training uses (from the split's bytes when it has them,
 * exactly as the tfjs path converts them), so any dataset works, zeros or not.
 */
import type { DatasetSplit } from '../../data/dataset.ts';
import { BYTE_TO_UNIT } from '../../data/dataset.ts';

export class InputBatch {
  /** Samples in the batch now (≤ capacity). */
  count = 0;
  readonly sampleStart: Int32Array;
  readonly samplePixel: Int32Array;
  readonly sampleValue: Float32Array;
  readonly pixelStart: Int32Array;
  readonly pixelSample: Int32Array;
  readonly pixelValue: Float32Array;

  constructor(
    readonly capacity: number,
    readonly inputDim: number,
  ) {
    this.sampleStart = new Int32Array(capacity + 1);
    this.samplePixel = new Int32Array(capacity * inputDim);
    this.sampleValue = new Float32Array(capacity * inputDim);
    this.pixelStart = new Int32Array(inputDim + 1);
    this.pixelSample = new Int32Array(capacity * inputDim);
    this.pixelValue = new Float32Array(capacity * inputDim);
  }

  /**
   * Loads rows `rows[0 … count−1]` of `split` (by-sample view; call `indexByPixel` when
   * the weight gradient needs the other view).
   */
  load(split: DatasetSplit, rows: Uint32Array, count: number): void {
    if (count > this.capacity) throw new RangeError(`InputBatch: ${count} rows > capacity`);
    const end =
      split.pixels !== undefined
        ? loadBytes(
            split.pixels,
            rows,
            count,
            this.inputDim,
            this.sampleStart,
            this.samplePixel,
            this.sampleValue,
          )
        : loadFloats(
            split.x,
            rows,
            count,
            this.inputDim,
            this.sampleStart,
            this.samplePixel,
            this.sampleValue,
          );
    this.sampleStart[count] = end;
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
      for (let e = sampleStart[b]; e < sampleStart[b + 1]; e++) {
        const at = pixelStart[samplePixel[e]]++;
        pixelSample[at] = b;
        pixelValue[at] = sampleValue[e];
      }
    }
    for (let i = inputDim; i > 0; i--) pixelStart[i] = pixelStart[i - 1];
    pixelStart[0] = 0;
  }
}

// Two monomorphic loaders (bytes, floats): one function reading either array would be
// polymorphic in its hottest loop.

function loadBytes(
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
    for (let d = 0; d < inputDim; d++) {
      const byte = pixels[from + d];
      if (byte !== 0) {
        samplePixel[entry] = d;
        sampleValue[entry] = BYTE_TO_UNIT[byte];
        entry++;
      }
    }
  }
  return entry;
}

function loadFloats(
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
