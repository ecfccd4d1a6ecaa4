/*
 * Masked layers stored as compressed sparse rows (a first layer over the feature-major
 * input batch, 'input-sparse', or a later one, 'sparse'): the WebAssembly twins of
 * sparseForward, sparseWeightGradient and sparseInputGradient (../sparse-kernels.ts),
 * which say what they compute. The kept weights of output o are start[o] … start[o+1]−1,
 * index[k] their input row; activations are feature-major ([dim][n]), so one input row's
 * samples lie side by side.
 *
 * The lanes run over what lies side by side without splitting a sum: samples in the
 * forward pass and the input gradient (each kept weight times four samples of its row),
 * kept weights in the weight gradient (its sums run over the samples, so four kept
 * weights' rows are transposed into the lanes, four samples at a time). Measured on the
 * calls of a real Fashion MNIST step (batch 60, after 30 steps, seed 7), alternating with
 * the TypeScript twin in one process, wasm/TypeScript time on the thesis' masked setups
 * (300,100)@0.3136, @0.1036, @0.0342, (102,34)@0.3324, @0.1119, (35,11)@0.3388:
 *   forward          0.065–0.082 on the first layers (784 × 300 at 0.31: 0.077–0.082),
 *                    0.067–0.10 on the second; twenty samples per pass (five sums of four lanes:
 *                    three passes at 60 samples) beat 32+16+8+4 (0.088–0.093), 16 (0.085–
 *                    0.099) and 48 (0.10–0.11); 24 and 28 were no faster than 20. The
 *                    last 1–3 samples (a validation chunk's, an odd batch's) take one
 *                    pass in partial lanes, not one scalar pass each.
 *   weight gradient  0.12–0.16 on the first layers, 0.12–0.19 on the second; eight kept
 *                    weights per pass beat four, twelve, sixteen and twenty-four (0.13–
 *                    0.21, dz splat from memory or not), and neither walking only the
 *                    samples whose dz is non-zero (gathering the four rows' values) nor
 *                    blocks of samples outermost (h's block in cache, the sums carried in
 *                    `gradient`) was faster. The 4 × 4 transposes are the price of keeping
 *                    each sum in one lane; this kernel is the largest of a masked step
 *                    ((300,100)@0.3136: half the step, the forward pass 28 %, the input
 *                    gradient 4 %, Adam 12 %).
 *   input gradient   0.035–0.06: blocks of twenty samples outermost (see the kernel),
 *                    against 0.07–0.10 walking whole rows; 24, 28 and 32 no faster.
 * No zeros are skipped: a lane cannot skip alone, and a whole block is rarely zero (in
 * Fashion batches 5.5 % of a pixel's 20-sample blocks, 22 % of its 4-sample blocks; 6–13 %
 * of a hidden ReLU row's 20-sample blocks), so testing costs more than it saves (skipping
 * all-zero blocks measured slower already on a two-double-lane version of these loops).
 */
#include "kernels.h"

#define INLINE static inline __attribute__((always_inline))

/*
 * z[b … b+width−1] of one neuron (h and z already offset to sample b): each sum over the
 * kept weights first … end−1 in their order, one sample per lane, then + bias and ReLU.
 */
INLINE void forward_samples(const float *weights, const int32_t *index, int first, int end,
                            const float *h, int n, int width, v128_t bias, int relu,
                            float *z) {
  v128_t acc[5];
  for (int j = 0; j < width / 4; j++) acc[j] = wasm_f32x4_splat(0.0f);
  for (int k = first; k < end; k++) {
    const v128_t w = wasm_v128_load32_splat(weights + k);
    const float *row = h + index[k] * n;
    for (int j = 0; j < width / 4; j++)
      acc[j] = wasm_f32x4_add(acc[j], wasm_f32x4_mul(w, wasm_v128_load(row + 4 * j)));
  }
  for (int j = 0; j < width / 4; j++) {
    const v128_t a = wasm_f32x4_add(acc[j], bias);
    wasm_v128_store(z + 4 * j, relu ? relu4(a) : a);
  }
}

