import { mulberry32, uniform } from '@attnkit/conformance';
import { sizeOf } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sliceTf } from '../src/ops/slice.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/** sliceTf is tf.slice, values and gradient, on every block shape; on wasm it reads back only the block. */
const SHAPE = [2, 3, 4, 5];
const blocks: { name: string; begin: number[]; size: number[] }[] = [
  { name: 'one head (contiguous)', begin: [1, 2, 0, 0], size: [1, 1, 4, 5] },
  { name: 'query rows of one head (contiguous)', begin: [0, 1, 1, 0], size: [1, 1, 2, 5] },
  { name: 'batch rows with -1 sizes (contiguous)', begin: [1, 0, 0, 0], size: [1, -1, -1, -1] },
  { name: 'a key range of every head (strided)', begin: [0, 0, 1, 0], size: [2, 3, 2, 5] },
  { name: 'columns (strided)', begin: [0, 0, 0, 1], size: [1, 1, 4, 3] },
  { name: 'the whole tensor', begin: [0, 0, 0, 0], size: SHAPE },
  { name: 'an empty block', begin: [1, 1, 1, 0], size: [1, 1, 0, 5] },
];

describe.each(NODE_TFJS_BACKENDS)('sliceTf on tfjs-%s', (tfjsBackend) => {
  afterEach(() => vi.restoreAllMocks());

  it.each(blocks)('$name: the values and gradient of tf.slice', async ({ begin, size }) => {
    await tf.setBackend(tfjsBackend);
    const x = tf.tensor(uniform(mulberry32(1), sizeOf(SHAPE)), SHAPE);
    const expected = tf.slice(x, begin, size);
    const actual = sliceTf(x, begin, size);
    expect(actual.shape).toEqual(expected.shape);
    expect(Array.from(actual.dataSync())).toEqual(Array.from(expected.dataSync()));
    const weights = tf.tensor(uniform(mulberry32(2), expected.size), expected.shape);
    const grad = (slice: typeof tf.slice) =>
      tf.grad((t: tf.Tensor) => tf.sum(tf.mul(slice(t, begin, size), weights)))(x);
    const [gActual, gExpected] = [grad(sliceTf as typeof tf.slice), grad(tf.slice)];
    expect(Array.from(gActual.dataSync())).toEqual(Array.from(gExpected.dataSync()));
    tf.dispose([x, expected, actual, weights, gActual, gExpected]);
  });

  it.runIf(tfjsBackend === 'wasm')('reads back the block alone, not the whole input', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(uniform(mulberry32(3), sizeOf(SHAPE)), SHAPE);
    const readSync = vi.spyOn(tf.backend(), 'readSync');
    const head = sliceTf(x, [1, 2, 0, 0], [1, 1, 4, 5]);
    const flatStart = (1 * 3 + 2) * 4 * 5;
    expect(readSync.mock.calls).toEqual([[x.dataId, flatStart, flatStart + 20]]);
    tf.dispose([x, head]);
  });
});
