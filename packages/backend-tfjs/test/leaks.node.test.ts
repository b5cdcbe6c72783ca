import { mulberry32, uniform } from '@attnkit/conformance';
import { type AttentionOptions, createDevice, type DeviceTensor } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { attentionTf, createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * 1,000 attention calls cycling through every option of the contract, plus every primitive, leave the
 * number of live tf tensors exactly where it was. Shapes are tiny so the loop runs in seconds.
 */
const B = 2;
const H = 2;
const S = 3;
const D = 2;
const PATHS = ['blocked', 'batched'] as const;

const optionCycle: { options: AttentionOptions; extras?: 'mask-bool' | 'mask-add' | 'past' | 'valid' | '3d' }[] = [
  { options: {} },
  { options: { isCausal: true } },
  { options: { isCausal: true, causalAlignment: 'bottom-right' } },
  { options: { softcap: 2, scoresOutput: 'raw' } },
  { options: { softcap: 2, scoresOutput: 'softcapped' } },
  { options: { window: { left: 1, right: 0 }, scoresOutput: 'masked' } },
  { options: { alibi: true, scoresOutput: 'probabilities' } },
  { options: { headMask: [1, 0] } },
  { options: { returnPresent: true } },
  { options: {}, extras: 'mask-bool' },
  { options: { isCausal: true }, extras: 'mask-add' },
  { options: { isCausal: true }, extras: 'past' },
  { options: { isCausal: true, alibi: true }, extras: 'valid' },
  { options: { qNumHeads: H, kvNumHeads: 1 }, extras: '3d' },
];

describe.each(NODE_TFJS_BACKENDS)('no leaks on tfjs-%s', (tfjsBackend) => {
  // blockElements 6 < Hq·Sq·T = 18: query blocks of 2 rows on the blocked path, one batch entry per chunk on the batched one.
  it.each(PATHS)('1,000 attention calls with every option (%s path)', { timeout: 120_000 }, async (path) => {
    const backend = await createBackend({ tfjsBackend, blockElements: 6, path });
    const device = createDevice(backend);
    const up = (shape: number[], seed: number) =>
      device.upload(
        uniform(
          mulberry32(seed),
          shape.reduce((a, b) => a * b, 1),
        ),
        shape,
      );
    const q = up([B, H, S, D], 1);
    const k = up([B, H, S, D], 2);
    const v = up([B, H, S, D], 3);
    const q3 = up([B, S, H * D], 4);
    const kv3 = up([B, S, D], 5);
    const past = up([B, H, 2, D], 6);
    const maskBool = device.upload(Uint8Array.from([1, 0, 1, 1, 1, 0, 0, 1, 1]), [S, S]);
    const maskAdd = up([B, 1, S, 2], 7);
    const valid = device.upload(Int32Array.from([9, -2]), [B]);
    const before = tf.memory().numTensors;
    const liveBefore = device.memory().liveTensors;
    for (let call = 0; call < 1000; call++) {
      const { options, extras } = optionCycle[call % optionCycle.length];
      const inputs =
        extras === '3d'
          ? { q: q3, k: kv3, v: kv3 }
          : {
              q,
              k,
              v,
              ...(extras === 'mask-bool' && { mask: maskBool }),
              ...(extras === 'mask-add' && { mask: maskAdd }),
              ...(extras === 'past' && { pastKey: past, pastValue: past }),
              ...(extras === 'valid' && { kvValidLengths: valid }),
            };
      const outputs = device.attention(inputs, options);
      device.dispose(...(Object.values(outputs) as DeviceTensor[]));
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(device.memory().liveTensors).toBe(liveBefore);
    backend.dispose();
    expect(device.memory().liveTensors).toBe(0);
  });

  it('every primitive, 50 rounds', { timeout: 120_000 }, async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const x = device.upload(uniform(mulberry32(1), 12), [3, 4]);
    const w = device.upload(uniform(mulberry32(2), 8), [4, 2]);
    const bias = device.upload(uniform(mulberry32(3), 2), [2]);
    const gamma = device.upload(uniform(mulberry32(4), 4), [4]);
    const ids = device.upload(Int32Array.from([0, 2, 5]), [3]);
    const before = tf.memory().numTensors;
    for (let round = 0; round < 50; round++) {
      const outs: DeviceTensor[] = [
        device.matmul(x, w, { bias }),
        device.matmul(x, x, { transposeB: true }),
        device.add(x, gamma),
        device.mul(x, gamma),
        device.relu(x),
        device.gelu(x),
        device.tanh(x),
        device.scale(x, 2),
        device.softmax(x),
        device.logSoftmax(x),
        device.layerNorm(x, gamma, gamma),
        device.gather(x, ids),
        device.concat([x, x], 0),
        device.slice(x, 1, 1, 2),
        device.reshape(x, [4, 3]),
        device.argmax(x),
        ...Object.values(device.topK(x, 2)),
      ];
      device.dispose(...outs);
    }
    expect(tf.memory().numTensors).toBe(before);
    backend.dispose();
  });

  it.each(PATHS)('attentionTf and its gradient, 100 calls (%s path)', { timeout: 120_000 }, async (path) => {
    await tf.setBackend(tfjsBackend);
    const q = tf.tensor(uniform(mulberry32(1), B * H * S * D), [B, H, S, D]);
    const mask = tf.tensor(Uint8Array.from([1, 1, 0]), [S], 'bool');
    const before = tf.memory().numTensors;
    for (let call = 0; call < 100; call++) {
      const { value, grads } = tf.valueAndGrads((x: tf.Tensor, y: tf.Tensor) =>
        tf.sum(attentionTf(x, y, y, { isCausal: true, alibi: true }, { mask }, { path }).y),
      )([q, q]);
      tf.dispose([value, ...grads]);
      const g = tf.grad((x: tf.Tensor) => tf.sum(attentionTf(x, q, q, { softcap: 1 }, {}, { path }).y))(q);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, mask]);
  });
});
