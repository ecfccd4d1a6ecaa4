/**
 * Kernels of a masked layer after the first, stored as compressed sparse rows (the kept
 * weights of output neuron o are start[o] … start[o+1]−1, `index` their input neuron),
 * over feature-major activations ([dim][n]). Every kernel touches kept weights only: the
 * forward pass, the weight gradient and the input gradient each cost kept × n. Every
 * product and every partial sum is a Float32 operation (the fround of the exact double
 * result), as in the WebAssembly twins' Float32×4 lanes (wasm/kernels.h).
 *
 * Why these loops look like those of dense-kernels.ts and input-kernels.ts and are not
 * shared: each kernel is a single-type specialisation — one storage layout, one block
 * width, plain typed-array and number arguments — which V8 compiles to monomorphic code
 * with the sums in registers. A shared loop taking the layout or the element access as a
 * parameter (a callback, an accessor, a union of array types) would be polymorphic in the
 * hottest loops of the trainer. The unrolled 12/8/4/1-wide blocks are how many sums a pass
 * keeps in registers. Each kernel's order of summation is part of the fused path's
 * bit-exact contract (tests/integration/train-fused-golden.test.ts).
 */

const fround = Math.fround;

/** Stores a into z[at], through ReLU when `relu`. */
function store(z: Float32Array, at: number, a: number, relu: boolean): void {
  z[at] = relu && !(a > 0) ? 0 : a;
}

/**
 * z[o][b] = Σ_kept w·h[i][b] + bias[o], then ReLU when `relu`: eight samples per pass
 * (then four, then one), so each kept weight and its index serve eight products.
 */
export function sparseForward(
  weights: Float32Array,
  start: Int32Array,
  index: Int32Array,
  bias: Float32Array,
  h: Float32Array,
  z: Float32Array,
  outDim: number,
  n: number,
  relu: boolean,
): void {
  for (let o = 0; o < outDim; o++) {
    const out = o * n;
    const base = bias[o];
    const first = start[o];
    const end = start[o + 1];
    let b = 0;
    for (; b + 8 <= n; b += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let k = first; k < end; k++) {
        const w = weights[k];
        const p = index[k] * n + b;
        a0 = fround(a0 + fround(w * h[p]));
        a1 = fround(a1 + fround(w * h[p + 1]));
        a2 = fround(a2 + fround(w * h[p + 2]));
        a3 = fround(a3 + fround(w * h[p + 3]));
        a4 = fround(a4 + fround(w * h[p + 4]));
        a5 = fround(a5 + fround(w * h[p + 5]));
        a6 = fround(a6 + fround(w * h[p + 6]));
        a7 = fround(a7 + fround(w * h[p + 7]));
      }
      const at = out + b;
      store(z, at, fround(a0 + base), relu);
      store(z, at + 1, fround(a1 + base), relu);
      store(z, at + 2, fround(a2 + base), relu);
      store(z, at + 3, fround(a3 + base), relu);
      store(z, at + 4, fround(a4 + base), relu);
      store(z, at + 5, fround(a5 + base), relu);
      store(z, at + 6, fround(a6 + base), relu);
      store(z, at + 7, fround(a7 + base), relu);
    }
    for (; b + 4 <= n; b += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let k = first; k < end; k++) {
        const w = weights[k];
        const p = index[k] * n + b;
        a0 = fround(a0 + fround(w * h[p]));
        a1 = fround(a1 + fround(w * h[p + 1]));
        a2 = fround(a2 + fround(w * h[p + 2]));
        a3 = fround(a3 + fround(w * h[p + 3]));
      }
      const at = out + b;
      store(z, at, fround(a0 + base), relu);
      store(z, at + 1, fround(a1 + base), relu);
      store(z, at + 2, fround(a2 + base), relu);
      store(z, at + 3, fround(a3 + base), relu);
    }
    for (; b < n; b++) {
      let a = 0;
      for (let k = first; k < end; k++) a = fround(a + fround(weights[k] * h[index[k] * n + b]));
      store(z, out + b, fround(a + base), relu);
    }
  }
}

