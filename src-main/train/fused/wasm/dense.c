/*
 * Dense layers after the first: the WebAssembly twins of denseForward,
 * denseWeightGradient and denseInputGradient (../dense-kernels.ts), which say what they
 * compute. Activations are feature-major ([inDim][n], one contiguous run of samples per
 * neuron), weights [outDim][inDim]; every sum is a Float32 sum in the twin's order.
 *
 * The TypeScript kernels skip the ReLU's zeros; these compute every term instead, with the
 * SIMD lanes over samples (forward, input gradient) or input neurons (weight gradient),
 * which a gather of the non-zero entries would defeat. That changes no stored value: each
 * sum starts at +0, and a sum that starts at +0 is never −0 (x + y is −0 only when both are
 * −0), so adding a ±0 term (a zero activation times a finite weight or gradient) leaves it
 * exactly as it was; the remaining terms come in the twin's order. The input gradient of a
 * sample whose ReLU did not pass is computed and then replaced by the twin's +0.
 * The scratch arrays (activeIndex, activeValue) are not needed.
 *
 * Block sizes, measured against each other in one process on the thesis' layers (batch 60
 * and validation chunks of 250, about 55 % ReLU zeros): V8 keeps about nine Float32×4 sums
 * in registers and spills beyond, so each kernel keeps eight or nine. The forward pass
 * (3 outputs × 12 samples) runs at ~13 G products/s on a 300 → 100 layer, the machine's
 * add-and-multiply peak without fused multiply-add; 4 × 8 or 2 × 16 is as fast, 6 × 8 or
 * 8 × 4 25–40 % slower, and samples as the outer loop 20–50 % slower. The weight gradient
 * (8 inputs × 4 outputs) is 15 % faster than 4 × 6, 25–35 % faster than 4 × 8 or 8 × 5
 * (which spill), and its transposed activations 25 % faster than gathering four strided
 * values per sample. The input gradient (3 inputs × 12 samples) is 5–15 % faster than
 * 4 × 8. Against the TypeScript twins (which skip the zeros and do the rest one product
 * at a time), on those layers: forward 8–18×, weight gradient 9–13×, input gradient 8–13×.
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

/* The first `count` (1 to 4) lanes of v stored at p. */
INLINE void store_lanes(float *p, int count, v128_t v) {
  if (count == 4) {
    wasm_v128_store(p, v);
  } else if (count == 3) {
    wasm_v128_store64_lane(p, v, 0);
    wasm_v128_store32_lane(p + 2, v, 2);
  } else if (count == 2) {
    wasm_v128_store64_lane(p, v, 0);
  } else {
    wasm_v128_store32_lane(p, v, 0);
  }
}

/*
 * ---- Forward: lanes over samples, sums over input neurons ----
 * A block is `outputs` neurons × `vectors` groups of `lanes` samples: per input neuron it
 * loads the samples' activations once and one weight per output, splat across the lanes.
 */
#define FORWARD_OUTPUTS 3
#define FORWARD_VECTORS 3

INLINE void forward_block(const float *weights, const float *bias, const float *h, float *z,
                          int inDim, int n, int relu, int o, int b, int outputs, int vectors,
                          int lanes) {
  v128_t acc[FORWARD_OUTPUTS][FORWARD_VECTORS];
  for (int k = 0; k < outputs; k++)
    for (int j = 0; j < vectors; j++) acc[k][j] = wasm_f32x4_splat(0.0f);
  const float *row = weights + o * inDim;
  const float *column = h + b;
  for (int i = 0; i < inDim; i++, column += n) {
    v128_t x[FORWARD_VECTORS];
    for (int j = 0; j < vectors; j++) x[j] = load_lanes(column + 4 * j, lanes);
    for (int k = 0; k < outputs; k++) {
      const v128_t w = wasm_v128_load32_splat(row + k * inDim + i);
      for (int j = 0; j < vectors; j++)
        acc[k][j] = wasm_f32x4_add(acc[k][j], wasm_f32x4_mul(w, x[j]));
    }
  }
  for (int k = 0; k < outputs; k++) {
    const v128_t beta = wasm_v128_load32_splat(bias + o + k);
    for (int j = 0; j < vectors; j++) {
      const v128_t a = wasm_f32x4_add(acc[k][j], beta);
      store_lanes(z + (o + k) * n + b + 4 * j, lanes, relu ? relu4(a) : a);
    }
  }
}

INLINE void forward_outputs(const float *weights, const float *bias, const float *h, float *z,
                            int inDim, int n, int relu, int o, int outputs) {
  int b = 0;
  for (; b + 4 * FORWARD_VECTORS <= n; b += 4 * FORWARD_VECTORS)
    forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, FORWARD_VECTORS, 4);
  for (; b + 4 <= n; b += 4) forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 1, 4);
  if (b + 2 <= n) {
    forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 1, 2);
    b += 2;
  }
  if (b < n) forward_block(weights, bias, h, z, inDim, n, relu, o, b, outputs, 1, 1);
}

