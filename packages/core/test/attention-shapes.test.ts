import { describe, expect, it } from 'vitest';
import { expectClose, random, rng, run, tensor, to3d } from './helpers.js';

describe('zero-size dimensions', () => {
  it('Sq = 0 returns empty y and scores', async () => {
    const { y, scores } = await run(
      {
        q: tensor([], [1, 2, 0, 4]),
        k: tensor(new Array(24).fill(1), [1, 2, 3, 4]),
        v: tensor(new Array(30).fill(1), [1, 2, 3, 5]),
      },
      { isCausal: true, scoresOutput: 'probabilities' },
    );
    expect(y.shape).toEqual([1, 2, 0, 5]);
    expect(y.data.length).toBe(0);
    expect(scores!.shape).toEqual([1, 2, 0, 3]);
  });

  it('B = 0 returns empty outputs of the right shapes', async () => {
    const { y, presentKey, presentValue } = await run(
      { q: tensor([], [0, 2, 3, 4]), k: tensor([], [0, 1, 3, 4]), v: tensor([], [0, 1, 3, 5]) },
      { returnPresent: true },
    );
    expect(y.shape).toEqual([0, 2, 3, 5]);
    expect(presentKey!.shape).toEqual([0, 1, 3, 4]);
    expect(presentValue!.shape).toEqual([0, 1, 3, 5]);
  });

  it('T = 0 makes every row fully masked: y is zeros', async () => {
    const { y, presentKey } = await run(
      { q: random([1, 2, 3, 4], rng(1)), k: tensor([], [1, 2, 0, 4]), v: tensor([], [1, 2, 0, 5]) },
      { returnPresent: true, isCausal: true },
    );
    expect(y.shape).toEqual([1, 2, 3, 5]);
    expect(Array.from(y.data)).toEqual(new Array(30).fill(0));
    expect(presentKey!.shape).toEqual([1, 2, 0, 4]);
  });

  it('an empty past cache (P = 0) behaves as no cache, and still returns present tensors', async () => {
    const next = rng(2);
    const q = random([1, 2, 3, 4], next);
    const k = random([1, 2, 3, 4], next);
    const v = random([1, 2, 3, 4], next);
    const plain = await run({ q, k, v }, { isCausal: true });
    const cached = await run(
      { q, k, v, pastKey: tensor([], [1, 2, 0, 4]), pastValue: tensor([], [1, 2, 0, 4]) },
      { isCausal: true },
    );
    expectClose(cached.y.data, plain.y.data, 0);
    expectClose(cached.presentKey!.data, k.data, 0);
  });
});

describe('3D layouts [B, S, H·D] equal the 4D computation after reshaping', () => {
  const [B, Hq, Hkv, Sq, Skv, P, D, Dv] = [2, 4, 2, 3, 5, 2, 4, 6];
  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}: GQA, causal, mask, past cache, scores`, async () => {
      const next = rng(seed);
      const q = random([B, Hq, Sq, D], next);
      const k = random([B, Hkv, Skv, D], next);
      const v = random([B, Hkv, Skv, Dv], next);
      const pastKey = random([B, Hkv, P, D], next);
      const pastValue = random([B, Hkv, P, Dv], next);
      const mask = {
        data: Uint8Array.from({ length: Sq * (P + Skv) }, () => (next() < 0.8 ? 1 : 0)),
        shape: [Sq, P + Skv],
        kind: 'boolean' as const,
      };
      const options = { isCausal: true, softcap: 2, scoresOutput: 'masked' as const };
      const four = await run({ q, k, v, pastKey, pastValue, mask }, options);
      const three = await run(
        { q: to3d(q), k: to3d(k), v: to3d(v), pastKey, pastValue, mask },
        { ...options, qNumHeads: Hq, kvNumHeads: Hkv },
      );
      expect(three.y.shape).toEqual([B, Sq, Hq * Dv]);
      expectClose(three.y.data, to3d(four.y).data, 0);
      // past, present and scores stay 4D in both layouts
      expect(three.presentKey!.shape).toEqual([B, Hkv, P + Skv, D]);
      expectClose(three.presentKey!.data, four.presentKey!.data, 0);
      expectClose(three.presentValue!.data, four.presentValue!.data, 0);
      expectClose(three.scores!.data, four.scores!.data, 0);
    });
  }

  it('3D with B = 0 and Sq = 0', async () => {
    const { y } = await run(
      { q: tensor([], [0, 3, 8]), k: tensor([], [0, 2, 4]), v: tensor([], [0, 2, 6]) },
      { qNumHeads: 2, kvNumHeads: 1 },
    );
    expect(y.shape).toEqual([0, 3, 2 * 6]); // Hq · Dv
    const empty = await run(
      {
        q: tensor([], [1, 0, 8]),
        k: tensor(new Array(8).fill(0), [1, 2, 4]),
        v: tensor(new Array(12).fill(0), [1, 2, 6]),
      },
      { qNumHeads: 2, kvNumHeads: 1 },
    );
    expect(empty.y.shape).toEqual([1, 0, 2 * 6]);
  });
});

describe('head sizes', () => {
  it('D = 1, Dv = 1 and Dv ≠ D agree with a per-head computation', async () => {
    // One head at a time must give the same numbers as all heads at once (heads are independent).
    const next = rng(5);
    const [H, S, D, Dv] = [3, 4, 5, 2];
    const q = random([1, H, S, D], next);
    const k = random([1, H, S, D], next);
    const v = random([1, H, S, Dv], next);
    const all = await run({ q, k, v }, { isCausal: true });
    for (let h = 0; h < H; h++) {
      const head = (x: typeof q, w: number) => tensor(x.data.subarray(h * S * w, (h + 1) * S * w), [1, 1, S, w]);
      const one = await run({ q: head(q, D), k: head(k, D), v: head(v, Dv) }, { isCausal: true });
      expectClose(one.y.data, all.y.data.subarray(h * S * Dv, (h + 1) * S * Dv), 0);
    }
  });
});
