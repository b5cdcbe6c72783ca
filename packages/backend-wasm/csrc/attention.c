/*
 * Fused attention, FlashAttention-2 style, on one CPU thread per call of attention_task.
 *
 * Notation (CONTRACT.md): B batch · Hq query heads · Hkv key/value heads · G = Hq/Hkv · Sq queries · P past
 * keys · T = P + Skv keys · D, Dv head sizes. A work unit is (b, kvh, query block): the rows of every query
 * head of the group over one block of queries, so a key/value block is loaded once for all G heads.
 *
 * Per unit: Q rows are packed (pre-scaled) into scratch; keys are walked in blocks of KB; for each block
 *   S = Q·Kᵀ (dot form, 4 rows × 2 keys in registers) → softcap → masks and biases → online softmax
 *   (running max m and sum l per row, O rescaled by e^{m_old − m_new}) → O += P·V (4 rows × 8 columns).
 * Blocks that causal, window, valid length or a short mask hide from every row of the unit are never
 * visited. No [Sq, T] buffer exists unless the caller asked for scores, which are then written row by row.
 *
 * Why the block kernels are `noinline`: V8 starts wasm on its baseline compiler and moves a function to
 * optimized code only at its next call, so a kernel inlined into one long call would run a whole
 * [16384 × 16384] problem unoptimized (2.8 s instead of 0.54 s for the first call at 4096, measured).
 *
 * Additive masks: the row's maximum bias over its visible keys is factored out before it is added to
 * the scores (CONTRACT.md rule 7), so a row masked with one huge finite constant keeps its scores.
 */
#include "simd.h"
#include "gemm.h"
#include "attention.h"

#define SCORES_NONE 0
#define SCORES_RAW 1
#define SCORES_SOFTCAPPED 2
#define SCORES_MASKED 3
#define SCORES_PROBABILITIES 4

typedef struct {
  int h;             /* query head */
  int i;             /* query index among the Sq new queries */
  int diagonal;      /* i + offset[b] */
  int lo, hi;        /* keys [lo, hi) not hidden by causal, window, valid length or a short mask */
  float slope;       /* ALiBi slope, 0 without ALiBi */
  float bias_max;    /* row maximum of the additive mask over [lo, hi), factored out (rule 7) */
  const unsigned char* mask_u8;
  const float* mask_f32;
  float* scores;     /* this row of the scores output, or 0 */
} row_t;

static const float* key_row(const attn_args* a, int b, int kvh, int j) {
  if (j < a->P) return a->past_k + ((b * a->Hkv + kvh) * a->P + j) * a->D;
  return a->k + b * a->k_sb + kvh * a->k_sh + (j - a->P) * a->k_ss;
}

static const float* value_row(const attn_args* a, int b, int kvh, int j) {
  if (j < a->P) return a->past_v + ((b * a->Hkv + kvh) * a->P + j) * a->Dv;
  return a->v + b * a->v_sb + kvh * a->v_sh + (j - a->P) * a->v_ss;
}

