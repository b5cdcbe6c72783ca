import { describe, expect, it } from 'vitest';
import { createDevice } from '../src/index.js';
import { expectClose, reference, run, tensor } from './helpers.js';

/**
 * Hand-computed cases. B = Hq = Hkv = 1 unless said otherwise; shapes are [B, H, S, D].
 * σ(x) = 1 / (1 + e^−x); a softmax over two scores [a, b] is [σ(a − b), σ(b − a)].
 */
describe('attention: hand-computed scores and outputs', () => {
  it('1 query × 2 keys, scale 1: softmax([1, 0]) = [0.7311, 0.2689]', async () => {
    // s = [1·1, 1·0] = [1, 0]; p = [e/(1+e), 1/(1+e)] = [0.7310585786300049, 0.2689414213699951]
    // y = 0.7310585786 · 10 + 0.2689414214 · 20 = 12.689414213699951
    const { y, scores } = await run(
      { q: tensor([1], [1, 1, 1, 1]), k: tensor([1, 0], [1, 1, 2, 1]), v: tensor([10, 20], [1, 1, 2, 1]) },
      { scale: 1, scoresOutput: 'probabilities' },
    );
    expect(y.shape).toEqual([1, 1, 1, 1]);
    expectClose(y.data, [12.689414213699951], 1e-5);
    expectClose(scores!.data, [0.7310585786300049, 0.2689414213699951]);
  });

  it('uses scale 1/√D by default', async () => {
    // D = 4: q·k0 = 4, times 1/√4 = 2; q·k1 = 0. p0 = σ(2) = 0.8807970779778825
    const { scores } = await run(
      {
        q: tensor([1, 1, 1, 1], [1, 1, 1, 4]),
        k: tensor([1, 1, 1, 1, 0, 0, 0, 0], [1, 1, 2, 4]),
        v: tensor([0, 0], [1, 1, 2, 1]),
      },
      { scoresOutput: 'probabilities' },
    );
    expectClose(scores!.data, [0.8807970779778825, 1 - 0.8807970779778825]);
  });

  it('handles Dv ≠ D', async () => {
    // D = 2, Dv = 3. s = [q·k0, q·k1] = [1, 0] (scale 1); p = [0.7310585786, 0.2689414214]
    // y = p0·[1,2,3] + p1·[4,5,6] = [1,2,3] + 3·p1 = [1.8068242641, 2.8068242641, 3.8068242641]
    const { y } = await run(
      {
        q: tensor([1, 0], [1, 1, 1, 2]),
        k: tensor([1, 0, 0, 1], [1, 1, 2, 2]),
        v: tensor([1, 2, 3, 4, 5, 6], [1, 1, 2, 3]),
      },
      { scale: 1 },
    );
    expect(y.shape).toEqual([1, 1, 1, 3]);
    const p1 = 0.2689414213699951;
    expectClose(y.data, [1 + 3 * p1, 2 + 3 * p1, 3 + 3 * p1], 1e-6);
  });

  describe('every scoresOutput mode', () => {
    // q = [1], keys [2, 1, −3], scale 1 → raw [2, 1, −3]
    // softcap c = 2: c·tanh(s/c) = [2·tanh(1), 2·tanh(0.5), 2·tanh(−1.5)] = [1.5231883119, 0.9242343145, −1.8102965073]
    // boolean mask [1, 1, 0] → masked [1.5231883119, 0.9242343145, −∞]
    // probabilities: σ(1.5231883119 − 0.9242343145) = σ(0.5989539974) = 0.6454169609 → [0.6454169609, 0.3545830391, 0]
    const inputs = {
      q: tensor([1], [1, 1, 1, 1]),
      k: tensor([2, 1, -3], [1, 1, 3, 1]),
      v: tensor([1, 2, 3], [1, 1, 3, 1]),
      mask: { data: Uint8Array.from([1, 1, 0]), shape: [3], kind: 'boolean' as const },
    };
    const softcapped = [1.5231883119115297, 0.9242343145200195, -1.8102965072897328];
    const expected = {
      raw: [2, 1, -3],
      softcapped,
      masked: [softcapped[0], softcapped[1], Number.NEGATIVE_INFINITY],
      probabilities: [0.6454169608694084, 0.35458303913059164, 0],
    };
    for (const [mode, values] of Object.entries(expected)) {
      it(`'${mode}'`, async () => {
        const { scores, y } = await run(inputs, { scale: 1, softcap: 2, scoresOutput: mode as keyof typeof expected });
        expect(scores!.shape).toEqual([1, 1, 1, 3]);
        expectClose(scores!.data, values);
        // y does not depend on the mode: 0.6454169609·1 + 0.3545830391·2
        expectClose(y.data, [0.6454169608694084 + 2 * 0.35458303913059164]);
      });
    }
    it("'none' (the default) returns no scores", async () => {
      expect((await run(inputs, { scale: 1 })).scores).toBeUndefined();
      expect((await run(inputs, { scale: 1, scoresOutput: 'none' })).scores).toBeUndefined();
    });
  });

  it('applies softcap before the mask: a masked score keeps its full additive value', async () => {
    // raw [0, 1]; softcap 1 → [0, tanh 1 = 0.7615941559557649]; additive mask [−100, 0] → [−100, 0.7615941559557649].
    // Capping after the mask would give tanh(−100) = −1 instead of −100.
    const inputs = {
      q: tensor([1], [1, 1, 1, 1]),
      k: tensor([0, 1], [1, 1, 2, 1]),
      v: tensor([0, 0], [1, 1, 2, 1]),
      mask: { data: Float32Array.from([-100, 0]), shape: [2], kind: 'additive' as const },
    };
    const softcapped = await run(inputs, { scale: 1, softcap: 1, scoresOutput: 'softcapped' });
    expectClose(softcapped.scores!.data, [0, 0.7615941559557649]);
    const masked = await run(inputs, { scale: 1, softcap: 1, scoresOutput: 'masked' });
    expectClose(masked.scores!.data, [-100, 0.7615941559557649]);
  });

  it('applies scale before softcap', async () => {
    // raw q·k = 4, scale 0.5 → 2; softcap 4 → 4·tanh(0.5) = 1.848468629040039
    const { scores } = await run(
      { q: tensor([2], [1, 1, 1, 1]), k: tensor([2], [1, 1, 1, 1]), v: tensor([0], [1, 1, 1, 1]) },
      { scale: 0.5, softcap: 4, scoresOutput: 'softcapped' },
    );
    expectClose(scores!.data, [4 * Math.tanh(0.5)]);
  });

  describe('numerical range', () => {
    it('logits of ±1e4 do not overflow', async () => {
      // s = [100·100, 100·(−100)] = [1e4, −1e4] → p = [1, e^−2e4 = 0] → y = v0
      const big = await run(
        { q: tensor([100], [1, 1, 1, 1]), k: tensor([100, -100], [1, 1, 2, 1]), v: tensor([3, 7], [1, 1, 2, 1]) },
        { scale: 1, scoresOutput: 'probabilities' },
      );
      expectClose(big.scores!.data, [1, 0]);
      expectClose(big.y.data, [3]);
      // s = [−1e4, −1e4]: e^−1e4 underflows, but subtracting the row maximum keeps it a plain uniform row
      const low = await run(
        { q: tensor([-100], [1, 1, 1, 1]), k: tensor([100, 100], [1, 1, 2, 1]), v: tensor([3, 7], [1, 1, 2, 1]) },
        { scale: 1, scoresOutput: 'probabilities' },
      );
      expectClose(low.scores!.data, [0.5, 0.5]);
      expectClose(low.y.data, [5]);
    });

    it('a NaN input gives NaN on the device, never a row that looks masked (the host API refuses it)', async () => {
      const device = createDevice(reference);
      const inputs = {
        q: device.upload(Float32Array.from([Number.NaN]), [1, 1, 1, 1]),
        k: device.upload(Float32Array.from([1, 2]), [1, 1, 2, 1]),
        v: device.upload(Float32Array.from([3, 7]), [1, 1, 2, 1]),
      };
      const { y, scores } = device.attention(inputs, { scoresOutput: 'probabilities' });
      expect(Number.isNaN((await device.read(y))[0])).toBe(true);
      expect(Array.from(await device.read(scores!)).every(Number.isNaN)).toBe(true);
      device.dispose(y, scores, ...Object.values(inputs));
    });

    it('an additive −1e9 is an ordinary number, not a mask', async () => {
      const q = tensor([0], [1, 1, 1, 1]);
      const k = tensor([0, 0], [1, 1, 2, 1]);
      const v = tensor([3, 7], [1, 1, 2, 1]);
      // Both keys at −1e9: the row is not fully masked, so p = [0.5, 0.5] and y = 5.
      const both = await run(
        { q, k, v, mask: { data: Float32Array.from([-1e9, -1e9]), shape: [2], kind: 'additive' } },
        { scoresOutput: 'probabilities' },
      );
      expectClose(both.scores!.data, [0.5, 0.5]);
      expectClose(both.y.data, [5]);
      // One key at −1e9: e^−1e9 = 0, so p = [0, 1] and y = 7 (finite, no NaN).
      const one = await run(
        { q, k, v, mask: { data: Float32Array.from([-1e9, 0]), shape: [2], kind: 'additive' } },
        { scoresOutput: 'masked' },
      );
      expectClose(one.scores!.data, [-1e9, 0]);
      expectClose(one.y.data, [7]);
    });
  });
});
