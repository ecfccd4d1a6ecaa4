/**
 * Kernels of a dense layer after the first, over feature-major activations: a layer's
 * input h is [inDim][n] and its output z is [outDim][n] (n samples, one contiguous run
 * per neuron), weights [outDim][inDim]. Each kernel keeps a block of four sums in
 * registers and streams the other operand, so every loaded value serves four products.
 * Sums are taken in double and rounded once when stored.
 */

/** z[o][b] = Σ_i w[o][i]·h[i][b] + bias[o], then ReLU when `relu`. */
export function denseForward(
  weights: Float32Array,
  bias: Float32Array,
  h: Float32Array,
  z: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
  relu: boolean,
): void {
  for (let o = 0; o < outDim; o++) {
    const row = o * inDim;
    const out = o * n;
    const base = bias[o];
    let b = 0;
    for (; b + 4 <= n; b += 4) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let i = 0, p = b; i < inDim; i++, p += n) {
        const w = weights[row + i];
        a0 += w * h[p];
        a1 += w * h[p + 1];
        a2 += w * h[p + 2];
        a3 += w * h[p + 3];
      }
      a0 += base;
      a1 += base;
      a2 += base;
      a3 += base;
      if (relu) {
        z[out + b] = a0 > 0 ? a0 : 0;
        z[out + b + 1] = a1 > 0 ? a1 : 0;
        z[out + b + 2] = a2 > 0 ? a2 : 0;
        z[out + b + 3] = a3 > 0 ? a3 : 0;
      } else {
        z[out + b] = a0;
        z[out + b + 1] = a1;
        z[out + b + 2] = a2;
        z[out + b + 3] = a3;
      }
    }
    for (; b < n; b++) {
      let a = 0;
      for (let i = 0, p = b; i < inDim; i++, p += n) a += weights[row + i] * h[p];
      a += base;
      z[out + b] = relu && !(a > 0) ? 0 : a;
    }
  }
}

/** gradient[o][i] = Σ_b dz[o][b]·h[i][b]. */
export function denseWeightGradient(
  dz: Float32Array,
  h: Float32Array,
  gradient: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
): void {
  for (let o = 0; o < outDim; o++) {
    const q = o * n;
    const row = o * inDim;
    let i = 0;
    for (; i + 4 <= inDim; i += 4) {
      const p0 = i * n;
      const p1 = p0 + n;
      const p2 = p1 + n;
      const p3 = p2 + n;
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let b = 0; b < n; b++) {
        const d = dz[q + b];
        a0 += d * h[p0 + b];
        a1 += d * h[p1 + b];
        a2 += d * h[p2 + b];
        a3 += d * h[p3 + b];
      }
      gradient[row + i] = a0;
      gradient[row + i + 1] = a1;
      gradient[row + i + 2] = a2;
      gradient[row + i + 3] = a3;
    }
    for (; i < inDim; i++) {
      const p = i * n;
      let a = 0;
      for (let b = 0; b < n; b++) a += dz[q + b] * h[p + b];
      gradient[row + i] = a;
    }
  }
}

/**
 * The gradient with respect to the pre-activation of the layer below:
 * dh[i][b] = Σ_o w[o][i]·dz[o][b] where that layer's ReLU passed (h[i][b] > 0), else 0.
 */
export function denseInputGradient(
  weights: Float32Array,
  dz: Float32Array,
  h: Float32Array,
  dh: Float32Array,
  inDim: number,
  outDim: number,
  n: number,
): void {
  for (let i = 0; i < inDim; i++) {
    const p = i * n;
    let b = 0;
    for (; b + 4 <= n; b += 4) {
      const at = p + b;
      if (!(h[at] > 0 || h[at + 1] > 0 || h[at + 2] > 0 || h[at + 3] > 0)) {
        dh[at] = 0;
        dh[at + 1] = 0;
        dh[at + 2] = 0;
        dh[at + 3] = 0;
        continue;
      }
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      for (let o = 0, w = i, q = b; o < outDim; o++, w += inDim, q += n) {
        const weight = weights[w];
        a0 += weight * dz[q];
        a1 += weight * dz[q + 1];
        a2 += weight * dz[q + 2];
        a3 += weight * dz[q + 3];
      }
      dh[at] = h[at] > 0 ? a0 : 0;
      dh[at + 1] = h[at + 1] > 0 ? a1 : 0;
      dh[at + 2] = h[at + 2] > 0 ? a2 : 0;
      dh[at + 3] = h[at + 3] > 0 ? a3 : 0;
    }
    for (; b < n; b++) {
      if (!(h[p + b] > 0)) {
        dh[p + b] = 0;
        continue;
      }
      let a = 0;
      for (let o = 0, w = i, q = b; o < outDim; o++, w += inDim, q += n) a += weights[w] * dz[q];
      dh[p + b] = a;
    }
  }
}
