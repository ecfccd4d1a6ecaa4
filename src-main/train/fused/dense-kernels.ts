/**
 * Kernels of a dense layer after the first, over feature-major activations: a layer's
 * input h is [inDim][n] and its output z is [outDim][n] (n samples, one contiguous run
 * per neuron), weights [outDim][inDim]. Each kernel keeps a block of sums in registers
 * and streams the other operand, so every loaded value serves several products. Every
 * product and every partial sum is a Float32 operation (the fround of the exact double
 * result), as in the WebAssembly twins' Float32×4 lanes (wasm/kernels.h). All three skip the input's zeros (the
 * ReLU's +0, about half of it), as the first layer skips zero pixels.
 *
 * Why these loops look like those of input-kernels.ts and sparse-kernels.ts and are not
 * shared: each kernel is a single-type specialisation — one storage layout, one block
 * width, plain typed-array and number arguments — which V8 compiles to monomorphic code
 * with the sums in registers. A shared loop taking the layout or the element access as a
 * parameter (a callback, an accessor, a union of array types) would be polymorphic in the
 * hottest loops of the trainer. The unrolled 12/8/4/1-wide blocks are how many sums a pass
 * keeps in registers. Each kernel's order of summation is part of the fused path's
 * bit-exact contract (tests/integration/train-fused-golden.test.ts).
 */

const fround = Math.fround;

/**
 * z[o][b] = Σ_i w[o][i]·h[i][b] + bias[o], then ReLU when `relu`; sample by sample over
 * its non-zero inputs only (`activeIndex`/`activeValue`: scratch of inDim entries). The
 * layer below is a ReLU, so about half of h is +0, and those terms (±0) change no sum.
 * Eight outputs per pass: each non-zero input serves eight products, one per weight row.
 */
export function denseForward(
  weights: Float32Array,
  bias: Float32Array,
  h: Float32Array,
  z: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
  relu: boolean,
  activeIndex: Int32Array,
  activeValue: Float32Array,
): void {
  for (let b = 0; b < n; b++) {
    const count = activeInputs(h, b, n, inDim, activeIndex, activeValue);
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
      const row = o * inDim;
      for (let e = 0; e < count; e++) {
        const v = activeValue[e];
        const w = row + activeIndex[e];
        a0 = fround(a0 + fround(v * weights[w]));
        a1 = fround(a1 + fround(v * weights[w + inDim]));
        a2 = fround(a2 + fround(v * weights[w + 2 * inDim]));
        a3 = fround(a3 + fround(v * weights[w + 3 * inDim]));
        a4 = fround(a4 + fround(v * weights[w + 4 * inDim]));
        a5 = fround(a5 + fround(v * weights[w + 5 * inDim]));
        a6 = fround(a6 + fround(v * weights[w + 6 * inDim]));
        a7 = fround(a7 + fround(v * weights[w + 7 * inDim]));
      }
      const at = o * n + b;
      a0 = fround(a0 + bias[o]);
      z[at] = relu && !(a0 > 0) ? 0 : a0;
      a1 = fround(a1 + bias[o + 1]);
      z[at + n] = relu && !(a1 > 0) ? 0 : a1;
      a2 = fround(a2 + bias[o + 2]);
      z[at + 2 * n] = relu && !(a2 > 0) ? 0 : a2;
      a3 = fround(a3 + bias[o + 3]);
      z[at + 3 * n] = relu && !(a3 > 0) ? 0 : a3;
      a4 = fround(a4 + bias[o + 4]);
      z[at + 4 * n] = relu && !(a4 > 0) ? 0 : a4;
      a5 = fround(a5 + bias[o + 5]);
      z[at + 5 * n] = relu && !(a5 > 0) ? 0 : a5;
      a6 = fround(a6 + bias[o + 6]);
      z[at + 6 * n] = relu && !(a6 > 0) ? 0 : a6;
      a7 = fround(a7 + bias[o + 7]);
      z[at + 7 * n] = relu && !(a7 > 0) ? 0 : a7;
    }
    for (; o + 4 <= outDim; o += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      const row = o * inDim;
      for (let e = 0; e < count; e++) {
        const v = activeValue[e];
        const w = row + activeIndex[e];
        a0 = fround(a0 + fround(v * weights[w]));
        a1 = fround(a1 + fround(v * weights[w + inDim]));
        a2 = fround(a2 + fround(v * weights[w + 2 * inDim]));
        a3 = fround(a3 + fround(v * weights[w + 3 * inDim]));
      }
      const at = o * n + b;
      a0 = fround(a0 + bias[o]);
      z[at] = relu && !(a0 > 0) ? 0 : a0;
      a1 = fround(a1 + bias[o + 1]);
      z[at + n] = relu && !(a1 > 0) ? 0 : a1;
      a2 = fround(a2 + bias[o + 2]);
      z[at + 2 * n] = relu && !(a2 > 0) ? 0 : a2;
      a3 = fround(a3 + bias[o + 3]);
      z[at + 3 * n] = relu && !(a3 > 0) ? 0 : a3;
    }
    for (; o < outDim; o++) {
      let a = 0;
      const row = o * inDim;
      for (let e = 0; e < count; e++)
        a = fround(a + fround(activeValue[e] * weights[row + activeIndex[e]]));
      a = fround(a + bias[o]);
      z[o * n + b] = relu && !(a > 0) ? 0 : a;
    }
  }
}

