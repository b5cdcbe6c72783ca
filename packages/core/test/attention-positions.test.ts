import { describe, expect, it } from 'vitest';
import { createDevice, defaultAlibiSlopes } from '../src/index.js';
import { expectAttnkitError, expectClose, reference, run, tensor } from './helpers.js';

/**
 * Causal alignment, caches, valid lengths, windows, ALiBi and head masks. With q = 0 every score is 0, so
 * a query's probabilities are uniform over the keys it may see and y is the mean of their values: that
 * makes the visible set readable straight from y. −∞ in a 'masked' row marks the keys it may not see.
 */
const NEG = Number.NEGATIVE_INFINITY;
const zeros = (shape: number[]) => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(0), shape);
const range = (n: number, from = 0) => Array.from({ length: n }, (_, i) => from + i);

/** The 'masked' scores of one [Sq, T] head as rows of 0 (visible) / −∞ (masked). */
function visibility(rows: number[][]): number[] {
  return rows.flat().map((x) => (x ? 0 : NEG));
}

describe('causal alignment', () => {
  // Sq = 4, Skv = 6, no cache; v = [0, 1, 2, 3, 4, 5]
  const inputs = { q: zeros([1, 1, 4, 1]), k: zeros([1, 1, 6, 1]), v: tensor(range(6), [1, 1, 6, 1]) };

  it('top-left (default): query i sees keys 0 … i, so query 0 sees key 0 only', async () => {
    const { y, scores } = await run(inputs, { isCausal: true, scoresOutput: 'masked' });
    // y_i = mean(0 … i) = i / 2
    expectClose(y.data, [0, 0.5, 1, 1.5]);
    expectClose(
      scores!.data,
      visibility([
        [1, 0, 0, 0, 0, 0],
        [1, 1, 0, 0, 0, 0],
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
      ]),
    );
    const explicit = await run(inputs, { isCausal: true, causalAlignment: 'top-left' });
    expectClose(explicit.y.data, y.data, 0);
  });

  it('bottom-right: offset T − Sq = 2, so query i sees keys 0 … i + 2', async () => {
    const { y, scores } = await run(inputs, {
      isCausal: true,
      causalAlignment: 'bottom-right',
      scoresOutput: 'masked',
    });
    // y_i = mean(0 … i + 2) = (i + 2) / 2
    expectClose(y.data, [1, 1.5, 2, 2.5]);
    expectClose(
      scores!.data,
      visibility([
        [1, 1, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 1, 1, 1, 1, 0],
        [1, 1, 1, 1, 1, 1],
      ]),
    );
  });

  it('without isCausal every key is visible', async () => {
    expectClose((await run(inputs)).y.data, [2.5, 2.5, 2.5, 2.5]);
  });
});

describe('past key/value cache', () => {
  // P = 3 cached values [0, 1, 2], Skv = Sq = 2 new values [3, 4]; T = 5
  const inputs = {
    q: zeros([1, 1, 2, 1]),
    k: tensor([5, 6], [1, 1, 2, 1]),
    v: tensor([3, 4], [1, 1, 2, 1]),
    pastKey: tensor([1, 2, 3], [1, 1, 3, 1]),
    pastValue: tensor([0, 1, 2], [1, 1, 3, 1]),
  };

  it('top-left causal with a cache: query i sees keys 0 … P + i', async () => {
    const { y, presentKey, presentValue } = await run(inputs, { isCausal: true });
    // y0 = mean(0 … 3) = 1.5, y1 = mean(0 … 4) = 2
    expectClose(y.data, [1.5, 2]);
    expect(presentKey!.shape).toEqual([1, 1, 5, 1]);
    expectClose(presentKey!.data, [1, 2, 3, 5, 6], 0);
    expectClose(presentValue!.data, [0, 1, 2, 3, 4], 0);
  });

  it('bottom-right with a cache of Sq new tokens gives the same rows (offset T − Sq = P)', async () => {
    const { y } = await run(inputs, { isCausal: true, causalAlignment: 'bottom-right' });
    expectClose(y.data, [1.5, 2]);
  });

  it('present outputs exist only with a past cache or on request', async () => {
    const plain = { q: zeros([1, 1, 2, 1]), k: zeros([1, 1, 2, 1]), v: tensor([3, 4], [1, 1, 2, 1]) };
    const none = await run(plain);
    expect(none.presentKey).toBeUndefined();
    expect(none.presentValue).toBeUndefined();
    const asked = await run(plain, { returnPresent: true });
    expectClose(asked.presentValue!.data, [3, 4], 0);
    expect(asked.presentKey!.shape).toEqual([1, 1, 2, 1]);
  });
});

