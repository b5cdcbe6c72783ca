import { describe, expect, it } from 'vitest';
import { type AttentionOptions, defaultAlibiSlopes, type HostAttentionInputs, type MaskKind } from '../src/index.js';
import { expectClose, random, rng, run, to3d } from './helpers.js';
import { naiveAttention } from './naive-attention.js';

/**
 * Random calls that combine every option (sizes including 0, GQA, caches, valid lengths, masks of every
 * rank, both alignments, windows, ALiBi, head masks, softcap, 3D layouts, every scores mode), checked
 * against the naive statement in naive-attention.ts. Two independent readings of CONTRACT.md must agree.
 */
const CALLS = 160;

function pickOne<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function randomCall(seed: number): {
  inputs: HostAttentionInputs;
  options: AttentionOptions;
  slopes: Float32Array | null;
  layout3d: boolean;
} {
  const next = rng(seed);
  const B = pickOne(next, [1, 2]);
  const Hkv = pickOne(next, [1, 2]);
  const Hq = Hkv * pickOne(next, [1, 3]);
  const Sq = pickOne(next, [0, 1, 2, 3, 4]);
  const Skv = pickOne(next, [0, 1, 3, 5]);
  const D = pickOne(next, [1, 3, 4]);
  const Dv = pickOne(next, [1, 2, 4]);
  const useValidLengths = next() < 0.25;
  const P = useValidLengths ? 0 : pickOne(next, [0, 0, 2, 3]);
  const T = P + Skv;
  let inputs: HostAttentionInputs = {
    q: random([B, Hq, Sq, D], next),
    k: random([B, Hkv, Skv, D], next),
    v: random([B, Hkv, Skv, Dv], next),
  };
  if (P > 0 || (!useValidLengths && next() < 0.1))
    inputs = { ...inputs, pastKey: random([B, Hkv, P, D], next), pastValue: random([B, Hkv, P, Dv], next) };
  if (useValidLengths)
    inputs = { ...inputs, kvValidLengths: Int32Array.from({ length: B }, () => Math.floor(next() * (T + 1))) };
  if (next() < 0.5) {
    const kind: MaskKind = next() < 0.5 ? 'boolean' : 'additive';
    const rank = pickOne(next, [1, 2, 3, 4]);
    const full = [B, Hq, Sq, T];
    const shape = full
      .slice(4 - rank)
      .map((d, axis) => (axis === rank - 1 ? (next() < 0.2 ? Math.floor(next() * (T + 1)) : d) : next() < 0.5 ? 1 : d));
    const n = shape.reduce((a, b) => a * b, 1);
    inputs =
      kind === 'boolean'
        ? { ...inputs, mask: { data: Uint8Array.from({ length: n }, () => (next() < 0.75 ? 1 : 0)), shape, kind } }
        : {
            ...inputs,
            mask: {
              data: Float32Array.from({ length: n }, () => (next() < 0.15 ? Number.NEGATIVE_INFINITY : 4 * next() - 2)),
              shape,
              kind,
            },
          };
  }
  const options: { -readonly [K in keyof AttentionOptions]: AttentionOptions[K] } = {};
  if (next() < 0.5) options.isCausal = true;
  if (next() < 0.4) options.causalAlignment = pickOne(next, ['top-left', 'bottom-right'] as const);
  if (next() < 0.3) options.scale = 2 * next() - 0.5;
  if (next() < 0.3) options.softcap = pickOne(next, [0, 0.5, 2, 30]);
  if (next() < 0.3)
    options.window = pickOne(next, [{ left: 1, right: 0 }, { left: 0 }, { right: 2 }, { left: 2, right: 1 }]);
  let slopes: Float32Array | null = null;
  if (next() < 0.3) {
    if (next() < 0.5) {
      options.alibi = true;
      slopes = defaultAlibiSlopes(Hq);
    } else {
      slopes = Float32Array.from({ length: Hq }, () => next());
      options.alibi = { slopes };
    }
  }
  if (next() < 0.25) options.headMask = Array.from({ length: Hq }, () => pickOne(next, [0, 1, -0.5, 2]));
  options.scoresOutput = pickOne(next, ['none', 'raw', 'softcapped', 'masked', 'probabilities'] as const);
  return { inputs, options, slopes, layout3d: next() < 0.3 };
}

describe('the reference agrees with a naive statement of the contract on random calls', () => {
  for (let seed = 1; seed <= CALLS; seed++) {
    it(`call ${seed}`, async () => {
      const { inputs, options, slopes, layout3d } = randomCall(seed);
      const expected = naiveAttention(inputs, options, slopes);
      const [, Hq] = inputs.q.shape;
      const Hkv = inputs.k.shape[1];
      const given = layout3d
        ? await run(
            { ...inputs, q: to3d(inputs.q), k: to3d(inputs.k), v: to3d(inputs.v) },
            { ...options, qNumHeads: Hq, kvNumHeads: Hkv },
          )
        : await run(inputs, options);
      const y4 = layout3d
        ? from3d(given.y.data, inputs.q.shape[0], inputs.q.shape[2], Hq, inputs.v.shape[3])
        : given.y.data;
      expectClose(y4, expected.y, 1e-5);
      if (expected.scores) expectClose(given.scores!.data, expected.scores, 1e-5);
      else expect(given.scores).toBeUndefined();
    });
  }
});

/** [B, S, H·W] → [B, H, S, W]. */
function from3d(data: Float32Array, B: number, S: number, H: number, W: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++)
      for (let s = 0; s < S; s++)
        for (let w = 0; w < W; w++) out[((b * H + h) * S + s) * W + w] = data[((b * S + s) * H + h) * W + w];
  return out;
}