/* S[r][c] = Σ_d q_r[d]·k_c[d] for nr rows (packed, stride D) and nc keys (pointers). */
__attribute__((noinline)) void dot_rows(const float* q, int nr, const float* const* keys, int nc, int D, float* S, int ldS) {
  const int D4 = D & ~3;
  int r = 0;
  for (; r + 4 <= nr; r += 4) {
    const float* q0 = q + r * D;
    const float* q1 = q0 + D;
    const float* q2 = q1 + D;
    const float* q3 = q2 + D;
    int c = 0;
    for (; c + 2 <= nc; c += 2) {
      const float* k0 = keys[c];
      const float* k1 = keys[c + 1];
      f4 a00 = splat(0), a01 = splat(0), a10 = splat(0), a11 = splat(0);
      f4 a20 = splat(0), a21 = splat(0), a30 = splat(0), a31 = splat(0);
      for (int d = 0; d < D4; d += 4) {
        f4 x0 = load4(k0 + d), x1 = load4(k1 + d);
        f4 y = load4(q0 + d);
        a00 = madd(y, x0, a00);
        a01 = madd(y, x1, a01);
        y = load4(q1 + d);
        a10 = madd(y, x0, a10);
        a11 = madd(y, x1, a11);
        y = load4(q2 + d);
        a20 = madd(y, x0, a20);
        a21 = madd(y, x1, a21);
        y = load4(q3 + d);
        a30 = madd(y, x0, a30);
        a31 = madd(y, x1, a31);
      }
      f4 s0 = hsum4(a00, a10, a20, a30);
      f4 s1 = hsum4(a01, a11, a21, a31);
      float t0[4], t1[4];
      store4(t0, s0);
      store4(t1, s1);
      for (int d = D4; d < D; d++) {
        for (int n = 0; n < 4; n++) {
          t0[n] += q[(r + n) * D + d] * k0[d];
          t1[n] += q[(r + n) * D + d] * k1[d];
        }
      }
      for (int n = 0; n < 4; n++) {
        S[(r + n) * ldS + c] = t0[n];
        S[(r + n) * ldS + c + 1] = t1[n];
      }
    }
    for (; c < nc; c++) {
      for (int n = 0; n < 4; n++) {
        const float* qr = q + (r + n) * D;
        f4 acc = splat(0);
        for (int d = 0; d < D4; d += 4) acc = madd(load4(qr + d), load4(keys[c] + d), acc);
        float s = hsum(acc);
        for (int d = D4; d < D; d++) s += qr[d] * keys[c][d];
        S[(r + n) * ldS + c] = s;
      }
    }
  }
  for (; r < nr; r++) {
    const float* qr = q + r * D;
    int c = 0;
    for (; c + 4 <= nc; c += 4) {
      const float* k0 = keys[c];
      const float* k1 = keys[c + 1];
      const float* k2 = keys[c + 2];
      const float* k3 = keys[c + 3];
      f4 a0 = splat(0), a1 = splat(0), a2 = splat(0), a3 = splat(0);
      for (int d = 0; d < D4; d += 4) {
        f4 y = load4(qr + d);
        a0 = madd(y, load4(k0 + d), a0);
        a1 = madd(y, load4(k1 + d), a1);
        a2 = madd(y, load4(k2 + d), a2);
        a3 = madd(y, load4(k3 + d), a3);
      }
      float t[4];
      store4(t, hsum4(a0, a1, a2, a3));
      for (int d = D4; d < D; d++) {
        t[0] += qr[d] * k0[d];
        t[1] += qr[d] * k1[d];
        t[2] += qr[d] * k2[d];
        t[3] += qr[d] * k3[d];
      }
      for (int n = 0; n < 4; n++) S[r * ldS + c + n] = t[n];
    }
    for (; c < nc; c++) {
      f4 acc = splat(0);
      for (int d = 0; d < D4; d += 4) acc = madd(load4(qr + d), load4(keys[c] + d), acc);
      float s = hsum(acc);
      for (int d = D4; d < D; d++) s += qr[d] * keys[c][d];
      S[r * ldS + c] = s;
    }
  }
}

/*
 * The same product through a transposed key tile: Kt[d·ldK + c] = k_c[d], nc8 columns (a multiple of 8,
 * zero beyond the real keys). Four query elements are broadcast against two vectors of a row of Kt, as
 * in a plain 4 × 8 matmul block: no horizontal sums, which is what makes it the faster form once a tile
 * serves four rows or more.
 */
__attribute__((noinline)) static void scores_block_transposed(const float* q, int nr, const float* Kt, int ldK, int nc8, int D, float* S, int ldS) {
  const f4 zero = splat(0);
  int r = 0;
  for (; r + 4 <= nr; r += 4) {
    const float* q0 = q + r * D;
    for (int c = 0; c < nc8; c += 8) gemm_4x8(q0, q0 + D, q0 + 2 * D, q0 + 3 * D, D, Kt + c, ldK, zero, zero, S + r * ldS + c, ldS);
  }
  for (; r < nr; r++) {
    for (int c = 0; c < nc8; c += 8) gemm_1x8(q + r * D, D, Kt + c, ldK, zero, zero, S + r * ldS + c);
  }
}

