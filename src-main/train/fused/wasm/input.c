/*
 * A dense first layer over the batch's non-zero pixels: the WebAssembly twins of
 * inputDenseForward and inputDenseWeightGradient (../input-kernels.ts), which say what
 * they compute. Here the blocks of outputs are the outer loop, so that one block's columns
 * of the weights (or of the double sums) stay in cache while every sample walks its
 * pixels; each (sample, output) sum still runs over the sample's pixels in their order.
 */
#include "kernels.h"

/*
 * z[o][b] = Σ_e value[e]·weights[pixel[e]][o] + bias[o] over sample b's entries
 * start[b] … start[b+1]−1, through ReLU; weights [inDim][outDim], z [outDim][n].
 */
EXPORT(input_dense_forward)
void input_dense_forward(const float *weights, const float *bias, const int32_t *start,
                         const int32_t *pixel, const float *value, float *z, int n,
                         int outDim) {
  const v128_t zero = wasm_f64x2_splat(0.0);
  int o = 0;
  for (; o + 16 <= outDim; o += 16) {
    for (int b = 0; b < n; b++) {
      v128_t a0 = zero; v128_t a1 = zero; v128_t a2 = zero; v128_t a3 = zero; v128_t a4 = zero; v128_t a5 = zero; v128_t a6 = zero; v128_t a7 = zero;
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        const float *row = weights + pixel[e] * outDim + o;
        const v128_t w0 = wasm_v128_load(row + 0);
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(v, low_f64(w0)));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(v, high_f64(w0)));
        const v128_t w1 = wasm_v128_load(row + 4);
        a2 = wasm_f64x2_add(a2, wasm_f64x2_mul(v, low_f64(w1)));
        a3 = wasm_f64x2_add(a3, wasm_f64x2_mul(v, high_f64(w1)));
        const v128_t w2 = wasm_v128_load(row + 8);
        a4 = wasm_f64x2_add(a4, wasm_f64x2_mul(v, low_f64(w2)));
        a5 = wasm_f64x2_add(a5, wasm_f64x2_mul(v, high_f64(w2)));
        const v128_t w3 = wasm_v128_load(row + 12);
        a6 = wasm_f64x2_add(a6, wasm_f64x2_mul(v, low_f64(w3)));
        a7 = wasm_f64x2_add(a7, wasm_f64x2_mul(v, high_f64(w3)));
      }
      double sum[16];
      wasm_v128_store(sum + 0, a0);
      wasm_v128_store(sum + 2, a1);
      wasm_v128_store(sum + 4, a2);
      wasm_v128_store(sum + 6, a3);
      wasm_v128_store(sum + 8, a4);
      wasm_v128_store(sum + 10, a5);
      wasm_v128_store(sum + 12, a6);
      wasm_v128_store(sum + 14, a7);
      for (int k = 0; k < 16; k++) z[(o + k) * n + b] = relu_store(sum[k] + (double)bias[o + k]);
    }
  }
  for (; o + 8 <= outDim; o += 8) {
    for (int b = 0; b < n; b++) {
      v128_t a0 = zero; v128_t a1 = zero; v128_t a2 = zero; v128_t a3 = zero;
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        const float *row = weights + pixel[e] * outDim + o;
        const v128_t w0 = wasm_v128_load(row + 0);
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(v, low_f64(w0)));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(v, high_f64(w0)));
        const v128_t w1 = wasm_v128_load(row + 4);
        a2 = wasm_f64x2_add(a2, wasm_f64x2_mul(v, low_f64(w1)));
        a3 = wasm_f64x2_add(a3, wasm_f64x2_mul(v, high_f64(w1)));
      }
      double sum[8];
      wasm_v128_store(sum + 0, a0);
      wasm_v128_store(sum + 2, a1);
      wasm_v128_store(sum + 4, a2);
      wasm_v128_store(sum + 6, a3);
      for (int k = 0; k < 8; k++) z[(o + k) * n + b] = relu_store(sum[k] + (double)bias[o + k]);
    }
  }
  for (; o + 4 <= outDim; o += 4) {
    for (int b = 0; b < n; b++) {
      v128_t a0 = zero; v128_t a1 = zero;
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        const float *row = weights + pixel[e] * outDim + o;
        const v128_t w0 = wasm_v128_load(row + 0);
        a0 = wasm_f64x2_add(a0, wasm_f64x2_mul(v, low_f64(w0)));
        a1 = wasm_f64x2_add(a1, wasm_f64x2_mul(v, high_f64(w0)));
      }
      double sum[4];
      wasm_v128_store(sum + 0, a0);
      wasm_v128_store(sum + 2, a1);
      for (int k = 0; k < 4; k++) z[(o + k) * n + b] = relu_store(sum[k] + (double)bias[o + k]);
    }
  }
  for (; o < outDim; o++) {
    for (int b = 0; b < n; b++) {
      double a = 0.0;
      for (int e = start[b]; e < start[b + 1]; e++)
        a += (double)value[e] * (double)weights[pixel[e] * outDim + o];
      z[o * n + b] = relu_store(a + (double)bias[o]);
    }
  }
}

/*
 * gradient[i][o] = Σ_b x[b][i]·dz[o][b]: each sample adds its entries' products into
 * `sums` ([inDim][outDim], double, from +0), in sample order; then every sum is rounded
 * to Float32 once.
 */
