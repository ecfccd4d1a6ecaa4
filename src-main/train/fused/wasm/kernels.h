/*
 * Shared by the fused path's WebAssembly kernels (input.c, dense.c, sparse.c, adam.c).
 *
 * Every kernel here computes exactly what its TypeScript twin in the ../ kernel files computes,
 * bit for bit: the same products (a Float32 × Float32 product is exact in double), summed
 * in double in the same order, rounded to Float32 once where the TypeScript stores. The
 * SIMD lanes run independent sums side by side (several outputs, or several samples); no
 * sum is ever split across lanes or reassociated. No -ffast-math and no fused multiply-add
 * (simd128 has none), so the compiler keeps every rounding where the source puts it.
 * tests/unit/train-fused-wasm-kernels.test.ts holds each kernel to its twin.
 *
 * Pointers are byte offsets into the network's own linear memory (arena.ts), which the
 * TypeScript side allocates once per run, 16-byte aligned.
 */
#ifndef MBH_KERNELS_H
#define MBH_KERNELS_H

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* Lanes 0–1 and 2–3 of a Float32×4, widened to Float64×2 (exact). */
static inline v128_t low_f64(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }
static inline v128_t high_f64(v128_t v) {
  return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
}

/* Two consecutive Float32 values at p (any alignment), widened to Float64×2. */
static inline v128_t load2_f64(const float *p) {
  return wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(p));
}

/* The TypeScript `relu && !(a > 0) ? 0 : a` stored to a Float32Array: NaN and ≤ 0 give +0. */
static inline float relu_store(double a) { return a > 0 ? (float)a : 0.0f; }

#endif
