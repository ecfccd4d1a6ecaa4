/*
 * Dense layers after the first: the WebAssembly twins of denseForward,
 * denseWeightGradient and denseInputGradient (../dense-kernels.ts), which say what they
 * compute. Activations are feature-major ([inDim][n], one contiguous run of samples per
 * neuron), weights [outDim][inDim].
 *
 * The TypeScript kernels skip the ReLU's zeros; these compute every term instead, with the
 * SIMD lanes over samples (forward, input gradient) or input neurons (weight gradient),
 * which a gather of the non-zero entries would defeat. That changes no stored value: each
 * sum starts at +0, and a sum that starts at +0 is never −0 (x + y is −0 only when both are
 * −0), so adding a ±0 term (a zero activation times a finite weight or gradient) leaves it
 * exactly as it was; the remaining terms come in the twin's order. The input gradient of a
 * sample whose ReLU did not pass is computed and then replaced by the twin's +0.
 * The scratch arrays (activeIndex, activeValue) are not needed.
 */
#include "kernels.h"

/* Every block below is one inlined body with constant widths, so its sums stay in registers. */
#define INLINE static inline __attribute__((always_inline))

/* `count` (4, 2 or 1) consecutive Float32 values at p; the other lanes +0. */
INLINE v128_t load_lanes(const float *p, int count) {
  if (count == 4) return wasm_v128_load(p);
  if (count == 2) return wasm_v128_load64_zero(p);
  return wasm_v128_load32_zero(p);
}

/* The first `count` (4, 2 or 1) lanes of v stored at p. */
INLINE void store_lanes(float *p, int count, v128_t v) {
  if (count == 4) wasm_v128_store(p, v);
  else if (count == 2) wasm_v128_store64_lane(p, v, 0);
  else wasm_v128_store32_lane(p, v, 0);
}

/* ---- forward: lanes over samples (8, 4, 2 or 1 per block), sums over input neurons ---- */
INLINE void forward_block(const float *weights, const float *bias, const float *h, float *z,
                          int inDim, int n, int relu, int o, int b, int outputs, int samples) {
  const int vectors = samples == 8 ? 2 : 1;
  const int lanes = samples == 8 ? 4 : samples;
  v128_t acc[4][2];
  for (int k = 0; k < outputs; k++)
    for (int j = 0; j < vectors; j++) acc[k][j] = wasm_f32x4_splat(0.0f);
  const float *row = weights + o * inDim;
  const float *column = h + b;
  for (int i = 0; i < inDim; i++, column += n) {
    v128_t x[2];
    for (int j = 0; j < vectors; j++) x[j] = load_lanes(column + 4 * j, lanes);
    for (int k = 0; k < outputs; k++) {
      const v128_t w = wasm_f32x4_splat(row[k * inDim + i]);
      for (int j = 0; j < vectors; j++) acc[k][j] = wasm_f32x4_add(acc[k][j], wasm_f32x4_mul(w, x[j]));
    }
  }
  for (int k = 0; k < outputs; k++) {
    const v128_t beta = wasm_f32x4_splat(bias[o + k]);
    for (int j = 0; j < vectors; j++) {
      const v128_t a = wasm_f32x4_add(acc[k][j], beta);
      store_lanes(z + (o + k) * n + b + 4 * j, lanes, relu ? relu4(a) : a);
    }
  }
}

INLINE void forward_outputs(const float *weights, const float *bias, const float *h, float *z,
                            int inDim, int n, int relu, int o, int outputs) {
  int b = 0;
  for (; b + 8 <= n; b += 8) forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 8);
  if (b + 4 <= n) {
    forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 4);
    b += 4;
  }
  if (b + 2 <= n) {
    forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 2);
    b += 2;
  }
  if (b < n) forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 1);
}

EXPORT(dense_forward)
void dense_forward(const float *weights, const float *bias, const float *h, float *z, int inDim,
                   int outDim, int n, int relu, int32_t *activeIndex, float *activeValue) {
  (void)activeIndex;
  (void)activeValue;
  int o = 0;
  for (; o + 4 <= outDim; o += 4) forward_outputs(weights, bias, h, z, inDim, n, relu, o, 4);
  for (; o < outDim; o++) forward_outputs(weights, bias, h, z, inDim, n, relu, o, 1);
}

