/* Element-wise primitives over chunks of the flat output: binary with numpy broadcasting, unary, scale. */
#include "simd.h"
#include "primitives.h"

static void binary_contiguous(int op, const float* x, const float* y, float* out, int n) {
  int i = 0;
  if (op == 0) {
    for (; i + 4 <= n; i += 4) store4(out + i, wasm_f32x4_add(load4(x + i), load4(y + i)));
    for (; i < n; i++) out[i] = x[i] + y[i];
  } else {
    for (; i + 4 <= n; i += 4) store4(out + i, wasm_f32x4_mul(load4(x + i), load4(y + i)));
    for (; i < n; i++) out[i] = x[i] * y[i];
  }
}

void binary_task(binary_args* a, int thread) {
  (void)thread;
  const int rank = a->rank;
  const int inner = rank > 0 ? a->shape[rank - 1] : 1;
  const int ia = rank > 0 ? a->a_strides[rank - 1] : 0;
  const int ib = rank > 0 ? a->b_strides[rank - 1] : 0;
  for (int u = next_unit(&a->next_unit); u < a->units; u = next_unit(&a->next_unit)) {
    const int start = u * a->chunk, end = imin(a->size, start + a->chunk);
    int flat = start;
    while (flat < end) {
      /* position of `flat` along the outer axes, then a run along the last axis */
      int rest = flat / inner, col = flat % inner, offset_a = col * ia, offset_b = col * ib;
      for (int axis = rank - 2; axis >= 0; axis--) {
        const int idx = rest % a->shape[axis];
        rest /= a->shape[axis];
        offset_a += idx * a->a_strides[axis];
        offset_b += idx * a->b_strides[axis];
      }
      const int run = imin(inner - col, end - flat);
      const float* x = a->a + offset_a;
      const float* y = a->b + offset_b;
      float* out = a->out + flat;
      if (ia == 1 && ib == 1) {
        binary_contiguous(a->op, x, y, out, run);
      } else {
        for (int i = 0; i < run; i++) out[i] = a->op == 0 ? x[i * ia] + y[i * ib] : x[i * ia] * y[i * ib];
      }
      flat += run;
    }
  }
}

void unary_task(unary_args* a, int thread) {
  (void)thread;
  const f4 zero = splat(0), half = splat(0.5f), root_half = splat(0.70710678118654752f), factor = splat(a->factor);
  for (int u = next_unit(&a->next_unit); u < a->units; u = next_unit(&a->next_unit)) {
    const int start = u * a->chunk, end = imin(a->size, start + a->chunk);
    int i = start;
    for (; i + 4 <= end; i += 4) {
      f4 x = load4(a->x + i), y;
      switch (a->op) {
        case 0: y = wasm_f32x4_max(x, zero); break;
        /* x/2 + x/2·erf(x/√2), summed so, as the reference does */
        case 1: { f4 h = wasm_f32x4_mul(x, half); y = madd(h, erf4(wasm_f32x4_mul(x, root_half)), h); break; }
        case 2: y = tanh4(x); break;
        default: y = wasm_f32x4_mul(x, factor); break;
      }
      store4(a->out + i, y);
    }
    for (; i < end; i++) {
      /* the tail through the same vector code, so every element gets the same rounding */
      f4 x = splat(a->x[i]), y;
      switch (a->op) {
        case 0: y = wasm_f32x4_max(x, zero); break;
        case 1: { f4 h = wasm_f32x4_mul(x, half); y = madd(h, erf4(wasm_f32x4_mul(x, root_half)), h); break; }
        case 2: y = tanh4(x); break;
        default: y = wasm_f32x4_mul(x, factor); break;
      }
      a->out[i] = wasm_f32x4_extract_lane(y, 0);
    }
  }
}
