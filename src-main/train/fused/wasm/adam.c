/*
 * One Adam update of a flat parameter array: the WebAssembly twin of adamUpdate
 * (../adam.ts), which says what it computes. Four parameters per pass, each as two
 * Float64×2 halves: the moments are rounded to Float32 (demote, round to nearest even, as
 * Math.fround) and widened back before use, and f64x2 sqrt and div are the correctly
 * rounded IEEE operations Math.sqrt and / are, so every lane is the scalar formula.
 *
 * On a first layer's 784 × 300 weights it is 3–5× faster than the twin (0.85 ms against
 * 2.7–4.4 ms where measured): the two divisions and the square root of each lane pair bound
 * it (it is as slow per parameter with all four arrays in L1), so unrolling further gains
 * nothing, and no division may become a multiplication by a reciprocal (not the same
 * rounding).
 */
#include "kernels.h"

EXPORT(adam_update)
void adam_update(float *parameters, const float *gradient, float *moment1, float *moment2,
                 int length, double stepSize, double correction2, double beta1, double beta2,
                 double epsilon) {
  const double oneMinusBeta1 = 1.0 - beta1;
  const double oneMinusBeta2 = 1.0 - beta2;
  const v128_t b1 = wasm_f64x2_splat(beta1);
  const v128_t b2 = wasm_f64x2_splat(beta2);
  const v128_t c1 = wasm_f64x2_splat(oneMinusBeta1);
  const v128_t c2 = wasm_f64x2_splat(oneMinusBeta2);
  const v128_t step = wasm_f64x2_splat(stepSize);
  const v128_t correction = wasm_f64x2_splat(correction2);
  const v128_t eps = wasm_f64x2_splat(epsilon);
  int j = 0;
  for (; j + 4 <= length; j += 4) {
    const v128_t g4 = wasm_v128_load(gradient + j);
    const v128_t m4 = wasm_v128_load(moment1 + j);
    const v128_t v4 = wasm_v128_load(moment2 + j);
    const v128_t p4 = wasm_v128_load(parameters + j);
    v128_t out[2][3];
    for (int half = 0; half < 2; half++) {
      const v128_t g = half == 0 ? low_f64(g4) : high_f64(g4);
      const v128_t m0 = half == 0 ? low_f64(m4) : high_f64(m4);
      const v128_t v0 = half == 0 ? low_f64(v4) : high_f64(v4);
      const v128_t p = half == 0 ? low_f64(p4) : high_f64(p4);
      /* fround(β1·m + (1 − β1)·g) and fround(β2·v + (1 − β2)·g·g), left to right. */
      const v128_t m = wasm_f32x4_demote_f64x2_zero(
          wasm_f64x2_add(wasm_f64x2_mul(b1, m0), wasm_f64x2_mul(c1, g)));
      const v128_t v = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(
          wasm_f64x2_mul(b2, v0), wasm_f64x2_mul(wasm_f64x2_mul(c2, g), g)));
      const v128_t denominator =
          wasm_f64x2_add(wasm_f64x2_div(wasm_f64x2_sqrt(low_f64(v)), correction), eps);
      const v128_t update = wasm_f64x2_div(wasm_f64x2_mul(step, low_f64(m)), denominator);
      out[half][0] = m;
      out[half][1] = v;
      out[half][2] = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_sub(p, update));
    }
    wasm_v128_store(moment1 + j, wasm_i32x4_shuffle(out[0][0], out[1][0], 0, 1, 4, 5));
    wasm_v128_store(moment2 + j, wasm_i32x4_shuffle(out[0][1], out[1][1], 0, 1, 4, 5));
    wasm_v128_store(parameters + j, wasm_i32x4_shuffle(out[0][2], out[1][2], 0, 1, 4, 5));
  }
  for (; j < length; j++) {
    const double g = (double)gradient[j];
    const float m = (float)(beta1 * (double)moment1[j] + oneMinusBeta1 * g);
    const float v = (float)(beta2 * (double)moment2[j] + oneMinusBeta2 * g * g);
    moment1[j] = m;
    moment2[j] = v;
    parameters[j] = (float)((double)parameters[j] -
                            (stepSize * (double)m) /
                                (__builtin_sqrt((double)v) / correction2 + epsilon));
  }
}