/* The first `count` (1–3) Float32 values at p in lanes 0 … count−1, zeros above. */
INLINE v128_t load_partial(const float *p, int count) {
  if (count == 1) return wasm_v128_load32_zero(p);
  const v128_t pair = wasm_v128_load64_zero(p);
  return count == 2 ? pair : wasm_v128_load32_lane(p + 2, pair, 2);
}

/* Lanes 0 … count−1 (1–3) of v stored to p, nothing past them. */
INLINE void store_partial(float *p, v128_t v, int count) {
  if (count == 1) {
    wasm_v128_store32_lane(p, v, 0);
    return;
  }
  wasm_v128_store64_lane(p, v, 0);
  if (count == 3) wasm_v128_store32_lane(p + 2, v, 2);
}

/*
 * The last `count` (1–3) samples of one neuron, one pass in the low lanes (the lanes
 * above sum zeros and are not stored): what three scalar passes over the kept weights
 * would compute, lane by lane.
 */
INLINE void forward_tail(const float *weights, const int32_t *index, int first, int end,
                         const float *h, int n, int count, v128_t bias, int relu, float *z) {
  v128_t acc = wasm_f32x4_splat(0.0f);
  for (int k = first; k < end; k++) {
    const v128_t w = wasm_v128_load32_splat(weights + k);
    acc = wasm_f32x4_add(acc, wasm_f32x4_mul(w, load_partial(h + index[k] * n, count)));
  }
  const v128_t a = wasm_f32x4_add(acc, bias);
  store_partial(z, relu ? relu4(a) : a, count);
}

/* sparse_forward with relu a constant, so each width's loop is compiled without tests. */
INLINE void forward(const float *weights, const int32_t *start, const int32_t *index,
                    const float *bias, const float *h, float *z, int outDim, int n, int relu) {
  for (int o = 0; o < outDim; o++) {
    const int first = start[o];
    const int end = start[o + 1];
    const v128_t base = wasm_v128_load32_splat(bias + o);
    float *out = z + o * n;
    int b = 0;
    for (; b + 20 <= n; b += 20)
      forward_samples(weights, index, first, end, h + b, n, 20, base, relu, out + b);
    for (; b + 16 <= n; b += 16)
      forward_samples(weights, index, first, end, h + b, n, 16, base, relu, out + b);
    for (; b + 8 <= n; b += 8)
      forward_samples(weights, index, first, end, h + b, n, 8, base, relu, out + b);
    for (; b + 4 <= n; b += 4)
      forward_samples(weights, index, first, end, h + b, n, 4, base, relu, out + b);
    switch (n - b) {
      case 1:
        forward_tail(weights, index, first, end, h + b, n, 1, base, relu, out + b);
        break;
      case 2:
        forward_tail(weights, index, first, end, h + b, n, 2, base, relu, out + b);
        break;
      case 3:
        forward_tail(weights, index, first, end, h + b, n, 3, base, relu, out + b);
        break;
    }
  }
}

/* z[o][b] = Σ_kept w·h[i][b] + bias[o], then ReLU when relu. */
EXPORT(sparse_forward)
void sparse_forward(const float *weights, const int32_t *start, const int32_t *index,
                    const float *bias, const float *h, float *z, int outDim, int n, int relu) {
  if (relu)
    forward(weights, start, index, bias, h, z, outDim, n, 1);
  else
    forward(weights, start, index, bias, h, z, outDim, n, 0);
}

/*
 * The sums of 4·quads kept weights over the samples in order (d = dz's row of their
 * neuron, row[j] = h's row of kept weight j), stored to gradient[0 … 4·quads−1]. Lane j
 * of quad q is kept weight 4q+j: four samples of its four rows are loaded and transposed,
 * so each lane's sum takes sample b, b+1, b+2, b+3 in turn.
 */
