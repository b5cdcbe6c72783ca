#ifndef ATTNKIT_SIMD_H
#define ATTNKIT_SIMD_H
/*
 * Shared SIMD helpers. `madd(a, b, c)` is a·b + c: one relaxed fused multiply-add where the build has
 * relaxed SIMD (ATTNKIT_RELAXED), a multiply and an add otherwise. The exp, tanh and erf below are float32
 * approximations written here because the kernels link no libc; each is within a few float32 ulps of the
 * exact function over the ranges attention and the primitives meet (checked against the float64 reference
 * by the conformance suite).
 */
#include <stdint.h>
#include <wasm_simd128.h>

typedef v128_t f4;

#ifdef ATTNKIT_RELAXED
static inline f4 madd(f4 a, f4 b, f4 c) { return wasm_f32x4_relaxed_madd(a, b, c); }
#else
static inline f4 madd(f4 a, f4 b, f4 c) { return wasm_f32x4_add(wasm_f32x4_mul(a, b), c); }
#endif

static inline f4 load4(const float* p) { return wasm_v128_load(p); }
static inline void store4(float* p, f4 v) { wasm_v128_store(p, v); }
static inline f4 splat(float x) { return wasm_f32x4_splat(x); }

static inline float hsum(f4 v) {
  f4 s = wasm_f32x4_add(v, wasm_i32x4_shuffle(v, v, 2, 3, 0, 1));
  s = wasm_f32x4_add(s, wasm_i32x4_shuffle(s, s, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(s, 0);
}

/* Sums of four vectors at once: lane n of the result is hsum(vn). */
static inline f4 hsum4(f4 a, f4 b, f4 c, f4 d) {
  f4 ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5);
  f4 ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
  f4 cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
  f4 cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
  f4 ab = wasm_f32x4_add(ab_lo, ab_hi); /* a0+a2 b0+b2 a1+a3 b1+b3 */
  f4 cd = wasm_f32x4_add(cd_lo, cd_hi);
  f4 lo = wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5);
  f4 hi = wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7);
  return wasm_f32x4_add(lo, hi);
}

#define NEG_INF (-__builtin_inff())
#define POS_INF (__builtin_inff())

/* e^r for |r| ≤ ln2/2: Cephes' expf polynomial, 1 + r + r²·P(r). */
static inline f4 exp_reduced(f4 r) {
  f4 p = splat(1.9875691500e-4f);
  p = madd(p, r, splat(1.3981999507e-3f));
  p = madd(p, r, splat(8.3334519073e-3f));
  p = madd(p, r, splat(4.1665795894e-2f));
  p = madd(p, r, splat(1.6666665459e-1f));
  p = madd(p, r, splat(5.0000001201e-1f));
  return madd(p, wasm_f32x4_mul(r, r), wasm_f32x4_add(r, splat(1.0f)));
}

/*
 * exp(x) on four lanes: x = n·ln2 + r with |r| ≤ ln2/2, a degree-6 polynomial for e^r (Cephes' expf
 * coefficients), and 2^n built in the exponent bits. Lanes below −87.3 (where the result would be
 * subnormal) give exactly 0, so −∞ gives 0; lanes above 88.7 give +∞.
 */
static inline f4 exp4(f4 x) {
  const f4 hi = splat(88.72283935546875f);
  const f4 lo = splat(-87.33654022216797f);
  f4 big = wasm_f32x4_gt(x, hi);
  f4 tiny = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmin(wasm_f32x4_pmax(x, lo), hi);
  f4 n = wasm_f32x4_nearest(wasm_f32x4_mul(x, splat(1.44269504088896341f)));
  f4 r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, splat(0.693359375f)));
  r = wasm_f32x4_add(r, wasm_f32x4_mul(n, splat(2.12194440e-4f)));
  f4 p = exp_reduced(r);
  /* 2^n for n in [−126, 128]: split in two factors so n = 128 does not overflow the exponent field. */
  v128_t ni = wasm_i32x4_trunc_sat_f32x4(n);
  v128_t half = wasm_i32x4_shr(ni, 1);
  f4 s1 = wasm_i32x4_shl(wasm_i32x4_add(half, wasm_i32x4_splat(127)), 23);
  f4 s2 = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(ni, half), wasm_i32x4_splat(127)), 23);
  p = wasm_f32x4_mul(wasm_f32x4_mul(p, s1), s2);
  p = wasm_v128_andnot(p, tiny);
  return wasm_v128_bitselect(splat(POS_INF), p, big);
}

static inline float exp1(float x) { return wasm_f32x4_extract_lane(exp4(splat(x)), 0); }

/*
 * exp(x) for x ≤ 0 (softmax after the row maximum is subtracted), a third cheaper than exp4: n comes from
 * the float's own rounding (adding 1.5·2^23 leaves round(x·log2 e) in the low mantissa bits, so no
 * round or saturating conversion), and n ∈ [−126, 0] needs no overflow handling. −∞ and anything below
 * −87.3 give exactly 0, so a masked key contributes nothing, not even 0·∞.
 */
