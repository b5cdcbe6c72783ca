import { mulberry32, uniform } from '@attnkit/conformance';
import { type AttentionOptions, sizeOf } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import {
  type AttentionTfExtras,
  attentionTf,
  gatherTf,
  geluTf,
  layerNormTf,
  logSoftmaxTf,
  matMul2d,
  matMulTf,
  softmaxTf,
} from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * tf.grad through attention and the primitives, checked against central finite differences of the loss
 * L = Σ f(x)·w (w fixed and random) at every input coordinate. float32 forward passes: step 1e-2,
 * tolerance 1e-2·(1 + |g|), far below the size of a wrong gradient.
 */
const STEP = 1e-2;

function randomTensor(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.tensor(uniform(mulberry32(seed), sizeOf(shape), -scale, scale), shape);
}

/** Worst |analytic − numeric| / (1 + |numeric|) over every coordinate of every input. */
function gradientError(f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]): number {
  const probe = tf.tidy(() => f(...xs));
  const weights = randomTensor(probe.shape, 7);
  probe.dispose();
  const loss = (...args: tf.Tensor[]) => tf.sum(tf.mul(f(...args), weights));
  const analytic = tf.grads(loss)(xs);
  let worst = 0;
  xs.forEach((x, n) => {
    const base = x.dataSync().slice();
    const grad = analytic[n].dataSync();
    for (let i = 0; i < base.length; i++) {
      const at = (delta: number) =>
        tf.tidy(() => {
          const moved = base.slice();
          moved[i] += delta;
          const args = xs.map((other, m) => (m === n ? tf.tensor(moved, x.shape) : other));
          return loss(...args).dataSync()[0];
        });
      const numeric = (at(STEP) - at(-STEP)) / (2 * STEP);
      worst = Math.max(worst, Math.abs(grad[i] - numeric) / (1 + Math.abs(numeric)));
    }
  });
  tf.dispose([weights, ...analytic]);
  return worst;
}

interface AttentionGradCase {
  name: string;
  q: number[];
  kv: number[];
  options?: AttentionOptions;
  extras?: () => AttentionTfExtras;
  blockElements?: number;
}

const attentionCases: AttentionGradCase[] = [
  { name: 'plain', q: [1, 2, 3, 4], kv: [1, 2, 5, 4] },
  {
    name: 'causal, softcap, alibi, in query blocks',
    q: [1, 2, 4, 3],
    kv: [1, 2, 4, 3],
    options: { isCausal: true, softcap: 1.5, alibi: true },
    blockElements: 8,
  },
  {
    name: 'GQA with a window and a head mask',
    q: [1, 4, 3, 2],
    kv: [1, 2, 4, 2],
    options: { window: { left: 1, right: 1 }, headMask: [1, 0.5, 0, 2] },
  },
  {
    name: 'additive and boolean-masked rows (fully masked row included)',
    q: [1, 1, 3, 3],
    kv: [1, 1, 4, 3],
    extras: () => ({ mask: tf.tensor([1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1], [3, 4], 'bool') }),
  },
  { name: '3D layout', q: [2, 3, 4], kv: [2, 4, 2], options: { qNumHeads: 2, kvNumHeads: 1 } },
  {
    name: 'decoding rows: GQA, valid lengths (one empty), additive mask per entry, in batch chunks',
    q: [3, 4, 1, 2],
    kv: [3, 2, 4, 2],
    options: { isCausal: true, causalAlignment: 'bottom-right', alibi: true, softcap: 2 },
    extras: () => ({
      kvValidLengths: tf.tensor([4, 0, 2], [3], 'int32'),
      mask: tf.tensor([0, -1, 0.5, 0, 0, 0, -2, 0, 1, 0, 0, 0], [3, 1, 1, 4]),
    }),
    blockElements: 16,
  },
];

const paths = ['blocked', 'batched'] as const;

describe.each(NODE_TFJS_BACKENDS)('gradients on tfjs-%s', (tfjsBackend) => {
  it.each(paths.flatMap((path) => attentionCases.map((c) => ({ ...c, path }))))(
    'attention ($path path): $name',
    async (c) => {
      await tf.setBackend(tfjsBackend);
      const extras = c.extras?.() ?? {};
      const xs = [randomTensor(c.q, 1), randomTensor(c.kv, 2), randomTensor(c.kv, 3)];
      const error = gradientError(
        (q, k, v) => attentionTf(q, k, v, c.options, extras, { blockElements: c.blockElements, path: c.path }).y,
        xs,
      );
      expect(error).toBeLessThan(1e-2);
      tf.dispose([...xs, ...Object.values(extras)]);
    },
  );

  it.each(paths)('attention (%s path): through a past cache and into the present key/value', async (path) => {
    await tf.setBackend(tfjsBackend);
    const xs = [
      randomTensor([2, 1, 2, 3], 1),
      randomTensor([2, 1, 2, 3], 2),
      randomTensor([2, 1, 2, 3], 3),
      randomTensor([2, 1, 3, 3], 4),
      randomTensor([2, 1, 3, 3], 5),
    ];
    const error = gradientError((q, k, v, pastKey, pastValue) => {
      const out = attentionTf(q, k, v, { isCausal: true }, { pastKey, pastValue }, { path });
      return tf.concat([
        tf.reshape(out.y, [-1]),
        tf.reshape(out.presentKey!, [-1]),
        tf.reshape(out.presentValue!, [-1]),
      ]);
    }, xs);
    expect(error).toBeLessThan(1e-2);
    tf.dispose(xs);
  });

  const primitives: [string, number[][], (...xs: tf.Tensor[]) => tf.Tensor][] = [
    [
      'matMul2d',
      [
        [3, 4],
        [4, 2],
      ],
      (a, b) => matMul2d(a as tf.Tensor2D, b as tf.Tensor2D),
    ],
    [
      'matMulTf with transposes and bias',
      [[2, 4, 3], [2, 4], [2]],
      (a, b, bias) => matMulTf(a, b, { transposeA: true, transposeB: true, bias }),
    ],
    ['geluTf', [[2, 5]], (x) => geluTf(tf.mul(x, 3))],
    ['softmaxTf', [[3, 4]], (x) => softmaxTf(tf.mul(x, 3))],
    ['logSoftmaxTf', [[3, 4]], (x) => logSoftmaxTf(tf.mul(x, 3))],
    ['layerNormTf', [[3, 5], [5], [5]], (x, g, b) => layerNormTf(x, g, b)],
    ['gatherTf (table)', [[5, 3]], (table) => gatherTf(table, tf.tensor([4, 0, 4, 2, 7], [5], 'int32'))],
  ];
  it.each(primitives)('%s', async (_name, shapes, f) => {
    await tf.setBackend(tfjsBackend);
    const xs = shapes.map((s, i) => randomTensor(s, 10 + i));
    expect(gradientError(f, xs)).toBeLessThan(1e-2);
    tf.dispose(xs);
  });
});
