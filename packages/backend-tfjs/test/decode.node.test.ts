import { mulberry32, uniform } from '@attnkit/conformance';
import { type AttentionOptions, sizeOf } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { attentionTf } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * A decoding step (one query after a past cache) launches no more kernels than the naive composition
 * concat → matMul → softmax → matMul (issue 26): no position bias where no key is masked, no fully-masked-row
 * machinery where no row can be, no reshapes around the products without GQA.
 */
const DECODE_KERNELS = ['Concat', 'Concat', 'Multiply', 'BatchMatMul', 'Softmax', 'BatchMatMul'];

describe.each(NODE_TFJS_BACKENDS)('a decoding step on tfjs-%s', (tfjsBackend) => {
  async function kernelsOf(options: AttentionOptions, [Hq, Hkv] = [2, 2]): Promise<string[]> {
    await tf.setBackend(tfjsBackend);
    const make = (shape: number[], seed: number) => tf.tensor(uniform(mulberry32(seed), sizeOf(shape)), shape);
    const [q, k, v] = [make([1, Hq, 1, 4], 1), make([1, Hkv, 1, 4], 2), make([1, Hkv, 1, 4], 3)];
    const [pastKey, pastValue] = [make([1, Hkv, 5, 4], 4), make([1, Hkv, 5, 4], 5)];
    const profile = await tf.profile(() => {
      const out = attentionTf(q, k, v, options, { pastKey, pastValue });
      return [out.y, out.presentKey!, out.presentValue!];
    });
    tf.dispose([q, k, v, pastKey, pastValue, ...(profile.result as tf.Tensor[])]);
    return profile.kernels.map((kernel) => kernel.name);
  }

  it.each([
    { name: 'no mask', options: {} },
    { name: 'causal (top-left: the query sees the whole cache)', options: { isCausal: true } },
    { name: 'causal, bottom-right', options: { isCausal: true, causalAlignment: 'bottom-right' as const } },
    { name: 'a window wider than the cache', options: { isCausal: true, window: { left: 8, right: 0 } } },
  ])('$name: the kernels of the naive composition', async ({ options }) => {
    expect(await kernelsOf(options)).toEqual(DECODE_KERNELS);
  });

  it('GQA adds only the reshapes that view query groups as rows', async () => {
    const kernels = await kernelsOf({ isCausal: true }, [4, 2]);
    expect(kernels.filter((name) => name !== 'Reshape')).toEqual(DECODE_KERNELS);
  });

  it('a sliding window that hides part of the cache builds a bias, but no fully-masked-row gain', async () => {
    const kernels = await kernelsOf({ isCausal: true, window: { left: 2, right: 0 } });
    expect(kernels).toContain('Select');
    expect(kernels).not.toContain('Any');
    expect(kernels.filter((name) => name === 'BatchMatMul')).toHaveLength(2);
  });
});
