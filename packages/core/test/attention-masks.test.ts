import { describe, expect, it } from 'vitest';
import type { AttentionOptions, HostAttentionInputs, MaskKind } from '../src/index.js';
import { expectClose, expectZeros, random, rng, run, tensor } from './helpers.js';

const NEG = Number.NEGATIVE_INFINITY;

/**
 * An independent statement of mask broadcasting: pad `shape` on the left to 4D, repeat size-1 leading
 * axes, and mark keys j ≥ mT as masked (the key axis is never broadcast). Returns a full [B, Hq, Sq, T] mask.
 */
function expandMask(
  data: ArrayLike<number>,
  shape: number[],
  kind: MaskKind,
  [B, H, S, T]: number[],
): Float32Array | Uint8Array {
  const s4 = [...new Array(4 - shape.length).fill(1), ...shape];
  const out = kind === 'boolean' ? new Uint8Array(B * H * S * T) : new Float32Array(B * H * S * T);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let i = 0; i < S; i++)
        for (let j = 0; j < T; j++) {
          const at = ((b * H + h) * S + i) * T + j;
          if (j >= s4[3]) {
            out[at] = kind === 'boolean' ? 0 : NEG;
            continue;
          }
          const [mb, mh, mi] = [s4[0] === 1 ? 0 : b, s4[1] === 1 ? 0 : h, s4[2] === 1 ? 0 : i];
          out[at] = data[((mb * s4[1] + mh) * s4[2] + mi) * s4[3] + j];
        }
  return out;
}

function randomMask(shape: number[], kind: MaskKind, next: () => number): Float32Array | Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  // Boolean masks keep most keys; additive masks mix ordinary values with −∞.
  if (kind === 'boolean') return Uint8Array.from({ length: n }, () => (next() < 0.7 ? 1 : 0));
  return Float32Array.from({ length: n }, () => (next() < 0.2 ? NEG : 3 * next() - 2));
}

describe('masks of every rank, boolean and additive, equal their full [B, Hq, Sq, T] expansion', () => {
  const [B, Hq, Hkv, Sq, T, D] = [2, 4, 2, 3, 5, 4];
  const full = [B, Hq, Sq, T];
  const shapes = [
    [T],
    [1],
    [3],
    [Sq, T],
    [1, T],
    [Hq, 1, T],
    [1, Sq, T],
    [B, 1, 1, T],
    [1, Hq, Sq, T],
    [B, Hq, Sq, T],
    [B, 1, Sq, 2],
    [1, 1, 1, 1],
  ];
  for (const kind of ['boolean', 'additive'] as const) {
    for (const shape of shapes) {
      it(`${kind} ${JSON.stringify(shape)}`, async () => {
        const next = rng(shape.length * 31 + shape.reduce((a, b) => a * 7 + b, 0) + (kind === 'boolean' ? 1 : 2));
        const base = {
          q: random([B, Hq, Sq, D], next),
          k: random([B, Hkv, T, D], next),
          v: random([B, Hkv, T, D], next),
        };
        const data = randomMask(shape, kind, next);
        const options: AttentionOptions = { scoresOutput: 'masked' };
        const given = await run({ ...base, mask: { data, shape, kind } }, options);
        const expanded = await run(
          { ...base, mask: { data: expandMask(data, shape, kind, full), shape: full, kind } },
          options,
        );
        expectClose(given.scores!.data, expanded.scores!.data, 0);
        expectClose(given.y.data, expanded.y.data, 0);
      });
    }
  }
});

describe('a mask shorter than T', () => {
  // q = [1], keys [1, 2, 3] → raw [1, 2, 3] (scale 1)
  const base = { q: tensor([1], [1, 1, 1, 1]), k: tensor([1, 2, 3], [1, 1, 3, 1]), v: tensor([1, 2, 3], [1, 1, 3, 1]) };

  it('boolean [1, 1] of T = 3: key 2 is masked', async () => {
    const { scores } = await run(
      { ...base, mask: { data: Uint8Array.from([1, 1]), shape: [2], kind: 'boolean' } },
      { scale: 1, scoresOutput: 'masked' },
    );
    expectClose(scores!.data, [1, 2, NEG]);
  });

  it('additive [0.5] of T = 3 is not broadcast along the keys: keys 1 and 2 are masked', async () => {
    const { scores, y } = await run(
      { ...base, mask: { data: Float32Array.from([0.5]), shape: [1, 1], kind: 'additive' } },
      { scale: 1, scoresOutput: 'masked' },
    );
    expectClose(scores!.data, [1.5, NEG, NEG]);
    expectClose(y.data, [1]);
  });
});

/** Checks the fully-masked rule on the rows listed: probabilities 0, y exactly +0 (headMask −1 must not make −0). */
async function expectFullyMasked(
  inputs: HostAttentionInputs,
  options: AttentionOptions,
  rows: number[],
): Promise<void> {
  const Hq = inputs.q.shape[1];
  const { y, scores } = await run(inputs, {
    ...options,
    headMask: new Array(Hq).fill(-1),
    scoresOutput: 'probabilities',
  });
  const [, , Sq, T] = scores!.shape;
  const Dv = y.shape[3];
  for (const value of [...y.data, ...scores!.data]) expect(Number.isNaN(value)).toBe(false);
  for (const i of rows) {
    expectZeros(scores!.data.subarray(i * T, (i + 1) * T));
    expectZeros(y.data.subarray(i * Dv, (i + 1) * Dv));
  }
  const masked = await run(inputs, { ...options, scoresOutput: 'masked' });
  for (const i of rows)
    expect(Array.from(masked.scores!.data.subarray(i * T, (i + 1) * T))).toEqual(new Array(T).fill(NEG));
  expect(Math.max(...rows)).toBeLessThan(Sq);
}

