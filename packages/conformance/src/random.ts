import type { Random } from '@attnkit/core';

/**
 * The suite draws its data from core's mulberry32 (the workspace's one seeded generator): tiny, and above all
 * reproducible on every engine, so a case's id plus its seed always produce the same tensors.
 */
export { mulberry32, type Random } from '@attnkit/core';

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