/**
 * gradient[k] = Σ_b dz[o][b]·h[i][b] for each kept weight k = (o, i); eight kept weights
 * of a neuron at a time (then four, then one), so each dz value loaded serves eight
 * products.
 */
export function sparseWeightGradient(
  start: Int32Array,
  index: Int32Array,
  dz: Float32Array,
  h: Float32Array,
  gradient: Float32Array,
  outDim: number,
  n: number,
): void {
  for (let o = 0; o < outDim; o++) {
    const q = o * n;
    const end = start[o + 1];
    let k = start[o];
    for (; k + 8 <= end; k += 8) {
      const p0 = index[k] * n;
      const p1 = index[k + 1] * n;
      const p2 = index[k + 2] * n;
      const p3 = index[k + 3] * n;
      const p4 = index[k + 4] * n;
      const p5 = index[k + 5] * n;
      const p6 = index[k + 6] * n;
      const p7 = index[k + 7] * n;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let b = 0; b < n; b++) {
        const d = dz[q + b];
        a0 = fround(a0 + fround(d * h[p0 + b]));
        a1 = fround(a1 + fround(d * h[p1 + b]));
        a2 = fround(a2 + fround(d * h[p2 + b]));
        a3 = fround(a3 + fround(d * h[p3 + b]));
        a4 = fround(a4 + fround(d * h[p4 + b]));
        a5 = fround(a5 + fround(d * h[p5 + b]));
        a6 = fround(a6 + fround(d * h[p6 + b]));
        a7 = fround(a7 + fround(d * h[p7 + b]));
      }
      gradient[k] = a0;
      gradient[k + 1] = a1;
      gradient[k + 2] = a2;
      gradient[k + 3] = a3;
      gradient[k + 4] = a4;
      gradient[k + 5] = a5;
      gradient[k + 6] = a6;
      gradient[k + 7] = a7;
    }
    for (; k + 4 <= end; k += 4) {
      const p0 = index[k] * n;
      const p1 = index[k + 1] * n;
      const p2 = index[k + 2] * n;
      const p3 = index[k + 3] * n;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let b = 0; b < n; b++) {
        const d = dz[q + b];
        a0 = fround(a0 + fround(d * h[p0 + b]));
        a1 = fround(a1 + fround(d * h[p1 + b]));
        a2 = fround(a2 + fround(d * h[p2 + b]));
        a3 = fround(a3 + fround(d * h[p3 + b]));
      }
      gradient[k] = a0;
      gradient[k + 1] = a1;
      gradient[k + 2] = a2;
      gradient[k + 3] = a3;
    }
    for (; k < end; k++) {
      const p = index[k] * n;
      let a = 0;
      for (let b = 0; b < n; b++) a = fround(a + fround(dz[q + b] * h[p + b]));
      gradient[k] = a;
    }
  }
}

/**
 * The gradient with respect to the pre-activation of the layer below (inDim × n, fully
 * written): Σ over the kept weights of w·dz[o][b], zero where that layer's ReLU was off.
 */
export function sparseInputGradient(
  weights: Float32Array,
  start: Int32Array,
  index: Int32Array,
  dz: Float32Array,
  h: Float32Array,
  dh: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
): void {
  const size = inDim * n;
  dh.fill(0, 0, size);
  for (let o = 0; o < outDim; o++) {
    const q = o * n;
    const end = start[o + 1];
    for (let k = start[o]; k < end; k++) {
      const w = weights[k];
      const p = index[k] * n;
      for (let b = 0; b < n; b++) dh[p + b] += fround(w * dz[q + b]);
    }
  }
  for (let j = 0; j < size; j++) if (!(h[j] > 0)) dh[j] = 0;
}