INLINE void gradient_quads(const float *d, const float *const *row, int quads, int n,
                           float *gradient) {
  v128_t acc[4];
  for (int q = 0; q < quads; q++) acc[q] = wasm_f32x4_splat(0.0f);
  int b = 0;
  for (; b + 4 <= n; b += 4) {
    const v128_t dz = wasm_v128_load(d + b);
    const v128_t d0 = wasm_i32x4_shuffle(dz, dz, 0, 0, 0, 0);
    const v128_t d1 = wasm_i32x4_shuffle(dz, dz, 1, 1, 1, 1);
    const v128_t d2 = wasm_i32x4_shuffle(dz, dz, 2, 2, 2, 2);
    const v128_t d3 = wasm_i32x4_shuffle(dz, dz, 3, 3, 3, 3);
    for (int q = 0; q < quads; q++) {
      const v128_t x0 = wasm_v128_load(row[4 * q] + b);
      const v128_t x1 = wasm_v128_load(row[4 * q + 1] + b);
      const v128_t x2 = wasm_v128_load(row[4 * q + 2] + b);
      const v128_t x3 = wasm_v128_load(row[4 * q + 3] + b);
      // Rows to columns: s0 holds sample b of the four rows, s1 sample b+1, …
      const v128_t t01 = wasm_i32x4_shuffle(x0, x1, 0, 4, 1, 5);
      const v128_t t23 = wasm_i32x4_shuffle(x2, x3, 0, 4, 1, 5);
      const v128_t u01 = wasm_i32x4_shuffle(x0, x1, 2, 6, 3, 7);
      const v128_t u23 = wasm_i32x4_shuffle(x2, x3, 2, 6, 3, 7);
      const v128_t s0 = wasm_i32x4_shuffle(t01, t23, 0, 1, 4, 5);
      const v128_t s1 = wasm_i32x4_shuffle(t01, t23, 2, 3, 6, 7);
      const v128_t s2 = wasm_i32x4_shuffle(u01, u23, 0, 1, 4, 5);
      const v128_t s3 = wasm_i32x4_shuffle(u01, u23, 2, 3, 6, 7);
      v128_t a = acc[q];
      a = wasm_f32x4_add(a, wasm_f32x4_mul(d0, s0));
      a = wasm_f32x4_add(a, wasm_f32x4_mul(d1, s1));
      a = wasm_f32x4_add(a, wasm_f32x4_mul(d2, s2));
      a = wasm_f32x4_add(a, wasm_f32x4_mul(d3, s3));
      acc[q] = a;
    }
  }
  for (; b < n; b++) {
    const v128_t db = wasm_v128_load32_splat(d + b);
    for (int q = 0; q < quads; q++) {
      const v128_t x = wasm_f32x4_make(row[4 * q][b], row[4 * q + 1][b], row[4 * q + 2][b],
                                       row[4 * q + 3][b]);
      acc[q] = wasm_f32x4_add(acc[q], wasm_f32x4_mul(db, x));
    }
  }
  for (int q = 0; q < quads; q++) wasm_v128_store(gradient + 4 * q, acc[q]);
}

/* gradient[k] = Σ_b dz[o][b]·h[i][b] for each kept weight k = (o, i). */
EXPORT(sparse_weight_gradient)
void sparse_weight_gradient(const int32_t *start, const int32_t *index, const float *dz,
                            const float *h, float *gradient, int outDim, int n) {
  const float *row[8];
  for (int o = 0; o < outDim; o++) {
    const float *d = dz + o * n;
    const int end = start[o + 1];
    int k = start[o];
    for (; k + 8 <= end; k += 8) {
      for (int j = 0; j < 8; j++) row[j] = h + index[k + j] * n;
      gradient_quads(d, row, 2, n, gradient + k);
    }
    for (; k + 4 <= end; k += 4) {
      for (int j = 0; j < 4; j++) row[j] = h + index[k + j] * n;
      gradient_quads(d, row, 1, n, gradient + k);
    }
    for (; k < end; k++) {
      const float *x = h + index[k] * n;
      float a = 0.0f;
      for (int b = 0; b < n; b++) {
        const float product = d[b] * x[b];
        a = a + product;
      }
      gradient[k] = a;
    }
  }
}