/* Kt[d·ldK + c] = keys[c][d] for c < n, 0 for n ≤ c < nc8; 4 × 4 blocks through shuffles. */
__attribute__((noinline)) static void transpose_keys(const float* const* keys, int n, int nc8, int D, float* Kt, int ldK) {
  const int D4 = D & ~3;
  int c = 0;
  for (; c + 4 <= n; c += 4) {
    const float* k0 = keys[c];
    const float* k1 = keys[c + 1];
    const float* k2 = keys[c + 2];
    const float* k3 = keys[c + 3];
    for (int d = 0; d < D4; d += 4) {
      f4 a = load4(k0 + d), b = load4(k1 + d), e = load4(k2 + d), f = load4(k3 + d);
      f4 ab_lo = wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), ab_hi = wasm_i32x4_shuffle(a, b, 2, 6, 3, 7);
      f4 ef_lo = wasm_i32x4_shuffle(e, f, 0, 4, 1, 5), ef_hi = wasm_i32x4_shuffle(e, f, 2, 6, 3, 7);
      float* out = Kt + d * ldK + c;
      store4(out, wasm_i32x4_shuffle(ab_lo, ef_lo, 0, 1, 4, 5));
      store4(out + ldK, wasm_i32x4_shuffle(ab_lo, ef_lo, 2, 3, 6, 7));
      store4(out + 2 * ldK, wasm_i32x4_shuffle(ab_hi, ef_hi, 0, 1, 4, 5));
      store4(out + 3 * ldK, wasm_i32x4_shuffle(ab_hi, ef_hi, 2, 3, 6, 7));
    }
    for (int d = D4; d < D; d++) {
      Kt[d * ldK + c] = k0[d];
      Kt[d * ldK + c + 1] = k1[d];
      Kt[d * ldK + c + 2] = k2[d];
      Kt[d * ldK + c + 3] = k3[d];
    }
  }
  for (; c < n; c++) for (int d = 0; d < D; d++) Kt[d * ldK + c] = keys[c][d];
  for (; c < nc8; c++) for (int d = 0; d < D; d++) Kt[d * ldK + c] = 0.0f;
}

