/**
 * mulberry32: a tiny seeded PRNG (32-bit state, period 2^32). Good enough to draw test data and, above
 * all, reproducible on every engine: a case's id plus its seed always produce the same tensors.
 */
export type Random = () => number;

export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed derived from a case id and a seed number, so that cases never share a stream. */
export function seedFor(id: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** Uniform floats in [low, high), rounded to float32 on storage. */
export function uniform(random: Random, count: number, low = -1, high = 1): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + (high - low) * random();
  return out;
}

/** Integers in [low, high] as floats: exact in float32 and float16 for small ranges. */
export function integers(random: Random, count: number, low: number, high: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = low + Math.floor((high - low + 1) * random());
  return out;
}

/** A random permutation of 0 … n−1 (Fisher–Yates). */
export function permutation(random: Random, n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}
