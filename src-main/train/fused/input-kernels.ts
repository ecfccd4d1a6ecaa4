/**
 * Kernels of a dense first layer, which read the batch as its non-zero pixels only
 * (InputBatch, form 'non-zero'): a zero pixel contributes nothing to the pre-activations
 * nor to the weight gradient, so both cost (non-zero pixels) × width instead of
 * 784 × width per sample. The gradient with respect to the input is never needed, so
 * there is no kernel for it. A masked first layer on inputs much sparser than its mask
 * ('input-masked', layer-storage.ts) runs these too, its pruned weights stored as +0;
 * otherwise it runs the sparse kernels of sparse-kernels.ts on the batch's feature-major
 * form (input-batch.ts says why).
 *
 * The output and its gradient are feature-major ([outDim][n]; ReLU applied: the first
 * layer is always hidden). Every product and every partial sum is a Float32 operation
 * (the fround of the exact double result), as in the WebAssembly twins' Float32×4 lanes
 * (wasm/kernels.h).
 *
 * Why these loops look like those of dense-kernels.ts and sparse-kernels.ts and are not
 * shared: each kernel is a single-type specialisation — one storage layout, one block
 * width, plain typed-array and number arguments — which V8 compiles to monomorphic code
 * with the sums in registers. A shared loop taking the layout or the element access as a
 * parameter (a callback, an accessor, a union of array types) would be polymorphic in the
 * hottest loops of the trainer. The unrolled 12/8/4/1-wide blocks are how many sums a pass
 * keeps in registers. Each kernel's order of summation is part of the fused path's
 * bit-exact contract (tests/integration/train-fused-golden.test.ts).
 */
import type { InputBatch } from './input-batch.ts';

const fround = Math.fround;

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
    for (; o + 12 <= outDim; o += 12) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      let a8 = 0;
      let a9 = 0;
      let a10 = 0;
      let a11 = 0;
      for (let e = first; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        a0 = fround(a0 + fround(v * weights[r]));
        a1 = fround(a1 + fround(v * weights[r + 1]));
        a2 = fround(a2 + fround(v * weights[r + 2]));
        a3 = fround(a3 + fround(v * weights[r + 3]));
        a4 = fround(a4 + fround(v * weights[r + 4]));
        a5 = fround(a5 + fround(v * weights[r + 5]));
        a6 = fround(a6 + fround(v * weights[r + 6]));
        a7 = fround(a7 + fround(v * weights[r + 7]));
        a8 = fround(a8 + fround(v * weights[r + 8]));
        a9 = fround(a9 + fround(v * weights[r + 9]));
        a10 = fround(a10 + fround(v * weights[r + 10]));
        a11 = fround(a11 + fround(v * weights[r + 11]));
      }
      const at = o * n + b;
      a0 = fround(a0 + bias[o]);
      z[at] = a0 > 0 ? a0 : 0;
      a1 = fround(a1 + bias[o + 1]);
      z[at + n] = a1 > 0 ? a1 : 0;
      a2 = fround(a2 + bias[o + 2]);
      z[at + 2 * n] = a2 > 0 ? a2 : 0;
      a3 = fround(a3 + bias[o + 3]);
      z[at + 3 * n] = a3 > 0 ? a3 : 0;
      a4 = fround(a4 + bias[o + 4]);
      z[at + 4 * n] = a4 > 0 ? a4 : 0;
      a5 = fround(a5 + bias[o + 5]);
      z[at + 5 * n] = a5 > 0 ? a5 : 0;
      a6 = fround(a6 + bias[o + 6]);
      z[at + 6 * n] = a6 > 0 ? a6 : 0;
      a7 = fround(a7 + bias[o + 7]);
      z[at + 7 * n] = a7 > 0 ? a7 : 0;
      a8 = fround(a8 + bias[o + 8]);
      z[at + 8 * n] = a8 > 0 ? a8 : 0;
      a9 = fround(a9 + bias[o + 9]);
      z[at + 9 * n] = a9 > 0 ? a9 : 0;
      a10 = fround(a10 + bias[o + 10]);
      z[at + 10 * n] = a10 > 0 ? a10 : 0;
      a11 = fround(a11 + bias[o + 11]);
      z[at + 11 * n] = a11 > 0 ? a11 : 0;
    }
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
        a0 = fround(a0 + fround(v * weights[r]));
        a1 = fround(a1 + fround(v * weights[r + 1]));
        a2 = fround(a2 + fround(v * weights[r + 2]));
        a3 = fround(a3 + fround(v * weights[r + 3]));
        a4 = fround(a4 + fround(v * weights[r + 4]));
        a5 = fround(a5 + fround(v * weights[r + 5]));
        a6 = fround(a6 + fround(v * weights[r + 6]));
        a7 = fround(a7 + fround(v * weights[r + 7]));
      }
      const at = o * n + b;
      a0 = fround(a0 + bias[o]);
      a1 = fround(a1 + bias[o + 1]);
      a2 = fround(a2 + bias[o + 2]);
      a3 = fround(a3 + bias[o + 3]);
      a4 = fround(a4 + bias[o + 4]);
      a5 = fround(a5 + bias[o + 5]);
      a6 = fround(a6 + bias[o + 6]);
      a7 = fround(a7 + bias[o + 7]);
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
        a0 = fround(a0 + fround(v * weights[r]));
        a1 = fround(a1 + fround(v * weights[r + 1]));
        a2 = fround(a2 + fround(v * weights[r + 2]));
        a3 = fround(a3 + fround(v * weights[r + 3]));
      }
      const at = o * n + b;
      a0 = fround(a0 + bias[o]);
      a1 = fround(a1 + bias[o + 1]);
      a2 = fround(a2 + bias[o + 2]);
      a3 = fround(a3 + bias[o + 3]);
      z[at] = a0 > 0 ? a0 : 0;
      z[at + n] = a1 > 0 ? a1 : 0;
      z[at + 2 * n] = a2 > 0 ? a2 : 0;
      z[at + 3 * n] = a3 > 0 ? a3 : 0;
    }
    for (; o < outDim; o++) {
      let a = 0;
      for (let e = first; e < end; e++)
        a = fround(a + fround(sampleValue[e] * weights[samplePixel[e] * outDim + o]));
      a = fround(a + bias[o]);
      z[o * n + b] = a > 0 ? a : 0;
    }
  }
}