/* O[r][:] += Σ_c P[r][c]·v_c[:] for nr rows and nc values (pointers). */
__attribute__((noinline)) static void values_block(const float* Pm, int ldP, int nr, const float* const* values, int nc, int Dv, float* O) {
  const int Dv8 = Dv & ~7;
  int r = 0;
  for (; r + 4 <= nr; r += 4) {
    const float* p0 = Pm + r * ldP;
    const float* p1 = p0 + ldP;
    const float* p2 = p1 + ldP;
    const float* p3 = p2 + ldP;
    float* o0 = O + r * Dv;
    float* o1 = o0 + Dv;
    float* o2 = o1 + Dv;
    float* o3 = o2 + Dv;
    for (int d = 0; d < Dv8; d += 8) {
      f4 a00 = load4(o0 + d), a01 = load4(o0 + d + 4);
      f4 a10 = load4(o1 + d), a11 = load4(o1 + d + 4);
      f4 a20 = load4(o2 + d), a21 = load4(o2 + d + 4);
      f4 a30 = load4(o3 + d), a31 = load4(o3 + d + 4);
      for (int c = 0; c < nc; c++) {
        const float* vr = values[c] + d;
        f4 x0 = load4(vr), x1 = load4(vr + 4);
        f4 w = splat(p0[c]);
        a00 = madd(w, x0, a00);
        a01 = madd(w, x1, a01);
        w = splat(p1[c]);
        a10 = madd(w, x0, a10);
        a11 = madd(w, x1, a11);
        w = splat(p2[c]);
        a20 = madd(w, x0, a20);
        a21 = madd(w, x1, a21);
        w = splat(p3[c]);
        a30 = madd(w, x0, a30);
        a31 = madd(w, x1, a31);
      }
      store4(o0 + d, a00);
      store4(o0 + d + 4, a01);
      store4(o1 + d, a10);
      store4(o1 + d + 4, a11);
      store4(o2 + d, a20);
      store4(o2 + d + 4, a21);
      store4(o3 + d, a30);
      store4(o3 + d + 4, a31);
    }
    for (int d = Dv8; d < Dv; d++) {
      float s0 = o0[d], s1 = o1[d], s2 = o2[d], s3 = o3[d];
      for (int c = 0; c < nc; c++) {
        float x = values[c][d];
        s0 += p0[c] * x;
        s1 += p1[c] * x;
        s2 += p2[c] * x;
        s3 += p3[c] * x;
      }
      o0[d] = s0;
      o1[d] = s1;
      o2[d] = s2;
      o3[d] = s3;
    }
  }
  for (; r < nr; r++) {
    const float* pr = Pm + r * ldP;
    float* orow = O + r * Dv;
    int d = 0;
    for (; d + 16 <= Dv; d += 16) {
      f4 a0 = load4(orow + d), a1 = load4(orow + d + 4), a2 = load4(orow + d + 8), a3 = load4(orow + d + 12);
      for (int c = 0; c < nc; c++) {
        const float* vr = values[c] + d;
        f4 w = splat(pr[c]);
        a0 = madd(w, load4(vr), a0);
        a1 = madd(w, load4(vr + 4), a1);
        a2 = madd(w, load4(vr + 8), a2);
        a3 = madd(w, load4(vr + 12), a3);
      }
      store4(orow + d, a0);
      store4(orow + d + 4, a1);
      store4(orow + d + 8, a2);
      store4(orow + d + 12, a3);
    }
    for (; d + 4 <= Dv; d += 4) {
      f4 a0 = load4(orow + d);
      for (int c = 0; c < nc; c++) a0 = madd(splat(pr[c]), load4(values[c] + d), a0);
      store4(orow + d, a0);
    }
    for (; d < Dv; d++) {
      float s = orow[d];
      for (int c = 0; c < nc; c++) s += pr[c] * values[c][d];
      orow[d] = s;
    }
  }
}

static void apply_softcap(float* s, int n, float cap) {
  const f4 c = splat(cap), inv = splat(1.0f / cap);
  int j = 0;
  for (; j + 4 <= n; j += 4) store4(s + j, wasm_f32x4_mul(c, tanh4(wasm_f32x4_mul(load4(s + j), inv))));
  for (; j < n; j++) s[j] = cap * wasm_f32x4_extract_lane(tanh4(splat(s[j] / cap)), 0);
}

/* Masks and biases for keys j0 … j0+n−1 of one row: −∞ where hidden, + (mask − bias_max) + ALiBi elsewhere. */
static void apply_row_masks(const attn_args* a, const row_t* row, int j0, int n, float* s) {
  const int visible_from = imin(imax(row->lo - j0, 0), n), visible_to = imax(imin(row->hi - j0, n), visible_from);
  for (int c = 0; c < visible_from; c++) s[c] = NEG_INF;
  for (int c = visible_to; c < n; c++) s[c] = NEG_INF;
  if (row->mask_u8) {
    const unsigned char* m = row->mask_u8;
    const int sk = a->m_sk;
    for (int c = 0; c < n; c++) if (!m[(j0 + c) * sk]) s[c] = NEG_INF;
  } else if (row->mask_f32) {
    const float* m = row->mask_f32;
    const int sk = a->m_sk;
    const float top = row->bias_max;
    for (int c = 0; c < n; c++) s[c] += m[(j0 + c) * sk] - top;
  }
  if (a->alibi) {
    const float slope = row->slope;
    for (int c = 0; c < n; c++) s[c] -= slope * (float)(row->diagonal - (j0 + c));
  }
}

