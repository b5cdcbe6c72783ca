import { attention, createReferenceBackend } from '@attnkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';

/**
 * CONTRACT.md rule 7 on every attention path: −3.4028235e38 (Hugging Face's padding) is a number, not a mask.
 * Before it, the shaders counted any value ≤ −3.4e38 as masked: a row of it came out as zeros, and its
 * 'masked' scores as −∞. The conformance hand cases check probabilities and y; this checks the scores a
 * float16 backend could not carry (the fixture rounds them to half, where −3.4e38 is −∞).
 */
const FLT_MAX = 3.4028234663852886e38;
const VARIANTS: Record<string, TuningOverrides> = {
  registers: { attention: { strategy: 'registers' } },
  shared: { attention: { strategy: 'shared' } },
  split: { attention: { strategy: 'registers', splitKeys: 2 } },
};

describe('webgpu: large finite additive masks (rule 7)', () => {
  const reference = createReferenceBackend();
  const backends: WebGpuBackend[] = [];
  afterAll(() => {
    for (const b of backends) b.dispose();
    reference.dispose();
  });
  // q = 1, keys [0, ln 3, 2, −1]; row 0 all −3.4e38, row 1 [−1e9, 0, −3.4e38, −1e9], row 2 all −1e9.
  const inputs = {
    q: { data: Float32Array.from([1, 1, 1]), shape: [1, 1, 3, 1] },
    k: { data: Float32Array.from([0, Math.log(3), 2, -1]), shape: [1, 1, 4, 1] },
    v: { data: Float32Array.from([1, 5, 9, 2]), shape: [1, 1, 4, 1] },
    mask: {
      data: Float32Array.from([
        -FLT_MAX,
        -FLT_MAX,
        -FLT_MAX,
        -FLT_MAX,
        -1e9,
        0,
        -FLT_MAX,
        -1e9,
        ...new Array(4).fill(-1e9),
      ]),
      shape: [3, 4],
      kind: 'additive' as const,
    },
  };

  for (const [variant, tuning] of Object.entries(VARIANTS)) {
    for (const scoresOutput of ['masked', 'probabilities'] as const) {
      it(`${variant}: '${scoresOutput}' scores and y match the reference`, async () => {
        const backend = await createBackend({ tuning });
        backends.push(backend);
        const options = { scale: 1, scoresOutput };
        const expected = await attention(reference, inputs, options);
        const actual = await attention(backend, inputs, options);
        const close = (a: Float32Array, e: Float32Array) => {
          for (const [i, x] of e.entries())
            expect(Math.abs(a[i] - x), `[${i}] ${a[i]} vs ${x}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(x)));
        };
        close(actual.y.data, expected.y.data);
        close(actual.scores!.data, expected.scores!.data);
        if (scoresOutput === 'masked') expect(Array.from(actual.scores!.data).every(Number.isFinite)).toBe(true);
      });
    }
  }
});