describe('kvValidLengths', () => {
  // B = 2, T = 4; batch 0 values [0, 1, 2, 3], batch 1 values [4, 5, 6, 7]
  const v = tensor(range(8), [2, 1, 4, 1]);

  it('masks keys j ≥ kvValidLengths[b]', async () => {
    const { y } = await run({
      q: zeros([2, 1, 1, 1]),
      k: zeros([2, 1, 4, 1]),
      v,
      kvValidLengths: Int32Array.from([2, 4]),
    });
    // mean(0, 1) = 0.5; mean(4 … 7) = 5.5
    expectClose(y.data, [0.5, 5.5]);
  });

  it('top-left causal with valid lengths aligns the last query with the last valid key (offset L − Sq)', async () => {
    // Sq = 2, L = [3, 4] → offsets [1, 2].
    // b0: q0 sees 0 … 1 → 0.5; q1 sees 0 … 2 → 1.  b1: q0 sees 0 … 2 → 5; q1 sees 0 … 3 → 5.5
    const { y } = await run(
      { q: zeros([2, 1, 2, 1]), k: zeros([2, 1, 4, 1]), v, kvValidLengths: Int32Array.from([3, 4]) },
      { isCausal: true },
    );
    expectClose(y.data, [0.5, 1, 5, 5.5]);
  });

  it('on the device, valid lengths outside [0, T] are clamped (the host API refuses them instead)', async () => {
    const device = createDevice(reference);
    const up = (t: { data: Float32Array; shape: readonly number[] }) => device.upload(t.data, t.shape);
    const { y } = device.attention({
      q: up(zeros([2, 1, 1, 1])),
      k: up(zeros([2, 1, 4, 1])),
      v: up(v),
      kvValidLengths: device.upload(Int32Array.from([-3, 99]), [2]),
    });
    // −3 → 0: fully masked, y = 0; 99 → 4: mean(4 … 7) = 5.5
    expect(Array.from(await device.read(y))).toEqual([0, 5.5]);
  });

  it('bottom-right causal with valid lengths measures from T, then drops keys past the valid length', async () => {
    // offset = T − Sq = 2 for both; b0 (L = 3): q0 sees 0 … 2 → 1; q1 sees 0 … 2 (key 3 invalid) → 1
    const { y } = await run(
      { q: zeros([2, 1, 2, 1]), k: zeros([2, 1, 4, 1]), v, kvValidLengths: Int32Array.from([3, 4]) },
      { isCausal: true, causalAlignment: 'bottom-right' },
    );
    expectClose(y.data, [1, 1, 5, 5.5]);
  });
});

describe('sliding window', () => {
  // Sq = T = 5, v = [0 … 4]
  const inputs = { q: zeros([1, 1, 5, 1]), k: zeros([1, 1, 5, 1]), v: tensor(range(5), [1, 1, 5, 1]) };

  it('{ left: 1, right: 0 }: query i sees keys i − 1 … i', async () => {
    const { y, scores } = await run(inputs, { window: { left: 1, right: 0 }, scoresOutput: 'masked' });
    expectClose(y.data, [0, 0.5, 1.5, 2.5, 3.5]);
    expectClose(
      scores!.data,
      visibility([
        [1, 0, 0, 0, 0],
        [1, 1, 0, 0, 0],
        [0, 1, 1, 0, 0],
        [0, 0, 1, 1, 0],
        [0, 0, 0, 1, 1],
      ]),
    );
  });

  it('{ left: 0, right: 1 }: query i sees keys i … i + 1', async () => {
    expectClose((await run(inputs, { window: { left: 0, right: 1 } })).y.data, [0.5, 1.5, 2.5, 3.5, 4]);
  });

  it('an omitted side is unbounded: { left: 1 } sees keys i − 1 … 4', async () => {
    // means of [0…4], [0…4], [1…4], [2…4], [3…4]
    expectClose((await run(inputs, { window: { left: 1 } })).y.data, [2, 2, 2.5, 3, 3.5]);
    expectClose(
      (await run(inputs, { window: { left: 1, right: Number.POSITIVE_INFINITY } })).y.data,
      [2, 2, 2.5, 3, 3.5],
    );
  });

  it('combines with causal (both apply) and follows the bottom-right offset', async () => {
    // causal + left 1 = keys i − 1 … i, as the first case
    expectClose((await run(inputs, { isCausal: true, window: { left: 1 } })).y.data, [0, 0.5, 1.5, 2.5, 3.5]);
    // Sq = 2 of T = 5 bottom-right: offset 3; left 1, right 0 → q0 sees 2 … 3, q1 sees 3 … 4
    const short = { ...inputs, q: zeros([1, 1, 2, 1]) };
    expectClose(
      (await run(short, { window: { left: 1, right: 0 }, causalAlignment: 'bottom-right' })).y.data,
      [2.5, 3.5],
    );
  });
});

