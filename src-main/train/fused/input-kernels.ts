/**
 * Kernels of a dense first layer, which read the batch as its non-zero pixels only
 * (InputBatch, form 'non-zero'): a zero pixel contributes nothing to the pre-activations
 * nor to the weight gradient, so both cost (non-zero pixels) × width instead of
 * 784 × width per sample. The gradient with respect to the input is never needed, so
 * there is no kernel for it. (A masked first layer runs the sparse kernels of
 * sparse-kernels.ts on the batch's feature-major form; input-batch.ts says why.)
 *
 * The output is feature-major ([outDim][n], ReLU applied: the first layer is always
 * hidden); the weight gradients read the layer's output gradient sample-major
 * ([n][outDim], see `toSampleMajor`) so that the products run along contiguous rows.
 */
import type { InputBatch } from './input-batch.ts';

/** Dense first layer, weights transposed ([inDim][outDim]). */
export function inputDenseForward(
  weights: Float32Array,
  bias: Float32Array,
  batch: InputBatch,
  z: Float32Array,
  outDim: number,
): void {
  const { count: n, sampleStart, samplePixel, sampleValue } = batch;
  for (let b = 0; b < n; b++) {
    const first = sampleStart[b];
    const end = sampleStart[b + 1];
    let o = 0;
    // Eight sums per pass: each pixel's value and row offset serve eight products.
    for (; o + 8 <= outDim; o += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let e = first; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        a0 += v * weights[r];
        a1 += v * weights[r + 1];
        a2 += v * weights[r + 2];
        a3 += v * weights[r + 3];
        a4 += v * weights[r + 4];
        a5 += v * weights[r + 5];
        a6 += v * weights[r + 6];
        a7 += v * weights[r + 7];
      }
      const at = o * n + b;
      a0 += bias[o];
      a1 += bias[o + 1];
      a2 += bias[o + 2];
      a3 += bias[o + 3];
      a4 += bias[o + 4];
      a5 += bias[o + 5];
      a6 += bias[o + 6];
      a7 += bias[o + 7];
      z[at] = a0 > 0 ? a0 : 0;
      z[at + n] = a1 > 0 ? a1 : 0;
      z[at + 2 * n] = a2 > 0 ? a2 : 0;
      z[at + 3 * n] = a3 > 0 ? a3 : 0;
      z[at + 4 * n] = a4 > 0 ? a4 : 0;
      z[at + 5 * n] = a5 > 0 ? a5 : 0;
      z[at + 6 * n] = a6 > 0 ? a6 : 0;
      z[at + 7 * n] = a7 > 0 ? a7 : 0;
    }
    for (; o + 4 <= outDim; o += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let e = first; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        a0 += v * weights[r];
        a1 += v * weights[r + 1];
        a2 += v * weights[r + 2];
        a3 += v * weights[r + 3];
      }
      const at = o * n + b;
      a0 += bias[o];
      a1 += bias[o + 1];
      a2 += bias[o + 2];
      a3 += bias[o + 3];
      z[at] = a0 > 0 ? a0 : 0;
      z[at + n] = a1 > 0 ? a1 : 0;
      z[at + 2 * n] = a2 > 0 ? a2 : 0;
      z[at + 3 * n] = a3 > 0 ? a3 : 0;
    }
    for (; o < outDim; o++) {
      let a = 0;
      for (let e = first; e < end; e++) a += sampleValue[e] * weights[samplePixel[e] * outDim + o];
      a += bias[o];
      z[o * n + b] = a > 0 ? a : 0;
    }
  }
}

/** gradient[i][o] = Σ_b x[b][i]·dz[b][o] over the samples where pixel i is non-zero. */
export function inputDenseWeightGradient(
  batch: InputBatch,
  dzSampleMajor: Float32Array,
  gradient: Float32Array,
  inDim: number,
  outDim: number,
): void {
  const { pixelStart, pixelSample, pixelValue } = batch;
  for (let i = 0; i < inDim; i++) {
    const row = i * outDim;
    const first = pixelStart[i];
    const end = pixelStart[i + 1];
    if (first === end) {
      gradient.fill(0, row, row + outDim);
      continue;
    }
    let o = 0;
    for (; o + 8 <= outDim; o += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let e = first; e < end; e++) {
        const v = pixelValue[e];
        const q = pixelSample[e] * outDim + o;
        a0 += v * dzSampleMajor[q];
        a1 += v * dzSampleMajor[q + 1];
        a2 += v * dzSampleMajor[q + 2];
        a3 += v * dzSampleMajor[q + 3];
        a4 += v * dzSampleMajor[q + 4];
        a5 += v * dzSampleMajor[q + 5];
        a6 += v * dzSampleMajor[q + 6];
        a7 += v * dzSampleMajor[q + 7];
      }
      gradient[row + o] = a0;
      gradient[row + o + 1] = a1;
      gradient[row + o + 2] = a2;
      gradient[row + o + 3] = a3;
      gradient[row + o + 4] = a4;
      gradient[row + o + 5] = a5;
      gradient[row + o + 6] = a6;
      gradient[row + o + 7] = a7;
    }
    for (; o + 4 <= outDim; o += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let e = first; e < end; e++) {
        const v = pixelValue[e];
        const q = pixelSample[e] * outDim + o;
        a0 += v * dzSampleMajor[q];
        a1 += v * dzSampleMajor[q + 1];
        a2 += v * dzSampleMajor[q + 2];
        a3 += v * dzSampleMajor[q + 3];
      }
      gradient[row + o] = a0;
      gradient[row + o + 1] = a1;
      gradient[row + o + 2] = a2;
      gradient[row + o + 3] = a3;
    }
    for (; o < outDim; o++) {
      let a = 0;
      for (let e = first; e < end; e++)
        a += pixelValue[e] * dzSampleMajor[pixelSample[e] * outDim + o];
      gradient[row + o] = a;
    }
  }
}

/** [outDim][n] → [n][outDim]. */
export function toSampleMajor(
  featureMajor: Float32Array,
  sampleMajor: Float32Array,
  outDim: number,
  n: number,
): void {
  for (let o = 0; o < outDim; o++) {
    const from = o * n;
    for (let b = 0; b < n; b++) sampleMajor[b * outDim + o] = featureMajor[from + b];
  }
}