/* Online softmax update of one row over a block: returns the factor the row's O must be scaled by. */
__attribute__((noinline)) static float online_softmax(float* s, int n, float* m, float* l) {
  f4 vmax = splat(NEG_INF);
  int c = 0;
  for (; c + 4 <= n; c += 4) vmax = wasm_f32x4_pmax(vmax, load4(s + c));
  float bmax = wasm_f32x4_extract_lane(vmax, 0);
  for (int n4 = 1; n4 < 4; n4++) {
    float x = n4 == 1 ? wasm_f32x4_extract_lane(vmax, 1) : n4 == 2 ? wasm_f32x4_extract_lane(vmax, 2) : wasm_f32x4_extract_lane(vmax, 3);
    bmax = x > bmax ? x : bmax;
  }
  for (; c < n; c++) bmax = s[c] > bmax ? s[c] : bmax;
  float mnew = bmax > *m ? bmax : *m;
  if (mnew == NEG_INF) {
    for (c = 0; c < n; c++) s[c] = 0;
    return 1.0f;
  }
  float corr = *m == NEG_INF ? 0.0f : exp1_nonpositive(*m - mnew);
  f4 vm = splat(mnew), vsum = splat(0);
  c = 0;
  for (; c + 4 <= n; c += 4) {
    f4 p = exp4_nonpositive(wasm_f32x4_sub(load4(s + c), vm));
    store4(s + c, p);
    vsum = wasm_f32x4_add(vsum, p);
  }
  float sum = hsum(vsum);
  for (; c < n; c++) {
    float p = exp1_nonpositive(s[c] - mnew);
    s[c] = p;
    sum += p;
  }
  *l = *l * corr + sum;
  *m = mnew;
  return corr;
}

static void copy_row(float* dst, const float* src, int n) {
  for (int c = 0; c < n; c++) dst[c] = src[c];
}

/* Where base unit u (before key splitting) stands: batch, key/value head, first query, queries. */
typedef struct {
  int b, kvh, i0, rq;
} unit_t;

static unit_t unit_of(const attn_args* a, int u) {
  const int blocks_per_head = (a->Sq + a->q_block - 1) / a->q_block;
  const int qb = u % blocks_per_head;
  unit_t out;
  out.kvh = (u / blocks_per_head) % a->Hkv;
  out.b = u / (blocks_per_head * a->Hkv);
  out.i0 = qb * a->q_block;
  out.rq = imin(a->q_block, a->Sq - out.i0);
  return out;
}

static float* y_row(const attn_args* a, int b, int h, int i) {
  return a->y + b * a->y_sb + h * a->y_sh + i * a->y_ss;
}