static inline f4 exp4_nonpositive(f4 x) {
  const f4 lo = splat(-87.33654022216797f);
  const f4 magic = splat(12582912.0f);
  f4 tiny = wasm_f32x4_lt(x, lo);
  x = wasm_f32x4_pmax(x, lo);
  f4 t = madd(x, splat(1.44269504088896341f), magic);
  f4 n = wasm_f32x4_sub(t, magic);
  f4 r = madd(n, splat(-0.693359375f), x);
  r = madd(n, splat(2.12194440e-4f), r);
  f4 p = exp_reduced(r);
  f4 scale = wasm_i32x4_add(wasm_i32x4_shl(t, 23), wasm_i32x4_splat(0x3f800000));
  return wasm_v128_andnot(wasm_f32x4_mul(p, scale), tiny);
}

static inline float exp1_nonpositive(float x) { return wasm_f32x4_extract_lane(exp4_nonpositive(splat(x)), 0); }

/*
 * tanh on four lanes: Cephes' odd polynomial for |x| < 0.625, 1 − 2/(e^{2|x|} + 1) with the sign restored
 * elsewhere (no cancellation there, since tanh ≥ 0.55).
 */
static inline f4 tanh4(f4 x) {
  f4 ax = wasm_f32x4_abs(x);
  f4 z = wasm_f32x4_mul(x, x);
  f4 p = splat(-5.70498872745e-3f);
  p = madd(p, z, splat(2.06390887954e-2f));
  p = madd(p, z, splat(-5.37397155531e-2f));
  p = madd(p, z, splat(1.33314422036e-1f));
  p = madd(p, z, splat(-3.33332819422e-1f));
  f4 small = madd(wasm_f32x4_mul(p, z), x, x);
  f4 e = exp4(wasm_f32x4_add(ax, ax));
  f4 large = wasm_f32x4_sub(splat(1.0f), wasm_f32x4_div(splat(2.0f), wasm_f32x4_add(e, splat(1.0f))));
  large = wasm_v128_or(large, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)));
  f4 use_small = wasm_f32x4_lt(ax, splat(0.625f));
  f4 out = wasm_v128_bitselect(small, large, use_small);
  /* NaN in, NaN out (the comparisons above are false for NaN lanes). */
  return wasm_v128_bitselect(x, out, wasm_f32x4_ne(x, x));
}

/*
 * erf(x) on four lanes, split at |x| = 0.5: below, the Maclaurin series to x^11 (error < 1e-8 there);
 * above, 1 − erfc(|x|) with erfc(a) = t·exp(−a² + P(t)), t = 1/(1 + a/2), Numerical Recipes' erfcc
 * (relative error < 1.2e-7), with the sign restored.
 */
static inline f4 erf4(f4 x) {
  const float two_over_sqrt_pi = 1.1283791670955126f;
  f4 ax = wasm_f32x4_abs(x);
  f4 z = wasm_f32x4_mul(x, x);
  f4 q = splat(two_over_sqrt_pi * (-1.0f / 1320.0f));
  q = madd(q, z, splat(two_over_sqrt_pi * (1.0f / 216.0f)));
  q = madd(q, z, splat(two_over_sqrt_pi * (-1.0f / 42.0f)));
  q = madd(q, z, splat(two_over_sqrt_pi * (1.0f / 10.0f)));
  q = madd(q, z, splat(two_over_sqrt_pi * (-1.0f / 3.0f)));
  q = madd(q, z, splat(two_over_sqrt_pi));
  f4 small = wasm_f32x4_mul(q, x);
  f4 t = wasm_f32x4_div(splat(1.0f), madd(ax, splat(0.5f), splat(1.0f)));
  f4 r = splat(0.17087277f);
  r = madd(r, t, splat(-0.82215223f));
  r = madd(r, t, splat(1.48851587f));
  r = madd(r, t, splat(-1.13520398f));
  r = madd(r, t, splat(0.27886807f));
  r = madd(r, t, splat(-0.18628806f));
  r = madd(r, t, splat(0.09678418f));
  r = madd(r, t, splat(0.37409196f));
  r = madd(r, t, splat(1.00002368f));
  r = madd(r, t, splat(-1.26551223f));
  f4 erfc = wasm_f32x4_mul(t, exp4(wasm_f32x4_sub(r, z)));
  f4 large = wasm_f32x4_sub(splat(1.0f), erfc);
  large = wasm_v128_or(large, wasm_v128_and(x, wasm_i32x4_splat((int32_t)0x80000000)));
  return wasm_v128_bitselect(small, large, wasm_f32x4_lt(ax, splat(0.5f)));
}

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }

/* Work sharing: every thread takes the next unit from one counter until none is left. */
static inline int next_unit(int* counter) { return __atomic_fetch_add(counter, 1, __ATOMIC_RELAXED); }

#endif
