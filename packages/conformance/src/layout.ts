import type { HostTensor } from '@attnkit/core';

/**
 * Small host-side tensor helpers for the property cases: the key axis of q/k/v/masks, 3D ↔ 4D views.
 * 3D [B, S, H·D] and 4D [B, H, S, D] hold the same numbers in a different order (CONTRACT.md).
 */

/** Keeps the entries of `axis` listed in `order` (a permutation, a subset, or repeats), in that order. */
export function pick<A extends Float32Array | Uint8Array>(
  t: HostTensor<A>,
  axis: number,
  order: readonly number[],
): HostTensor<A> {
  const shape = [...t.shape];
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const size = shape[axis];
  const out = new (t.data.constructor as new (n: number) => A)(outer * order.length * inner);
  for (let o = 0; o < outer; o++) {
    order.forEach((from, to) => {
      out.set(
        t.data.subarray((o * size + from) * inner, (o * size + from + 1) * inner),
        (o * order.length + to) * inner,
      );
    });
  }
  shape[axis] = order.length;
  return { data: out, shape };
}

/** Concatenates along `axis`. */
export function join(a: HostTensor, b: HostTensor, axis: number): HostTensor {
  const shape = [...a.shape];
  const outer = shape.slice(0, axis).reduce((x, y) => x * y, 1);
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  const na = a.shape[axis];
  const nb = b.shape[axis];
  const out = new Float32Array(outer * (na + nb) * inner);
  for (let o = 0; o < outer; o++) {
    out.set(a.data.subarray(o * na * inner, (o + 1) * na * inner), o * (na + nb) * inner);
    out.set(b.data.subarray(o * nb * inner, (o + 1) * nb * inner), (o * (na + nb) + na) * inner);
  }
  shape[axis] = na + nb;
  return { data: out, shape };
}

/** [B, S, H·D] → [B, H, S, D]. */
export function to4d(t: HostTensor, heads: number): HostTensor {
  const [B, S, width] = t.shape;
  const D = width / heads;
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < B; b++)
    for (let s = 0; s < S; s++)
      for (let h = 0; h < heads; h++)
        for (let d = 0; d < D; d++) out[((b * heads + h) * S + s) * D + d] = t.data[(b * S + s) * width + h * D + d];
  return { data: out, shape: [B, heads, S, D] };
}

/** [B, H, S, D] → [B, S, H·D]. */
export function to3d(t: HostTensor): HostTensor {
  const [B, H, S, D] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        for (let d = 0; d < D; d++) out[(b * S + s) * H * D + h * D + d] = t.data[((b * H + h) * S + s) * D + d];
  return { data: out, shape: [B, S, H * D] };
}