EXPORT(dense_forward)
void dense_forward(const float *weights, const float *bias, const float *h, float *z, int inDim,
                   int outDim, int n, int relu, int32_t *activeIndex, float *activeValue) {
  (void)activeIndex;
  (void)activeValue;
  int o = 0;
  for (; o + FORWARD_OUTPUTS <= outDim; o += FORWARD_OUTPUTS)
    forward_outputs(weights, bias, h, z, inDim, n, relu, o, FORWARD_OUTPUTS);
  if (o + 2 <= outDim) {
    forward_outputs(weights, bias, h, z, inDim, n, relu, o, 2);
    o += 2;
  }
  if (o < outDim) forward_outputs(weights, bias, h, z, inDim, n, relu, o, 1);
}

/*
 * ---- Weight gradient: lanes over input neurons, sums over samples ----
 * The sums run along the samples, so the lanes take four input neurons: their activations
 * are transposed once per block of eight neurons (4 × 4 shuffles) into `columns`, one
 * vector per sample, which every block of four outputs then reuses, with one output
 * gradient per sample splat across the lanes. The samples come in chunks of
 * WEIGHT_CHUNK (the stack holds the columns); a later chunk carries on from the Float32
 * sums the earlier one stored, which is the same Float32 sum.
 */
#define WEIGHT_INPUTS 8
#define WEIGHT_OUTPUTS 4
#define WEIGHT_CHUNK 256

/* columns[b] = (h[i][b0+b], …, h[i+3][b0+b]) for b < count; neurons from `inputs` on give +0. */
INLINE void transpose_rows(const float *hi, int n, int b0, int count, int inputs,
                           v128_t *columns) {
  const v128_t zero = wasm_f32x4_splat(0.0f);
  int b = 0;
  for (; b + 4 <= count; b += 4) {
    const float *p = hi + b0 + b;
    const v128_t r0 = wasm_v128_load(p);
    const v128_t r1 = inputs >= 2 ? wasm_v128_load(p + n) : zero;
    const v128_t r2 = inputs >= 3 ? wasm_v128_load(p + 2 * n) : zero;
    const v128_t r3 = inputs >= 4 ? wasm_v128_load(p + 3 * n) : zero;
    const v128_t t0 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
    const v128_t t1 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
    const v128_t t2 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
    const v128_t t3 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
    columns[b] = wasm_i64x2_shuffle(t0, t1, 0, 2);
    columns[b + 1] = wasm_i64x2_shuffle(t0, t1, 1, 3);
    columns[b + 2] = wasm_i64x2_shuffle(t2, t3, 0, 2);
    columns[b + 3] = wasm_i64x2_shuffle(t2, t3, 1, 3);
  }
  for (; b < count; b++) {
    const float *p = hi + b0 + b;
    columns[b] = wasm_f32x4_make(p[0], inputs >= 2 ? p[n] : 0.0f, inputs >= 3 ? p[2 * n] : 0.0f,
                                 inputs >= 4 ? p[3 * n] : 0.0f);
  }
}

/* Lanes of the j-th group of four of `inputs` neurons. */
INLINE int group_lanes(int inputs, int j) { return inputs - 4 * j > 4 ? 4 : inputs - 4 * j; }

INLINE void weight_block(const float *dz, v128_t (*columns)[WEIGHT_CHUNK], float *gradient,
                         int inDim, int n, int o, int i, int b0, int count, int outputs,
                         int inputs) {
  const int vectors = inputs > 4 ? 2 : 1;
  v128_t acc[WEIGHT_OUTPUTS][2];
  float *out = gradient + o * inDim + i;
  for (int k = 0; k < outputs; k++) {
    for (int j = 0; j < vectors; j++) {
      const int lanes = group_lanes(inputs, j);
      if (b0 == 0) acc[k][j] = wasm_f32x4_splat(0.0f);
      else if (lanes == 3) acc[k][j] = wasm_f32x4_make(out[k * inDim + 4 * j], out[k * inDim + 4 * j + 1], out[k * inDim + 4 * j + 2], 0.0f);
      else acc[k][j] = load_lanes(out + k * inDim + 4 * j, lanes);
    }
  }
  const float *d = dz + o * n + b0;
  for (int b = 0; b < count; b++) {
    v128_t x[2];
    for (int j = 0; j < vectors; j++) x[j] = columns[j][b];
    for (int k = 0; k < outputs; k++) {
      const v128_t g = wasm_v128_load32_splat(d + k * n + b);
      for (int j = 0; j < vectors; j++)
        acc[k][j] = wasm_f32x4_add(acc[k][j], wasm_f32x4_mul(g, x[j]));
    }
  }
  for (int k = 0; k < outputs; k++)
    for (int j = 0; j < vectors; j++)
      store_lanes(out + k * inDim + 4 * j, group_lanes(inputs, j), acc[k][j]);
}