/*
 * Adds w·dz[o][b] for samples b … b+width−1 (dz and dh already offset to sample b) to dh's
 * rows, every neuron in order and its kept weights in their order, so each entry of dh
 * takes its terms in the twin's order. The neuron's dz block stays in registers across
 * its kept weights.
 */
INLINE void input_gradient_samples(const float *weights, const int32_t *start,
                                   const int32_t *index, const float *dz, float *dh,
                                   int outDim, int n, int width) {
  for (int o = 0; o < outDim; o++) {
    v128_t d[5];
    for (int j = 0; j < width / 4; j++) d[j] = wasm_v128_load(dz + o * n + 4 * j);
    const int end = start[o + 1];
    for (int k = start[o]; k < end; k++) {
      const v128_t w = wasm_v128_load32_splat(weights + k);
      float *x = dh + index[k] * n;
      for (int j = 0; j < width / 4; j++)
        wasm_v128_store(x + 4 * j,
                        wasm_f32x4_add(wasm_v128_load(x + 4 * j), wasm_f32x4_mul(w, d[j])));
    }
  }
}

/* The same for the last `count` (1–3) samples, in partial lanes. */
INLINE void input_gradient_tail(const float *weights, const int32_t *start,
                                const int32_t *index, const float *dz, float *dh, int outDim,
                                int n, int count) {
  for (int o = 0; o < outDim; o++) {
    const v128_t d = load_partial(dz + o * n, count);
    const int end = start[o + 1];
    for (int k = start[o]; k < end; k++) {
      const v128_t w = wasm_v128_load32_splat(weights + k);
      float *x = dh + index[k] * n;
      store_partial(x, wasm_f32x4_add(load_partial(x, count), wasm_f32x4_mul(w, d)), count);
    }
  }
}

/*
 * dh ([inDim][n], fully written) = Σ over the kept weights, in their order, of w·dz[o][b],
 * then +0 where h (that layer's output) is not > 0. Twenty samples at a time walk every
 * neuron's kept weights (then 16, 8, 4 and the last 1–3): a block of dh's columns stays in
 * cache while the walk adds into it (300 inputs × 20 samples: 24 KB), where whole rows
 * (72 KB) did not; that halved the time.
 */
EXPORT(sparse_input_gradient)
void sparse_input_gradient(const float *weights, const int32_t *start, const int32_t *index,
                           const float *dz, const float *h, float *dh, int inDim, int outDim,
                           int n) {
  const int size = inDim * n;
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int j = 0;
  for (; j + 4 <= size; j += 4) wasm_v128_store(dh + j, zero);
  for (; j < size; j++) dh[j] = 0.0f;
  int b = 0;
  for (; b + 20 <= n; b += 20)
    input_gradient_samples(weights, start, index, dz + b, dh + b, outDim, n, 20);
  for (; b + 16 <= n; b += 16)
    input_gradient_samples(weights, start, index, dz + b, dh + b, outDim, n, 16);
  for (; b + 8 <= n; b += 8)
    input_gradient_samples(weights, start, index, dz + b, dh + b, outDim, n, 8);
  for (; b + 4 <= n; b += 4)
    input_gradient_samples(weights, start, index, dz + b, dh + b, outDim, n, 4);
  switch (n - b) {
    case 1:
      input_gradient_tail(weights, start, index, dz + b, dh + b, outDim, n, 1);
      break;
    case 2:
      input_gradient_tail(weights, start, index, dz + b, dh + b, outDim, n, 2);
      break;
    case 3:
      input_gradient_tail(weights, start, index, dz + b, dh + b, outDim, n, 3);
      break;
  }
  j = 0;
  for (; j + 4 <= size; j += 4) {
    const v128_t on = wasm_f32x4_gt(wasm_v128_load(h + j), zero);
    wasm_v128_store(dh + j, wasm_v128_and(wasm_v128_load(dh + j), on));
  }
  for (; j < size; j++)
    if (!(h[j] > 0)) dh[j] = 0.0f;
}