__attribute__((noinline)) static void run_unit(const attn_args* a, int unit, float* scratch) {
  const int D = a->D, Dv = a->Dv, G = a->group, KB = a->key_block;
  const int split = unit % a->splits;
  const int base_unit = unit / a->splits;
  const unit_t where = unit_of(a, base_unit);
  const int b = where.b, kvh = where.kvh, i0 = where.i0, rq = where.rq;
  const int R = G * rq;
  const int offset = a->offsets[b];
  const int valid = a->valid[b];
  const int need_all = a->scores_mode == SCORES_RAW || a->scores_mode == SCORES_SOFTCAPPED;

  /* scratch: Kt [D·KB] · Q [R·D] · O [R·Dv] · S [R·KB] · m, l [R] · rows [R] · key and value pointers [KB] each */
  float* Kt = scratch;
  float* Q = Kt + D * KB;
  float* O = Q + R * D;
  float* S = O + R * Dv;
  float* M = S + R * KB;
  float* L = M + R;
  row_t* rows = (row_t*)(L + R);
  const float** kp = (const float**)(rows + R);
  const float** vp = kp + KB;

  int unit_lo = a->T, unit_hi = 0, active = 0;
  for (int r = 0; r < R; r++) {
    row_t* row = &rows[r];
    row->h = kvh * G + r / rq;
    row->i = i0 + r % rq;
    row->diagonal = row->i + offset;
    int lo = 0, hi = imin(a->T, valid);
    if (a->causal) hi = imin(hi, row->diagonal + 1);
    if (a->has_window) {
      lo = imax(lo, row->diagonal - a->win_left);
      hi = imin(hi, row->diagonal + a->win_right + 1);
    }
    if (a->mask) hi = imin(hi, a->m_len);
    if (hi < lo) hi = lo;
    row->lo = lo;
    row->hi = hi;
    row->slope = a->alibi ? a->alibi[row->h] : 0.0f;
    const int mask_base = a->mask ? b * a->m_sb + row->h * a->m_sh + row->i * a->m_sq : 0;
    row->mask_u8 = a->mask_kind == 1 ? (const unsigned char*)a->mask + mask_base : 0;
    row->mask_f32 = a->mask_kind == 2 ? (const float*)a->mask + mask_base : 0;
    row->bias_max = 0.0f;
    if (row->mask_f32) {
      float top = NEG_INF;
      for (int j = lo; j < hi; j++) {
        float x = row->mask_f32[j * a->m_sk];
        top = x > top ? x : top;
      }
      row->bias_max = (top == NEG_INF || top != top) ? 0.0f : top;
    }
    row->scores = a->scores ? a->scores + ((b * a->Hq + row->h) * a->Sq + row->i) * a->T : 0;
    if (row->scores && !need_all) {
      const float fill = NEG_INF;
      for (int j = 0; j < a->T; j++) row->scores[j] = fill;
    }
    const float gain = a->head_mask ? a->head_mask[row->h] : 1.0f;
    const int skip_head = gain == 0.0f && !a->scores;
    M[r] = NEG_INF;
    L[r] = 0.0f;
    for (int d = 0; d < Dv; d++) O[r * Dv + d] = 0.0f;
    const float* src = a->q + b * a->q_sb + row->h * a->q_sh + row->i * a->q_ss;
    for (int d = 0; d < D; d++) Q[r * D + d] = src[d] * a->scale;
    if (!skip_head && lo < hi) {
      unit_lo = imin(unit_lo, lo);
      unit_hi = imax(unit_hi, hi);
      active = 1;
    }
  }
  if (need_all) {
    unit_lo = 0;
    unit_hi = a->T;
    active = 1;
  }
  if (a->splits > 1) {
    unit_lo = imax(unit_lo, split * a->split_len);
    unit_hi = imin(unit_hi, (split + 1) * a->split_len);
  }

  for (int j0 = active ? unit_lo : unit_hi; j0 < unit_hi; j0 += KB) {
    const int n = imin(KB, unit_hi - j0);
    for (int c = 0; c < n; c++) {
      kp[c] = key_row(a, b, kvh, j0 + c);
      vp[c] = value_row(a, b, kvh, j0 + c);
    }
    if (R >= 4) {
      const int n8 = (n + 7) & ~7;
      transpose_keys(kp, n, n8, D, Kt, KB);
      scores_block_transposed(Q, R, Kt, KB, n8, D, S, KB);
    } else {
      dot_rows(Q, R, kp, n, D, S, KB);
    }
    for (int r = 0; r < R; r++) {
      float* s = S + r * KB;
      row_t* row = &rows[r];
      if (row->scores && a->scores_mode == SCORES_RAW) copy_row(row->scores + j0, s, n);
      if (a->softcap > 0) apply_softcap(s, n, a->softcap);
      if (row->scores && a->scores_mode == SCORES_SOFTCAPPED) copy_row(row->scores + j0, s, n);
      apply_row_masks(a, row, j0, n, s);
      if (row->scores && a->scores_mode >= SCORES_MASKED) {
        const float add = a->scores_mode == SCORES_MASKED ? row->bias_max : 0.0f;
        for (int c = 0; c < n; c++) row->scores[j0 + c] = s[c] + add;
      }
      float corr = online_softmax(s, n, &M[r], &L[r]);
      if (corr != 1.0f) {
        float* o = O + r * Dv;
        for (int d = 0; d < Dv; d++) o[d] *= corr;
      }
    }
    values_block(S, KB, R, vp, n, Dv, O);
  }

  if (a->splits > 1) {
    const int rows_max = G * a->q_block;
    for (int r = 0; r < R; r++) {
      float* part = a->partials + ((base_unit * a->splits + split) * rows_max + r) * (Dv + 2);
      part[0] = M[r];
      part[1] = L[r];
      for (int d = 0; d < Dv; d++) part[2 + d] = O[r * Dv + d];
    }
    return;
  }
  for (int r = 0; r < R; r++) {
    const row_t* row = &rows[r];
    const float gain = a->head_mask ? a->head_mask[row->h] : 1.0f;
    const float factor = L[r] > 0 ? gain / L[r] : 0.0f;
    float* y = y_row(a, b, row->h, row->i);
    const float* o = O + r * Dv;
    /* + 0 turns −0 into 0, as the reference does */
    for (int d = 0; d < Dv; d++) y[d] = (L[r] > 0 ? o[d] * factor : 0.0f) + 0.0f;
    if (row->scores && a->scores_mode == SCORES_PROBABILITIES) {
      float* p = row->scores;
      if (L[r] > 0) {
        const float m = M[r], inv = 1.0f / L[r];
        for (int j = 0; j < a->T; j++) p[j] = exp1_nonpositive(p[j] - m) * inv;
      } else {
        for (int j = 0; j < a->T; j++) p[j] = 0.0f;
      }
    }
  }
}

