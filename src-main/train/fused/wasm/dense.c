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

/* Up to 4 consecutive Float32 values at p (count 4, 2 or 1), widened to pairs of Float64. */
INLINE void load_samples(const float *p, int count, v128_t *pairs) {
  if (count == 4) {
    const v128_t v = wasm_v128_load(p);
    pairs[0] = low_f64(v);
    pairs[1] = high_f64(v);
  } else if (count == 2) {
    pairs[0] = load2_f64(p);
  } else {
    pairs[0] = low_f64(wasm_v128_load32_zero(p));
  }
}

/* Pairs of double sums rounded to Float32 and stored, count 4, 2 or 1 values at p. */
INLINE void store_samples(float *p, int count, const v128_t *pairs, int relu) {
  v128_t low = pairs[0];
  v128_t high = count == 4 ? pairs[1] : low;
  if (relu) {
    const v128_t zero = wasm_f64x2_splat(0.0);
    low = wasm_v128_and(low, wasm_f64x2_gt(low, zero));
    high = wasm_v128_and(high, wasm_f64x2_gt(high, zero));
  }
  const v128_t f = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(low),
                                      wasm_f32x4_demote_f64x2_zero(high), 0, 1, 4, 5);
  if (count == 4) wasm_v128_store(p, f);
  else if (count == 2) wasm_v128_store64_lane(p, f, 0);
  else wasm_v128_store32_lane(p, f, 0);
}

INLINE void forward_block(const float *weights, const float *bias, const float *h, float *z,
                          int inDim, int n, int relu, int o, int b, int outputs, int samples) {
  const int pairs = samples == 4 ? 2 : 1;
  v128_t acc[4][2];
  for (int k = 0; k < outputs; k++)
    for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_splat(0.0);
  const float *row = weights + o * inDim;
  const float *column = h + b;
  for (int i = 0; i < inDim; i++, column += n) {
    v128_t x[2];
    load_samples(column, samples, x);
    for (int k = 0; k < outputs; k++) {
      const v128_t w = wasm_f64x2_splat((double)row[k * inDim + i]);
      for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_add(acc[k][j], wasm_f64x2_mul(w, x[j]));
    }
  }
  for (int k = 0; k < outputs; k++) {
    const v128_t beta = wasm_f64x2_splat((double)bias[o + k]);
    for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_add(acc[k][j], beta);
    store_samples(z + (o + k) * n + b, samples, acc[k], relu);
  }
}

INLINE void forward_outputs(const float *weights, const float *bias, const float *h, float *z,
                            int inDim, int n, int relu, int o, int outputs) {
  int b = 0;
  for (; b + 4 <= n; b += 4) forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 4);
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

/* ---- weight gradient: lanes over input neurons (pairs), sums over samples ---- */
INLINE void weight_block(const float *dz, const float *h, float *gradient, int inDim, int n,
                         int o, int i, int outputs, int inputs) {
  const int pairs = inputs == 4 ? 2 : 1;
  v128_t acc[4][2];
  for (int k = 0; k < outputs; k++)
    for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_splat(0.0);
  const float *hi = h + i * n;
  const float *d = dz + o * n;
  for (int b = 0; b < n; b++) {
    v128_t x[2];
    if (inputs == 4) {
      x[0] = wasm_f64x2_make((double)hi[b], (double)hi[n + b]);
      x[1] = wasm_f64x2_make((double)hi[2 * n + b], (double)hi[3 * n + b]);
    } else if (inputs == 2) {
      x[0] = wasm_f64x2_make((double)hi[b], (double)hi[n + b]);
    } else {
      x[0] = wasm_f64x2_make((double)hi[b], 0.0);
    }
    for (int k = 0; k < outputs; k++) {
      const v128_t g = wasm_f64x2_splat((double)d[k * n + b]);
      for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_add(acc[k][j], wasm_f64x2_mul(g, x[j]));
    }
  }
  for (int k = 0; k < outputs; k++) {
    float *out = gradient + (o + k) * inDim + i;
    const v128_t f = wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(acc[k][0]),
                                        wasm_f32x4_demote_f64x2_zero(pairs == 2 ? acc[k][1] : acc[k][0]),
                                        0, 1, 4, 5);
    if (inputs == 4) wasm_v128_store(out, f);
    else if (inputs == 2) wasm_v128_store64_lane(out, f, 0);
    else wasm_v128_store32_lane(out, f, 0);
  }
}

INLINE void weight_inputs(const float *dz, const float *h, float *gradient, int inDim, int outDim,
                          int n, int i, int inputs) {
  int o = 0;
  for (; o + 4 <= outDim; o += 4) weight_block(dz, h, gradient, inDim, n, o, i, 4, inputs);
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

/* ---- input gradient: lanes over samples, sums over outputs ---- */
INLINE void input_block(const float *weights, const float *dz, const float *h, float *dh,
                        int inDim, int outDim, int n, int i, int b, int inputs, int samples) {
  const int pairs = samples == 4 ? 2 : 1;
  v128_t acc[4][2];
  for (int k = 0; k < inputs; k++)
    for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_splat(0.0);
  const float *w = weights + i;
  const float *d = dz + b;
  for (int o = 0; o < outDim; o++, w += inDim, d += n) {
    v128_t x[2];
    load_samples(d, samples, x);
    for (int k = 0; k < inputs; k++) {
      const v128_t weight = wasm_f64x2_splat((double)w[k]);
      for (int j = 0; j < pairs; j++) acc[k][j] = wasm_f64x2_add(acc[k][j], wasm_f64x2_mul(weight, x[j]));
    }
  }
  for (int k = 0; k < inputs; k++) {
    const int at = (i + k) * n + b;
    v128_t hv;
    if (samples == 4) hv = wasm_v128_load(h + at);
    else if (samples == 2) hv = wasm_v128_load64_zero(h + at);
    else hv = wasm_v128_load32_zero(h + at);
    const v128_t passed = wasm_f32x4_gt(hv, wasm_f32x4_splat(0.0f));
    const v128_t f = wasm_v128_and(
        passed, wasm_i32x4_shuffle(wasm_f32x4_demote_f64x2_zero(acc[k][0]),
                                   wasm_f32x4_demote_f64x2_zero(pairs == 2 ? acc[k][1] : acc[k][0]),
                                   0, 1, 4, 5));
    if (samples == 4) wasm_v128_store(dh + at, f);
    else if (samples == 2) wasm_v128_store64_lane(dh + at, f, 0);
    else wasm_v128_store32_lane(dh + at, f, 0);
  }
}

INLINE void input_inputs(const float *weights, const float *dz, const float *h, float *dh,
                         int inDim, int outDim, int n, int i, int inputs) {
  int b = 0;
  for (; b + 4 <= n; b += 4) input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 4);
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