/**
 * gradient[i][o] = Σ_b x[b][i]·dz[o][b] over the samples where pixel i is non-zero, from
 * the batch's by-sample lists as they are: each sample adds its non-zero pixels' products
 * into the gradient, so no by-pixel index of the batch is built per step. Every (i, o)
 * still sums its terms in sample order from +0: the same value as a by-pixel loop, bit
 * for bit.
 *
 * Twelve (then eight, four, one) outputs per pass: the pass's dz values stay in registers
 * while it walks every sample's entries, and the block of the gradient it touches
 * (inDim rows × 12) stays in cache even for a wide layer.
 */
export function inputDenseWeightGradient(
  batch: InputBatch,
  dz: Float32Array,
  gradient: Float32Array,
  inDim: number,
  outDim: number,
): void {
  const { count: n, sampleStart, samplePixel, sampleValue } = batch;
  gradient.fill(0, 0, inDim * outDim);
  let o = 0;
  for (; o + 12 <= outDim; o += 12) {
    for (let b = 0; b < n; b++) {
      const q = o * n + b;
      const d0 = dz[q];
      const d1 = dz[q + n];
      const d2 = dz[q + 2 * n];
      const d3 = dz[q + 3 * n];
      const d4 = dz[q + 4 * n];
      const d5 = dz[q + 5 * n];
      const d6 = dz[q + 6 * n];
      const d7 = dz[q + 7 * n];
      const d8 = dz[q + 8 * n];
      const d9 = dz[q + 9 * n];
      const d10 = dz[q + 10 * n];
      const d11 = dz[q + 11 * n];
      const end = sampleStart[b + 1];
      for (let e = sampleStart[b]; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        gradient[r] += fround(v * d0);
        gradient[r + 1] += fround(v * d1);
        gradient[r + 2] += fround(v * d2);
        gradient[r + 3] += fround(v * d3);
        gradient[r + 4] += fround(v * d4);
        gradient[r + 5] += fround(v * d5);
        gradient[r + 6] += fround(v * d6);
        gradient[r + 7] += fround(v * d7);
        gradient[r + 8] += fround(v * d8);
        gradient[r + 9] += fround(v * d9);
        gradient[r + 10] += fround(v * d10);
        gradient[r + 11] += fround(v * d11);
      }
    }
  }
  for (; o + 8 <= outDim; o += 8) {
    for (let b = 0; b < n; b++) {
      const q = o * n + b;
      const d0 = dz[q];
      const d1 = dz[q + n];
      const d2 = dz[q + 2 * n];
      const d3 = dz[q + 3 * n];
      const d4 = dz[q + 4 * n];
      const d5 = dz[q + 5 * n];
      const d6 = dz[q + 6 * n];
      const d7 = dz[q + 7 * n];
      const end = sampleStart[b + 1];
      for (let e = sampleStart[b]; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        gradient[r] += fround(v * d0);
        gradient[r + 1] += fround(v * d1);
        gradient[r + 2] += fround(v * d2);
        gradient[r + 3] += fround(v * d3);
        gradient[r + 4] += fround(v * d4);
        gradient[r + 5] += fround(v * d5);
        gradient[r + 6] += fround(v * d6);
        gradient[r + 7] += fround(v * d7);
      }
    }
  }
  for (; o + 4 <= outDim; o += 4) {
    for (let b = 0; b < n; b++) {
      const q = o * n + b;
      const d0 = dz[q];
      const d1 = dz[q + n];
      const d2 = dz[q + 2 * n];
      const d3 = dz[q + 3 * n];
      const end = sampleStart[b + 1];
      for (let e = sampleStart[b]; e < end; e++) {
        const v = sampleValue[e];
        const r = samplePixel[e] * outDim + o;
        gradient[r] += fround(v * d0);
        gradient[r + 1] += fround(v * d1);
        gradient[r + 2] += fround(v * d2);
        gradient[r + 3] += fround(v * d3);
      }
    }
  }
  for (; o < outDim; o++) {
    for (let b = 0; b < n; b++) {
      const d = dz[o * n + b];
      const end = sampleStart[b + 1];
      for (let e = sampleStart[b]; e < end; e++)
        gradient[samplePixel[e] * outDim + o] += fround(sampleValue[e] * d);
    }
  }
}