EXPORT(input_dense_weight_gradient)
void input_dense_weight_gradient(const int32_t *start, const int32_t *pixel,
                                 const float *value, const float *dz, double *sums,
                                 float *gradient, int n, int inDim, int outDim) {
  const int size = inDim * outDim;
  const v128_t zero = wasm_f64x2_splat(0.0);
  int k = 0;
  for (; k + 2 <= size; k += 2) wasm_v128_store(sums + k, zero);
  for (; k < size; k++) sums[k] = 0.0;
  int o = 0;
  for (; o + 16 <= outDim; o += 16) {
    for (int b = 0; b < n; b++) {
      const float *d = dz + o * n + b;
      const v128_t d0 = wasm_f64x2_make((double)d[0 * n], (double)d[1 * n]);
      const v128_t d1 = wasm_f64x2_make((double)d[2 * n], (double)d[3 * n]);
      const v128_t d2 = wasm_f64x2_make((double)d[4 * n], (double)d[5 * n]);
      const v128_t d3 = wasm_f64x2_make((double)d[6 * n], (double)d[7 * n]);
      const v128_t d4 = wasm_f64x2_make((double)d[8 * n], (double)d[9 * n]);
      const v128_t d5 = wasm_f64x2_make((double)d[10 * n], (double)d[11 * n]);
      const v128_t d6 = wasm_f64x2_make((double)d[12 * n], (double)d[13 * n]);
      const v128_t d7 = wasm_f64x2_make((double)d[14 * n], (double)d[15 * n]);
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        double *row = sums + pixel[e] * outDim + o;
        wasm_v128_store(row + 0, wasm_f64x2_add(wasm_v128_load(row + 0), wasm_f64x2_mul(v, d0)));
        wasm_v128_store(row + 2, wasm_f64x2_add(wasm_v128_load(row + 2), wasm_f64x2_mul(v, d1)));
        wasm_v128_store(row + 4, wasm_f64x2_add(wasm_v128_load(row + 4), wasm_f64x2_mul(v, d2)));
        wasm_v128_store(row + 6, wasm_f64x2_add(wasm_v128_load(row + 6), wasm_f64x2_mul(v, d3)));
        wasm_v128_store(row + 8, wasm_f64x2_add(wasm_v128_load(row + 8), wasm_f64x2_mul(v, d4)));
        wasm_v128_store(row + 10, wasm_f64x2_add(wasm_v128_load(row + 10), wasm_f64x2_mul(v, d5)));
        wasm_v128_store(row + 12, wasm_f64x2_add(wasm_v128_load(row + 12), wasm_f64x2_mul(v, d6)));
        wasm_v128_store(row + 14, wasm_f64x2_add(wasm_v128_load(row + 14), wasm_f64x2_mul(v, d7)));
      }
    }
  }
  for (; o + 8 <= outDim; o += 8) {
    for (int b = 0; b < n; b++) {
      const float *d = dz + o * n + b;
      const v128_t d0 = wasm_f64x2_make((double)d[0 * n], (double)d[1 * n]);
      const v128_t d1 = wasm_f64x2_make((double)d[2 * n], (double)d[3 * n]);
      const v128_t d2 = wasm_f64x2_make((double)d[4 * n], (double)d[5 * n]);
      const v128_t d3 = wasm_f64x2_make((double)d[6 * n], (double)d[7 * n]);
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        double *row = sums + pixel[e] * outDim + o;
        wasm_v128_store(row + 0, wasm_f64x2_add(wasm_v128_load(row + 0), wasm_f64x2_mul(v, d0)));
        wasm_v128_store(row + 2, wasm_f64x2_add(wasm_v128_load(row + 2), wasm_f64x2_mul(v, d1)));
        wasm_v128_store(row + 4, wasm_f64x2_add(wasm_v128_load(row + 4), wasm_f64x2_mul(v, d2)));
        wasm_v128_store(row + 6, wasm_f64x2_add(wasm_v128_load(row + 6), wasm_f64x2_mul(v, d3)));
      }
    }
  }
  for (; o + 4 <= outDim; o += 4) {
    for (int b = 0; b < n; b++) {
      const float *d = dz + o * n + b;
      const v128_t d0 = wasm_f64x2_make((double)d[0 * n], (double)d[1 * n]);
      const v128_t d1 = wasm_f64x2_make((double)d[2 * n], (double)d[3 * n]);
      const int end = start[b + 1];
      for (int e = start[b]; e < end; e++) {
        const v128_t v = wasm_f64x2_splat((double)value[e]);
        double *row = sums + pixel[e] * outDim + o;
        wasm_v128_store(row + 0, wasm_f64x2_add(wasm_v128_load(row + 0), wasm_f64x2_mul(v, d0)));
        wasm_v128_store(row + 2, wasm_f64x2_add(wasm_v128_load(row + 2), wasm_f64x2_mul(v, d1)));
      }
    }
  }
  for (; o < outDim; o++) {
    for (int b = 0; b < n; b++) {
      const double d = (double)dz[o * n + b];
      for (int e = start[b]; e < start[b + 1]; e++)
        sums[pixel[e] * outDim + o] += (double)value[e] * d;
    }
  }
  k = 0;
  for (; k + 4 <= size; k += 4) {
    const v128_t low = wasm_f32x4_demote_f64x2_zero(wasm_v128_load(sums + k));
    const v128_t high = wasm_f32x4_demote_f64x2_zero(wasm_v128_load(sums + k + 2));
    wasm_v128_store(gradient + k, wasm_i32x4_shuffle(low, high, 0, 1, 4, 5));
  }
  for (; k < size; k++) gradient[k] = (float)sums[k];
}