INLINE void weight_inputs(const float *dz, const float *h, float *gradient, int inDim,
                          int outDim, int n, int i, int inputs) {
  v128_t columns[2][WEIGHT_CHUNK];
  for (int b0 = 0; b0 < n; b0 += WEIGHT_CHUNK) {
    const int count = n - b0 < WEIGHT_CHUNK ? n - b0 : WEIGHT_CHUNK;
    transpose_rows(h + i * n, n, b0, count, group_lanes(inputs, 0), columns[0]);
    if (inputs > 4) transpose_rows(h + (i + 4) * n, n, b0, count, inputs - 4, columns[1]);
    int o = 0;
    for (; o + WEIGHT_OUTPUTS <= outDim; o += WEIGHT_OUTPUTS)
      weight_block(dz, columns, gradient, inDim, n, o, i, b0, count, WEIGHT_OUTPUTS, inputs);
    if (o + 2 <= outDim) {
      weight_block(dz, columns, gradient, inDim, n, o, i, b0, count, 2, inputs);
      o += 2;
    }
    if (o < outDim) weight_block(dz, columns, gradient, inDim, n, o, i, b0, count, 1, inputs);
  }
}

EXPORT(dense_weight_gradient)
void dense_weight_gradient(const float *dz, const float *h, float *gradient, int inDim,
                           int outDim, int n, int32_t *activeIndex, float *activeValue) {
  (void)activeIndex;
  (void)activeValue;
  if (n <= 0) {
    /* No samples: every sum is its starting +0 (the blocks below store only what they sum). */
    for (int k = 0; k < inDim * outDim; k++) gradient[k] = 0.0f;
    return;
  }
  int i = 0;
  for (; i + WEIGHT_INPUTS <= inDim; i += WEIGHT_INPUTS)
    weight_inputs(dz, h, gradient, inDim, outDim, n, i, WEIGHT_INPUTS);
  /* The last 1–7 neurons, each count its own inlined body (the widths must be constants). */
  switch (inDim - i) {
    case 7: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 7); break;
    case 6: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 6); break;
    case 5: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 5); break;
    case 4: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 4); break;
    case 3: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 3); break;
    case 2: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 2); break;
    case 1: weight_inputs(dz, h, gradient, inDim, outDim, n, i, 1); break;
    default: break;
  }
}

/*
 * ---- Input gradient: lanes over samples, sums over output neurons ----
 * A block is `inputs` neurons × `vectors` groups of `lanes` samples: per output neuron it
 * loads the samples' output gradients once and one weight per input neuron (contiguous in
 * the weight row), splat across the lanes; the ReLU's mask (h > 0) is applied on store.
 */
#define INPUT_INPUTS 3
#define INPUT_VECTORS 3

INLINE void input_block(const float *weights, const float *dz, const float *h, float *dh,
                        int inDim, int outDim, int n, int i, int b, int inputs, int vectors,
                        int lanes) {
  v128_t acc[INPUT_INPUTS][INPUT_VECTORS];
  for (int k = 0; k < inputs; k++)
    for (int j = 0; j < vectors; j++) acc[k][j] = wasm_f32x4_splat(0.0f);
  const float *w = weights + i;
  const float *d = dz + b;
  for (int o = 0; o < outDim; o++, w += inDim, d += n) {
    v128_t x[INPUT_VECTORS];
    for (int j = 0; j < vectors; j++) x[j] = load_lanes(d + 4 * j, lanes);
    for (int k = 0; k < inputs; k++) {
      const v128_t weight = wasm_v128_load32_splat(w + k);
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
  for (; b + 4 * INPUT_VECTORS <= n; b += 4 * INPUT_VECTORS)
    input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, INPUT_VECTORS, 4);
  for (; b + 4 <= n; b += 4) input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 1, 4);
  if (b + 2 <= n) {
    input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 1, 2);
    b += 2;
  }
  if (b < n) input_block(weights, dz, h, dh, inDim, outDim, n, i, b, inputs, 1, 1);
}

EXPORT(dense_input_gradient)
void dense_input_gradient(const float *weights, const float *dz, const float *h, float *dh,
                          int inDim, int outDim, int n, int32_t *activeIndex) {
  (void)activeIndex;
  int i = 0;
  for (; i + INPUT_INPUTS <= inDim; i += INPUT_INPUTS)
    input_inputs(weights, dz, h, dh, inDim, outDim, n, i, INPUT_INPUTS);
  if (i + 2 <= inDim) {
    input_inputs(weights, dz, h, dh, inDim, outDim, n, i, 2);
    i += 2;
  }
  if (i < inDim) input_inputs(weights, dz, h, dh, inDim, outDim, n, i, 1);
}
