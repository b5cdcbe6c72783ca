import { describe, expect, it } from 'vitest';
import { attention, createReferenceBackend, type HostTensor } from '../src/index.js';
import { concatAxis2, expectClose, random, rng, run, sliceAxis2 } from './helpers.js';

/** Properties of attention on seeded random data; each holds for every seed. Shapes are [B, H, S, D]. */
const SEEDS = [1, 2, 3, 4, 5];

/** Keeps the listed positions of axis 2. */
function pick(x: HostTensor, keep: number[]): HostTensor {
  const [B, H, S, W] = x.shape;
  const out = new Float32Array(B * H * keep.length * W);
  for (let bh = 0; bh < B * H; bh++) {
    keep.forEach((s, n) => {
      out.set(x.data.subarray((bh * S + s) * W, (bh * S + s + 1) * W), (bh * keep.length + n) * W);
    });
  }
  return { data: out, shape: [B, H, keep.length, W] };
}

/** Repeats each kv head `group` times along axis 1: head h of the result is head ⌊h / group⌋. */
function repeatHeads(x: HostTensor, group: number): HostTensor {
  const [B, H, S, W] = x.shape;
  const block = S * W;
  const out = new Float32Array(x.data.length * group);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H * group; h++)
      out.set(
        x.data.subarray((b * H + Math.floor(h / group)) * block, (b * H + Math.floor(h / group) + 1) * block),
        (b * H * group + h) * block,
      );
  return { data: out, shape: [B, H * group, S, W] };
}