/**
 * Sample b's non-zero inputs (column b of the feature-major h), ascending, into
 * index/value; returns how many. Branch-free: every input is written at the cursor, which
 * advances only past a non-zero one (ReLU zeros fall in no predictable order).
 */
function activeInputs(
  h: Float32Array,
  b: number,
  n: number,
  inDim: number,
  index: Int32Array,
  value: Float32Array,
): number {
  let count = 0;
  for (let i = 0, p = b; i < inDim; i++, p += n) {
    const v = h[p];
    index[count] = i;
    value[count] = v;
    count += v !== 0 ? 1 : 0;
  }
  return count;
}

/**
 * gradient[o][i] = Σ_b dz[o][b]·h[i][b], input neuron by input neuron over the samples
 * where it is non-zero only (`activeIndex`/`activeValue`: scratch of n entries): the
 * ReLU's +0 terms change no sum. Eight outputs per pass, each non-zero activation
 * serving eight products.
 */
export function denseWeightGradient(
  dz: Float32Array,
  h: Float32Array,
  gradient: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
  activeIndex: Int32Array,
  activeValue: Float32Array,
): void {
  for (let i = 0; i < inDim; i++) {
    const p = i * n;
    let count = 0;
    for (let b = 0; b < n; b++) {
      const v = h[p + b];
      activeIndex[count] = b;
      activeValue[count] = v;
      count += v !== 0 ? 1 : 0;
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
      const q = o * n;
      for (let e = 0; e < count; e++) {
        const v = activeValue[e];
        const at = q + activeIndex[e];
        a0 = fround(a0 + fround(v * dz[at]));
        a1 = fround(a1 + fround(v * dz[at + n]));
        a2 = fround(a2 + fround(v * dz[at + 2 * n]));
        a3 = fround(a3 + fround(v * dz[at + 3 * n]));
        a4 = fround(a4 + fround(v * dz[at + 4 * n]));
        a5 = fround(a5 + fround(v * dz[at + 5 * n]));
        a6 = fround(a6 + fround(v * dz[at + 6 * n]));
        a7 = fround(a7 + fround(v * dz[at + 7 * n]));
      }
      const row = o * inDim + i;
      gradient[row] = a0;
      gradient[row + inDim] = a1;
      gradient[row + 2 * inDim] = a2;
      gradient[row + 3 * inDim] = a3;
      gradient[row + 4 * inDim] = a4;
      gradient[row + 5 * inDim] = a5;
      gradient[row + 6 * inDim] = a6;
      gradient[row + 7 * inDim] = a7;
    }
    for (; o + 4 <= outDim; o += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      const q = o * n;
      for (let e = 0; e < count; e++) {
        const v = activeValue[e];
        const at = q + activeIndex[e];
        a0 = fround(a0 + fround(v * dz[at]));
        a1 = fround(a1 + fround(v * dz[at + n]));
        a2 = fround(a2 + fround(v * dz[at + 2 * n]));
        a3 = fround(a3 + fround(v * dz[at + 3 * n]));
      }
      const row = o * inDim + i;
      gradient[row] = a0;
      gradient[row + inDim] = a1;
      gradient[row + 2 * inDim] = a2;
      gradient[row + 3 * inDim] = a3;
    }
    for (; o < outDim; o++) {
      let a = 0;
      const q = o * n;
      for (let e = 0; e < count; e++)
        a = fround(a + fround(activeValue[e] * dz[q + activeIndex[e]]));
      gradient[o * inDim + i] = a;
    }
  }
}

/**
 * The gradient with respect to the pre-activation of the layer below:
 * dh[i][b] = Σ_o w[o][i]·dz[o][b] where that layer's ReLU passed (h[i][b] > 0), else 0;
 * computed only there (`activeIndex`: scratch of n entries), four samples per pass so
 * that each weight loaded serves four products.
 */
export function denseInputGradient(
  weights: Float32Array,
  dz: Float32Array,
  h: Float32Array,
  dh: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
  activeIndex: Int32Array,
): void {
  for (let i = 0; i < inDim; i++) {
    const p = i * n;
    let count = 0;
    for (let b = 0; b < n; b++) {
      const passed = h[p + b] > 0;
      activeIndex[count] = b;
      count += passed ? 1 : 0;
      dh[p + b] = 0;
    }
    let e = 0;
    for (; e + 4 <= count; e += 4) {
      const b0 = activeIndex[e];
      const b1 = activeIndex[e + 1];
      const b2 = activeIndex[e + 2];
      const b3 = activeIndex[e + 3];
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let o = 0, w = i, q = 0; o < outDim; o++, w += inDim, q += n) {
        const weight = weights[w];
        a0 = fround(a0 + fround(weight * dz[q + b0]));
        a1 = fround(a1 + fround(weight * dz[q + b1]));
        a2 = fround(a2 + fround(weight * dz[q + b2]));
        a3 = fround(a3 + fround(weight * dz[q + b3]));
      }
      dh[p + b0] = a0;
      dh[p + b1] = a1;
      dh[p + b2] = a2;
      dh[p + b3] = a3;
    }
    for (; e < count; e++) {
      const b = activeIndex[e];
      let a = 0;
      for (let o = 0, w = i, q = b; o < outDim; o++, w += inDim, q += n)
        a = fround(a + fround(weights[w] * dz[q]));
      dh[p + b] = a;
    }
  }
}
