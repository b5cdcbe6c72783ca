/**
 * mulberry32 (Tommy Ettinger): a tiny seeded PRNG with 32-bit state and period 2^32, giving floats in [0, 1).
 * The one definition in the workspace: the conformance suite's test data, the models' seeded weights and the
 * zoo's data splits all draw from it, so its stream must never change (test/random.test.ts pins it). The
 * seed is taken as an unsigned 32-bit integer (`seed >>> 0`).
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