describe('fully-masked rows give probabilities 0 and y exactly 0, never NaN', () => {
  const next = rng(7);
  const q = random([1, 1, 3, 2], next);
  const k = random([1, 1, 2, 2], next);
  const v = random([1, 1, 2, 3], next);

  it('by a boolean mask', async () => {
    await expectFullyMasked(
      { q, k, v, mask: { data: Uint8Array.from([1, 1, 0, 0, 1, 0]), shape: [3, 2], kind: 'boolean' } },
      {},
      [1],
    );
  });
  it('by an additive −∞ mask', async () => {
    await expectFullyMasked(
      { q, k, v, mask: { data: Float32Array.from([NEG, NEG]), shape: [2], kind: 'additive' } },
      {},
      [0, 1, 2],
    );
  });
  it('by a mask with a key axis of 0', async () => {
    await expectFullyMasked({ q, k, v, mask: { data: new Uint8Array(0), shape: [0], kind: 'boolean' } }, {}, [0, 1, 2]);
  });
  it('by bottom-right causal with Sq > T (offset −1 hides every key from query 0)', async () => {
    await expectFullyMasked({ q, k, v }, { isCausal: true, causalAlignment: 'bottom-right' }, [0]);
  });
  it('by a window that lies past the last key', async () => {
    // { left: 0, right: 0 } top-left: query 2 may see key 2 only, and T = 2
    await expectFullyMasked({ q, k, v }, { window: { left: 0, right: 0 } }, [2]);
  });
  it('by kvValidLengths = 0', async () => {
    await expectFullyMasked({ q, k, v, kvValidLengths: Int32Array.from([0]) }, {}, [0, 1, 2]);
  });
  it('by causal and a mask together (each leaves a key, together none)', async () => {
    // causal: query 0 sees key 0 only; the mask hides key 0 from query 0
    await expectFullyMasked(
      { q, k, v, mask: { data: Uint8Array.from([0, 1]), shape: [2], kind: 'boolean' } },
      { isCausal: true },
      [0],
    );
  });
  it('by T = 0', async () => {
    const empty = { q, k: tensor([], [1, 1, 0, 2]), v: tensor([], [1, 1, 0, 3]) };
    const { y, scores } = await run(empty, { scoresOutput: 'probabilities' });
    expect(y.shape).toEqual([1, 1, 3, 3]);
    expect(scores!.shape).toEqual([1, 1, 3, 0]);
    expectZeros(y.data);
  });
});

describe('attention: a large finite additive mask is applied exactly (CONTRACT.md rule 7)', () => {
  const FLT_MAX = 3.4028234663852886e38;
  const next = rng(7);
  const q = random([2, 2, 3, 4], next);
  const k = random([2, 1, 5, 4], next);
  const v = random([2, 1, 5, 3], next);
  const constantMask = (c: number) => ({
    data: new Float32Array(3 * 5).fill(c),
    shape: [3, 5],
    kind: 'additive' as const,
  });

  for (const c of [-1e9, -FLT_MAX, 1e9]) {
    for (const options of [
      {},
      { isCausal: true },
      { alibi: true as const },
      { softcap: 0.5, window: { left: 1, right: 1 } },
    ]) {
      it(`a mask of one constant ${c} gives the unmasked result (${JSON.stringify(options)})`, async () => {
        const plain = await run({ q, k, v }, { ...options, scoresOutput: 'probabilities' });
        const masked = await run({ q, k, v, mask: constantMask(c) }, { ...options, scoresOutput: 'probabilities' });
        expectClose(masked.y.data, plain.y.data, 1e-12);
        expectClose(masked.scores!.data, plain.scores!.data, 1e-12);
      });
    }
  }

  it("'masked' scores report the mask as given, finite: −3.4e38 + s", async () => {
    const one = tensor([1], [1, 1, 1, 1]);
    const keys = tensor([0, Math.log(3)], [1, 1, 2, 1]);
    const mask = { data: Float32Array.from([-FLT_MAX, -FLT_MAX]), shape: [2], kind: 'additive' as const };
    const { y, scores } = await run(
      { q: one, k: keys, v: tensor([1, 5], [1, 1, 2, 1]), mask },
      {
        scale: 1,
        scoresOutput: 'masked',
      },
    );
    expectClose(scores!.data, [-FLT_MAX, -FLT_MAX]);
    expectClose(y.data, [4]);
  });

  it('the maximum factored out is over the keys the row can see', async () => {
    // Causal: rows 0–1 do not see key 2, whose bias 0 would otherwise swallow their −3.4e38 keys.
    const ones = tensor([1, 1, 1], [1, 1, 3, 1]);
    const keys = tensor([0, Math.log(3), 0], [1, 1, 3, 1]);
    const mask = { data: Float32Array.from([-FLT_MAX, -FLT_MAX, 0]), shape: [3], kind: 'additive' as const };
    const { y, scores } = await run(
      { q: ones, k: keys, v: tensor([1, 5, 9], [1, 1, 3, 1]), mask },
      { scale: 1, isCausal: true, scoresOutput: 'probabilities' },
    );
    expectClose(scores!.data, [1, 0, 0, 0.25, 0.75, 0, 0, 0, 1]);
    expectClose(y.data, [1, 4, 9]);
  });
});
