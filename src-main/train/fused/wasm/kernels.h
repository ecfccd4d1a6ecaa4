/*
 * Shared by the fused path's WebAssembly kernels (input.c, dense.c, sparse.c, adam.c).
 *
 * Every kernel here computes exactly what its TypeScript twin computes (input-kernels.ts,
 * dense-kernels.ts, sparse-kernels.ts, adam.ts), bit for bit. The kernels sum in Float32,
 * as the TensorFlow.js path does: each product is a Float32 multiply and each partial sum
 * a Float32 add (the twins write fround(a + fround(x·w)), which equals them: a double
 * result rounded once to Float32 is the correctly rounded Float32 result for + and ×), in
 * the same order per output as the twin. The SIMD lanes run independent sums side by side
 * (several outputs, or several samples); no sum is ever split across lanes or
 * reassociated. No -ffast-math and no fused multiply-add (simd128 has none), so the
 * compiler keeps every rounding where the source puts it. Adam (adam.c) computes in double
 * as its twin does. tests/unit/train-fused-wasm-*.test.ts hold each kernel to its twin.
 *
 * Pointers are byte offsets into the network's own linear memory (arena.ts), which the
 * TypeScript side allocates once per run, 16-byte aligned.
 */
#ifndef MBH_KERNELS_H
#define MBH_KERNELS_H

#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))

/* Lanes 0–1 and 2–3 of a Float32×4, widened to Float64×2 (exact; Adam computes in double). */
static inline v128_t low_f64(v128_t v) { return wasm_f64x2_promote_low_f32x4(v); }
static inline v128_t high_f64(v128_t v) {
  return wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(v, v, 2, 3, 2, 3));
}

/* The twins' `!(a > 0) ? 0 : a` on four Float32 lanes: NaN, −0 and every value ≤ 0 give +0. */
static inline v128_t relu4(v128_t a) {
  return wasm_v128_and(a, wasm_f32x4_gt(a, wasm_f32x4_splat(0.0f)));
}

#endif
