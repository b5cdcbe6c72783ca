import { mulberry32, uniform } from '@attnkit/conformance';
import {
  type AttentionOptions,
  AttnkitError,
  type DeviceAttentionInputs,
  FULL_ATTENTION_CAPABILITIES,
  planAttention,
  sizeOf,
} from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { choosePath } from '../src/attention/run.js';
import { attentionTf, createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/** Which path a call takes, and that forcing one really changes how the work is done. */
function planFor([B, Hq, Sq, T, D]: number[], options: AttentionOptions = {}) {
  const shape = (S: number) => ({ shape: [B, Hq, S, D], dtype: 'float32' });
  const inputs = { q: shape(Sq), k: shape(T), v: shape(T) } as unknown as DeviceAttentionInputs;
  return planAttention(inputs, options, {
    precisions: ['float32'],
    attention: FULL_ATTENTION_CAPABILITIES,
    maxTensorElements: 2 ** 40,
  });
}

describe('choosePath', () => {
  it.each([
    { shape: [256, 4, 1, 24, 32], wasm: 'batched', cpu: 'batched', why: 'decoding rows' },
    { shape: [1, 8, 1, 4096, 64], wasm: 'batched', cpu: 'batched', why: 'one long decoding row' },
    { shape: [256, 4, 20, 20, 32], wasm: 'batched', cpu: 'batched', why: 'an encoder over short rows' },
    {
      shape: [1, 8, 128, 128, 64],
      wasm: 'blocked',
      cpu: 'batched',
      why: 'few heads with long query blocks: XNNPACK wins on wasm',
    },
    {
      shape: [8, 8, 128, 128, 64],
      wasm: 'blocked',
      cpu: 'batched',
      why: 'many heads with long query blocks: XNNPACK still wins on wasm',
    },
    { shape: [1, 8, 512, 512, 64], wasm: 'blocked', cpu: 'blocked', why: 'scores of one entry above the budget' },
  ])('$why: $wasm on wasm, $cpu on cpu', ({ shape, wasm, cpu }) => {
    const plan = planFor(shape);
    expect(choosePath(plan, {}, 'wasm')).toBe(wasm);
    expect(choosePath(plan, {}, 'cpu')).toBe(cpu);
    expect(choosePath(plan, {}, 'webgl')).toBe(cpu);
  });

  it('follows blockElements and a forced path', () => {
    const plan = planFor([256, 4, 1, 24, 32]);
    expect(choosePath(plan, { blockElements: 4 * 24 - 1 }, 'cpu')).toBe('blocked');
    expect(choosePath(plan, { blockElements: 4 * 24 }, 'cpu')).toBe('batched');
    expect(choosePath(plan, { path: 'blocked' }, 'cpu')).toBe('blocked');
    expect(choosePath(planFor([1, 8, 512, 512, 64]), { path: 'batched' }, 'wasm')).toBe('batched');
  });

  it('rejects an unknown path with INVALID_ARGUMENT', async () => {
    const error = await createBackend({ tfjsBackend: 'cpu', path: 'fast' as never }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).argument).toBe('path');
  });
});

describe.each(NODE_TFJS_BACKENDS)('kernels launched on tfjs-%s', (tfjsBackend) => {
  /** Kernels of one call with B batch entries of Hq heads each (causal, additive mask [B, 1, 1, T]). */
  async function kernelCount(B: number, path: 'batched' | 'blocked'): Promise<number> {
    const [Hq, Sq, T, D] = [3, 2, 5, 4];
    const make = (shape: number[], seed: number) => tf.tensor(uniform(mulberry32(seed), sizeOf(shape)), shape);
    const [q, k, v, mask] = [
      make([B, Hq, Sq, D], 1),
      make([B, Hq, T, D], 2),
      make([B, Hq, T, D], 3),
      make([B, 1, 1, T], 4),
    ];
    const profile = await tf.profile(() => attentionTf(q, k, v, { isCausal: true }, { mask }, { path }).y);
    tf.dispose([q, k, v, mask, profile.result as tf.Tensor]);
    return profile.kernels.length;
  }

  it('the batched path launches as many kernels for 8 batch entries as for 1; the blocked path 8× as many per head', async () => {
    await tf.setBackend(tfjsBackend);
    const batched = [await kernelCount(1, 'batched'), await kernelCount(8, 'batched')];
    const blocked = [await kernelCount(1, 'blocked'), await kernelCount(8, 'blocked')];
    expect(batched[1]).toBe(batched[0]);
    expect(blocked[1]).toBeGreaterThan(6 * blocked[0]);
    expect(blocked[1]).toBeGreaterThan(10 * batched[1]);
  });
});
