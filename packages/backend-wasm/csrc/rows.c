/* Row reductions over the last axis: softmax, log-softmax, layer norm. A unit is a chunk of rows. */
#include "simd.h"
#include "primitives.h"

static float row_max(const float* x, int n) {
  f4 m = splat(NEG_INF);
  int j = 0;
  for (; j + 4 <= n; j += 4) m = wasm_f32x4_pmax(m, load4(x + j));
  float out = NEG_INF;
  float t[4];
  store4(t, m);
  for (int k = 0; k < 4; k++) out = t[k] > out ? t[k] : out;
  for (; j < n; j++) out = x[j] > out ? x[j] : out;
  return out;
}

static void softmax_row(const float* x, float* out, int n, int log) {
  const float m = row_max(x, n);
  if (m == NEG_INF) {
    /* a row of −∞: zeros for softmax, −∞ for log-softmax (the primitive's contract) */
    for (int j = 0; j < n; j++) out[j] = log ? NEG_INF : 0.0f;
    return;
  }
  f4 vm = splat(m), vsum = splat(0);
  int j = 0;
  for (; j + 4 <= n; j += 4) {
    f4 p = exp4_nonpositive(wasm_f32x4_sub(load4(x + j), vm));
    if (!log) store4(out + j, p);
    vsum = wasm_f32x4_add(vsum, p);
  }
  float sum = hsum(vsum);
  for (; j < n; j++) {
    float p = exp1_nonpositive(x[j] - m);
    if (!log) out[j] = p;
    sum += p;
  }
  if (log) {
    /* log Σ e^{x−m} without libm: ln via the exponent and a series around 1 */
    union { float f; int i; } u = { sum };
    int e = ((u.i >> 23) & 0xff) - 127;
    u.i = (u.i & 0x007fffff) | 0x3f800000; /* mantissa in [1, 2) */
    float f = u.f;
    if (f > 1.41421356f) { f *= 0.5f; e += 1; }
    float t = (f - 1.0f) / (f + 1.0f), t2 = t * t;
    float ln = 2.0f * t * (1.0f + t2 * (1.0f / 3 + t2 * (1.0f / 5 + t2 * (1.0f / 7 + t2 * (1.0f / 9 + t2 / 11)))));
    const float shift = m + (float)e * 0.69314718055994531f + ln;
    for (j = 0; j < n; j++) out[j] = x[j] - shift;
    return;
  }
  const f4 inv = splat(1.0f / sum);
  j = 0;
  for (; j + 4 <= n; j += 4) store4(out + j, wasm_f32x4_mul(load4(out + j), inv));
  for (; j < n; j++) out[j] *= 1.0f / sum;
}

static void layer_norm_row(const float* x, const float* gamma, const float* beta, float* out, int n, float eps) {
  f4 vs = splat(0);
  int j = 0;
  for (; j + 4 <= n; j += 4) vs = wasm_f32x4_add(vs, load4(x + j));
  float sum = hsum(vs);
  for (; j < n; j++) sum += x[j];
  const float mean = sum / (float)n;
  f4 vm = splat(mean), vq = splat(0);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    f4 d = wasm_f32x4_sub(load4(x + j), vm);
    vq = madd(d, d, vq);
  }
  float sq = hsum(vq);
  for (; j < n; j++) sq += (x[j] - mean) * (x[j] - mean);
  const float inv = 1.0f / wasm_f32x4_extract_lane(wasm_f32x4_sqrt(splat(sq / (float)n + eps)), 0);
  const f4 vinv = splat(inv);
  j = 0;
  for (; j + 4 <= n; j += 4) {
    f4 d = wasm_f32x4_mul(wasm_f32x4_sub(load4(x + j), vm), vinv);
    store4(out + j, madd(d, load4(gamma + j), load4(beta + j)));
  }
  for (; j < n; j++) out[j] = (x[j] - mean) * inv * gamma[j] + beta[j];
}

void rows_task(rows_args* a, int thread) {
  (void)thread;
  for (int u = next_unit(&a->next_unit); u < a->units; u = next_unit(&a->next_unit)) {
    const int r0 = u * a->chunk, r1 = imin(a->rows, r0 + a->chunk);
    for (int r = r0; r < r1; r++) {
      const float* x = a->x + r * a->width;
      float* out = a->out + r * a->width;
      if (a->op == 2) layer_norm_row(x, a->gamma, a->beta, out, a->width, a->epsilon);
      else softmax_row(x, out, a->width, a->op == 1);
    }
  }
}