describe('properties', () => {
  for (const seed of SEEDS) {
    describe(`seed ${seed}`, () => {
      const next = rng(seed);
      const [B, Hq, Hkv, Sq, T, D, Dv] = [2, 6, 2, 3, 7, 4, 5];
      const q = random([B, Hq, Sq, D], next);
      const k = random([B, Hkv, T, D], next);
      const v = random([B, Hkv, T, Dv], next);
      const removed = Math.floor(next() * T);
      const kept = Array.from({ length: T }, (_, j) => j).filter((j) => j !== removed);

      it('masking a key equals removing it (boolean and additive −∞)', async () => {
        const without = await run({ q, k: pick(k, kept), v: pick(v, kept) });
        const keep = Float32Array.from({ length: T }, (_, j) => (j === removed ? 0 : 1));
        const boolean = await run({ q, k, v, mask: { data: Uint8Array.from(keep), shape: [T], kind: 'boolean' } });
        const additive = await run({
          q,
          k,
          v,
          mask: { data: keep.map((x) => (x ? 0 : Number.NEGATIVE_INFINITY)), shape: [1, 1, 1, T], kind: 'additive' },
        });
        expectClose(boolean.y.data, without.y.data, 1e-6);
        expectClose(additive.y.data, without.y.data, 1e-6);
      });

      it('GQA equals multi-head attention with the kv heads repeated', async () => {
        const group = Hq / Hkv;
        const options = {
          isCausal: true,
          causalAlignment: 'bottom-right' as const,
          scoresOutput: 'probabilities' as const,
        };
        const grouped = await run({ q, k, v }, options);
        const repeated = await run({ q, k: repeatHeads(k, group), v: repeatHeads(v, group) }, options);
        expectClose(grouped.y.data, repeated.y.data, 0);
        expectClose(grouped.scores!.data, repeated.scores!.data, 0);
        // MQA: one kv head shared by all
        const k1 = sliceHead(k);
        const v1 = sliceHead(v);
        const mqa = await run({ q, k: k1, v: v1 });
        const mqaRepeated = await run({ q, k: repeatHeads(k1, Hq), v: repeatHeads(v1, Hq) });
        expectClose(mqa.y.data, mqaRepeated.y.data, 0);
      });

      it('a cached decode step equals the last row of the full causal recompute', async () => {
        // Full: Sq = T queries over T keys, causal. Step: the last query, past = first T − 1 keys, 1 new key.
        const qFull = random([B, Hq, T, D], next);
        const full = await run({ q: qFull, k, v }, { isCausal: true });
        const step = await run(
          {
            q: sliceAxis2(qFull, T - 1, 1),
            k: sliceAxis2(k, T - 1, 1),
            v: sliceAxis2(v, T - 1, 1),
            pastKey: sliceAxis2(k, 0, T - 1),
            pastValue: sliceAxis2(v, 0, T - 1),
          },
          { isCausal: true },
        );
        expectClose(step.y.data, sliceAxis2(full.y, T - 1, 1).data, 1e-6);
        expectClose(step.presentKey!.data, concatAxis2(sliceAxis2(k, 0, T - 1), sliceAxis2(k, T - 1, 1)).data, 0);
        expectClose(step.presentValue!.data, v.data, 0);
        // A prefill of several tokens after a cache equals the corresponding rows too.
        const chunk = await run(
          {
            q: sliceAxis2(qFull, 4, 3),
            k: sliceAxis2(k, 4, 3),
            v: sliceAxis2(v, 4, 3),
            pastKey: sliceAxis2(k, 0, 4),
            pastValue: sliceAxis2(v, 0, 4),
          },
          { isCausal: true },
        );
        expectClose(chunk.y.data, sliceAxis2(full.y, 4, 3).data, 1e-6);
      });

      it('permuting keys and values together leaves y unchanged (no causal)', async () => {
        const order = Array.from({ length: T }, (_, j) => j).sort(() => next() - 0.5);
        const options = { softcap: 3, headMask: Array.from({ length: Hq }, () => next()) };
        const straight = await run({ q, k, v }, options);
        const permuted = await run({ q, k: pick(k, order), v: pick(v, order) }, options);
        expectClose(permuted.y.data, straight.y.data, 1e-6);
      });

      it('probability rows sum to 1, or are all 0 when fully masked', async () => {
        // A random boolean mask with some rows fully masked, plus causal, window, ALiBi and softcap.
        const mask = {
          data: Uint8Array.from({ length: B * Sq * T }, () => (next() < 0.6 ? 1 : 0)),
          shape: [B, 1, Sq, T],
          kind: 'boolean' as const,
        };
        mask.data.fill(0, 0, T); // batch 0, query 0: fully masked
        const { scores } = await run(
          { q, k, v, mask },
          {
            isCausal: true,
            causalAlignment: 'bottom-right',
            window: { left: 4 },
            alibi: true,
            softcap: 5,
            scoresOutput: 'probabilities',
          },
        );
        let empty = 0;
        for (let row = 0; row < B * Hq * Sq; row++) {
          const p = scores!.data.subarray(row * T, (row + 1) * T);
          const sum = p.reduce((a, b) => a + b, 0);
          for (const x of p) expect(x >= 0 && x <= 1).toBe(true);
          if (sum === 0) empty++;
          else expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
        }
        expect(empty).toBeGreaterThanOrEqual(Hq);
      });
    });
  }

  it('results do not depend on the backend instance or on earlier calls', async () => {
    const next = rng(11);
    const inputs = { q: random([1, 2, 3, 4], next), k: random([1, 2, 5, 4], next), v: random([1, 2, 5, 4], next) };
    const a = await run(inputs, { isCausal: true });
    const b = await attention(createReferenceBackend(), inputs, { isCausal: true });
    expectClose(b.y.data, a.y.data, 0);
    expectClose((await run(inputs, { isCausal: true })).y.data, a.y.data, 0);
  });
});

/** Kv head 0 only: [B, H, S, W] → [B, 1, S, W]. */
function sliceHead(x: HostTensor): HostTensor {
  const [B, H, S, W] = x.shape;
  const out = new Float32Array(B * S * W);
  for (let b = 0; b < B; b++) out.set(x.data.subarray(b * H * S * W, (b * H + 1) * S * W), b * S * W);
  return { data: out, shape: [B, 1, S, W] };
}