/* ---- weight gradient: lanes over input neurons (4, 2 or 1), sums over samples ---- */
INLINE void weight_block(const float *dz, const float *h, float *gradient, int inDim, int n,
                         int o, int i, int outputs, int inputs) {
  v128_t acc[8];
  for (int k = 0; k < outputs; k++) acc[k] = wasm_f32x4_splat(0.0f);
  const float *hi = h + i * n;
  const float *d = dz + o * n;
  for (int b = 0; b < n; b++) {
    v128_t x;
    if (inputs == 4) x = wasm_f32x4_make(hi[b], hi[n + b], hi[2 * n + b], hi[3 * n + b]);
    else if (inputs == 2) x = wasm_f32x4_make(hi[b], hi[n + b], 0.0f, 0.0f);
    else x = wasm_f32x4_make(hi[b], 0.0f, 0.0f, 0.0f);
    for (int k = 0; k < outputs; k++)
      acc[k] = wasm_f32x4_add(acc[k], wasm_f32x4_mul(wasm_f32x4_splat(d[k * n + b]), x));
  }
  for (int k = 0; k < outputs; k++) store_lanes(gradient + (o + k) * inDim + i, inputs, acc[k]);
}

INLINE void weight_inputs(const float *dz, const float *h, float *gradient, int inDim, int outDim,
                          int n, int i, int inputs) {
  int o = 0;
  for (; o + 8 <= outDim; o += 8) weight_block(dz, h, gradient, inDim, n, o, i, 8, inputs);
  if (o + 4 <= outDim) {
    weight_block(dz, h, gradient, inDim, n, o, i, 4, inputs);
    o += 4;
  }
  for (; o < outDim; o++) weight_block(dz, h, gradient, inDim, n, o, i, 1, inputs);
}

EXPORT(dense_weight_gradient)
void dense_weight_gradient(const float *dz, const float *h, float *gradient, int inDim,
                           int outDim, int n, int32_t *activeIndex, float *activeValue) {
  (void)activeIndex;
  (void)activeValue;
  int i = 0;
  for (; i + 4 <= inDim; i += 4) weight_inputs(dz, h, gradient, inDim, outDim, n, i, 4);
  if (i + 2 <= inDim) {
    weight_inputs(dz, h, gradient, inDim, outDim, n, i, 2);
    i += 2;
  }
  if (i < inDim) weight_inputs(dz, h, gradient, inDim, outDim, n, i, 1);
}

/* ---- input gradient: lanes over samples (8, 4, 2 or 1 per block), sums over outputs ---- */
INLINE void input_block(const float *weights, const float *dz, const float *h, float *dh,
                        int inDim, int outDim, int n, int i, int b, int inputs, int samples) {
  const int vectors = samples == 8 ? 2 : 1;
  const int lanes = samples == 8 ? 4 : samples;
  v128_t acc[4][2];
  for (int k = 0; k < inputs; k++)
    for (int j = 0; j < vectors; j++) acc[k][j] = wasm_f32x4_splat(0.0f);
  const float *w = weights + i;
  const float *d = dz + b;
  for (int o = 0; o < outDim; o++, w += inDim, d += n) {
    v128_t x[2];
    for (int j = 0; j < vectors; j++) x[j] = load_lanes(d + 4 * j, lanes);
    for (int k = 0; k < inputs; k++) {
      const v128_t weight = wasm_f32x4_splat(w[k]);
      for (int j = 0; j < vectors; j++)
        acc[k][j] = wasm_f32x4_add(acc[k][j], wasm_f32x4_mul(weight, x[j]));
    }
  }
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int k = 0; k < inputs; k++) {
    for (int j = 0; j < vectors; j++) {
      const int at = (i + k) * n + b + 4 * j;
      const v128_t passed = wasm_f32x4_gt(load_lanes(h + at, lanes), zero);
      store_lanes(dh + at, lanes, wasm_v128_and(passed, acc[k][j]));
    }
  }
}

INLINE void input_inputs(const float *weights, const float *dz, const float *h, float *dh,
                         int inDim, int outDim, int n, int i, int inputs) {
  int b = 0;
  for (; b + 8 <= n; b += 8) input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 8);
  if (b + 4 <= n) {
    input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 4);
    b += 4;
  }
  if (b + 2 <= n) {
    input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 2);
    b += 2;
  }
  if (b < n) input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 1);
}

EXPORT(dense_input_gradient)
void dense_input_gradient(const float *weights, const float *dz, const float *h, float *dh,
                          int inDim, int outDim, int n, int32_t *activeIndex) {
  (void)activeIndex;
  int i = 0;
  for (; i + 4 <= inDim; i += 4) input_inputs(weights, dz, h, dh, inDim, outDim, n, i, 4);
  for (; i < inDim; i++) input_inputs(weights, dz, h, dh, inDim, outDim, n, i, 1);
}
