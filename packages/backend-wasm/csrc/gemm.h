#ifndef ATTNKIT_GEMM_H
#define ATTNKIT_GEMM_H
/*
 * The one register block of the kernels: C[r][0..8) = init + Σ_k a_r[k]·B[k][0..8) for four rows a_0..a_3
 * (or one), rows of B ldb floats apart. Four broadcast elements of a against two vectors of a row of B, eight
 * accumulators: what attention's S = Q·Kᵀ (B a transposed key tile) and the matmul (B a packed strip) share.
 */
#include "simd.h"

static inline void gemm_4x8(const float* a0, const float* a1, const float* a2, const float* a3, int K, const float* B, int ldb, f4 i0, f4 i1, float* C, int ldc) {
  f4 x00 = i0, x01 = i1, x10 = i0, x11 = i1, x20 = i0, x21 = i1, x30 = i0, x31 = i1;
  for (int k = 0; k < K; k++, B += ldb) {
    f4 y0 = load4(B), y1 = load4(B + 4);
    f4 w = splat(a0[k]);
    x00 = madd(w, y0, x00);
    x01 = madd(w, y1, x01);
    w = splat(a1[k]);
    x10 = madd(w, y0, x10);
    x11 = madd(w, y1, x11);
    w = splat(a2[k]);
    x20 = madd(w, y0, x20);
    x21 = madd(w, y1, x21);
    w = splat(a3[k]);
    x30 = madd(w, y0, x30);
    x31 = madd(w, y1, x31);
  }
  store4(C, x00);
  store4(C + 4, x01);
  store4(C + ldc, x10);
  store4(C + ldc + 4, x11);
  store4(C + 2 * ldc, x20);
  store4(C + 2 * ldc + 4, x21);
  store4(C + 3 * ldc, x30);
  store4(C + 3 * ldc + 4, x31);
}

static inline void gemm_1x8(const float* a0, int K, const float* B, int ldb, f4 i0, f4 i1, float* C) {
  f4 x0 = i0, x1 = i1;
  for (int k = 0; k < K; k++, B += ldb) {
    f4 w = splat(a0[k]);
    x0 = madd(w, load4(B), x0);
    x1 = madd(w, load4(B + 4), x1);
  }
  store4(C, x0);
  store4(C + 4, x1);
}
#endif