int attention_scratch_bytes(int rows, int D, int Dv, int key_block) {
  return 4 * (D * key_block + rows * (D + Dv + key_block + 2)) + rows * (int)sizeof(row_t) + 2 * key_block * (int)sizeof(float*) + 16;
}

/*
 * Combines the splits of each base unit: M = max m_s, L = Σ l_s·e^{m_s − M}, y = gain·Σ O_s·e^{m_s − M} / L,
 * 0 for a row no split saw a key of. A unit here is a base unit.
 */
void attention_merge_task(attn_args* a, int thread) {
  (void)thread;
  const int Dv = a->Dv, G = a->group, rows_max = G * a->q_block;
  const int base_units = a->units / a->splits;
  for (int u = next_unit(&a->next_unit); u < base_units; u = next_unit(&a->next_unit)) {
    const unit_t where = unit_of(a, u);
    for (int r = 0; r < G * where.rq; r++) {
      const int h = where.kvh * G + r / where.rq, i = where.i0 + r % where.rq;
      const float* first = a->partials + ((u * a->splits) * rows_max + r) * (Dv + 2);
      const int stride = rows_max * (Dv + 2);
      float m = NEG_INF;
      for (int sp = 0; sp < a->splits; sp++) m = first[sp * stride] > m ? first[sp * stride] : m;
      float* y = y_row(a, where.b, h, i);
      for (int d = 0; d < Dv; d++) y[d] = 0.0f;
      if (m == NEG_INF) continue;
      float l = 0.0f;
      for (int sp = 0; sp < a->splits; sp++) {
        const float* part = first + sp * stride;
        if (part[0] == NEG_INF) continue;
        const float w = exp1_nonpositive(part[0] - m);
        l += part[1] * w;
        for (int d = 0; d < Dv; d++) y[d] += part[2 + d] * w;
      }
      const float gain = (a->head_mask ? a->head_mask[h] : 1.0f) / l;
      for (int d = 0; d < Dv; d++) y[d] = y[d] * gain + 0.0f;
    }
  }
}

void attention_task(attn_args* a, int thread) {
  float* scratch = (float*)((char*)a->scratch + thread * a->scratch_bytes);
  for (int u = next_unit(&a->next_unit); u < a->units; u = next_unit(&a->next_unit)) run_unit(a, u, scratch);
}