describe('ALiBi', () => {
  it('default slopes for 8 heads are 1/2, 1/4, …, 1/256', () => {
    expect(Array.from(defaultAlibiSlopes(8))).toEqual([1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32, 1 / 64, 1 / 128, 1 / 256]);
  });

  it('default slopes for 12 heads: the 8-head slopes, then every other slope of the 16-head sequence', () => {
    // 16 heads: 2^(−0.5·(h+1)); every other from the first: 2^−0.5, 2^−1.5, 2^−2.5, 2^−3.5
    const expected = [
      1 / 2,
      1 / 4,
      1 / 8,
      1 / 16,
      1 / 32,
      1 / 64,
      1 / 128,
      1 / 256,
      2 ** -0.5,
      2 ** -1.5,
      2 ** -2.5,
      2 ** -3.5,
    ];
    expect(Array.from(defaultAlibiSlopes(12))).toEqual(expected.map(Math.fround));
  });

  it('default slopes for 0, 1, 2 and 3 heads; a bad count is INVALID_ARGUMENT', async () => {
    expect(Array.from(defaultAlibiSlopes(0))).toEqual([]);
    expect(Array.from(defaultAlibiSlopes(1))).toEqual([1 / 256]);
    expect(Array.from(defaultAlibiSlopes(2))).toEqual([1 / 16, 1 / 256]);
    // 3 heads: the 2-head slopes, then the first of the 4-head sequence (2^−2, 2^−4, 2^−6, 2^−8)
    expect(Array.from(defaultAlibiSlopes(3))).toEqual([1 / 16, 1 / 256, 1 / 4]);
    await expectAttnkitError(() => defaultAlibiSlopes(-1), 'INVALID_ARGUMENT', 'heads', '-1');
    await expectAttnkitError(() => defaultAlibiSlopes(2.5), 'INVALID_ARGUMENT', 'heads');
  });

  it('adds −slope_h · (i + offset − j) to every score', async () => {
    // Hq = 2, Sq = 1, T = 3, slopes [0.5, 0.25]. Bottom-right offset = 2:
    // head 0: −0.5·(2 − j) = [−1, −0.5, 0]; head 1: −0.25·(2 − j) = [−0.5, −0.25, 0]
    const inputs = { q: zeros([1, 2, 1, 1]), k: zeros([1, 2, 3, 1]), v: zeros([1, 2, 3, 1]) };
    const bottom = await run(inputs, {
      alibi: { slopes: [0.5, 0.25] },
      causalAlignment: 'bottom-right',
      scoresOutput: 'masked',
    });
    expectClose(bottom.scores!.data, [-1, -0.5, 0, -0.5, -0.25, 0], 0);
    // Top-left offset = 0: head 0: −0.5·(0 − j) = [0, 0.5, 1]; head 1: [0, 0.25, 0.5]
    const top = await run(inputs, { alibi: { slopes: [0.5, 0.25] }, scoresOutput: 'masked' });
    expectClose(top.scores!.data, [0, 0.5, 1, 0, 0.25, 0.5], 0);
    // 'raw' and 'softcapped' come before the bias
    expectClose(
      (await run(inputs, { alibi: { slopes: [0.5, 0.25] }, scoresOutput: 'raw' })).scores!.data,
      [0, 0, 0, 0, 0, 0],
      0,
    );
  });

  it('alibi: true uses the default slopes, and causal masking still applies', async () => {
    // Hq = 8, Sq = T = 2, causal: row 0 = [0, −∞], row 1 = [−slope_h, 0]
    const { scores } = await run(
      { q: zeros([1, 8, 2, 1]), k: zeros([1, 8, 2, 1]), v: zeros([1, 8, 2, 1]) },
      { alibi: true, isCausal: true, scoresOutput: 'masked' },
    );
    const expected = Array.from(defaultAlibiSlopes(8)).flatMap((slope) => [0, NEG, -slope, 0]);
    expectClose(scores!.data, expected, 0);
  });
});

describe('headMask', () => {
  // GQA: Hq = 2 heads read the single kv head with values [2, 4], so each head's y is 3 before the mask
  const inputs = { q: zeros([1, 2, 1, 1]), k: zeros([1, 1, 2, 1]), v: tensor([2, 4], [1, 1, 2, 1]) };

  it('multiplies each head output, and 0 prunes a head to exactly 0', async () => {
    expectClose((await run(inputs)).y.data, [3, 3]);
    const pruned = await run(inputs, { headMask: [1, 0] });
    expectClose(pruned.y.data, [3, 0], 0);
    expect(Object.is(pruned.y.data[1], 0)).toBe(true);
    expectClose((await run(inputs, { headMask: Float32Array.from([0.5, -2]) })).y.data, [1.5, -6]);
  });

  it('does not change the scores', async () => {
    const { scores } = await run(inputs, { headMask: [0, 0], scoresOutput: 'probabilities' });
    expectClose(scores!.data, [0.5, 0.5, 0.5, 0.5]);
  });
});
