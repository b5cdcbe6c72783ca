import { mulberry32, uniform } from '@attnkit/conformance';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { attentionTf } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * Long rows run in query blocks: the peak of live tensor bytes during one call stays below a single
 * head's full [Sq, T] score matrix, which a direct composition needs for every head at once.
 */
const B = 1;
const H = 2;
const S = 1024;
const D = 8;
const BLOCK = 1 << 14;

describe.each(NODE_TFJS_BACKENDS)('bounded memory on tfjs-%s', (tfjsBackend) => {
  it.each([{}, { isCausal: true }, { alibi: true, window: { left: 64, right: 0 } }])(
    'peak below one [Sq, T] matrix with %j',
    { timeout: 120_000 },
    async (options) => {
      await tf.setBackend(tfjsBackend);
      const x = tf.tensor(uniform(mulberry32(1), B * H * S * D), [B, H, S, D]);
      const before = tf.memory().numBytes;
      const profile = await tf.profile(() => {
        const { y } = attentionTf(x, x, x, options, {}, { blockElements: BLOCK });
        return y;
      });
      const extraPeak = profile.peakBytes - before;
      const oneScoreMatrix = S * S * 4;
      const inputBytes = B * H * S * D * 4;
      // Outputs plus a few [R, T] block intermediates (R·T ≤ BLOCK), far below S·T.
      if (process.env.ATTNKIT_VERBOSE)
        console.info(tfjsBackend, JSON.stringify(options), { extraPeak, oneScoreMatrix });
      expect(extraPeak).toBeLessThan(oneScoreMatrix / 2);
      expect(extraPeak).toBeLessThan(16 * inputBytes + 8 * BLOCK * 4);
      tf.dispose(profile.result as tf.Tensor);
      x.dispose();
    },
  );
});

/** Many short rows on the batched path: chunks of batch entries keep the peak below the whole score tensor. */
describe.each(NODE_TFJS_BACKENDS)('bounded memory of the batched path on tfjs-%s', (tfjsBackend) => {
  const rows = 64;
  const length = 64;
  const chunkBudget = H * length * length * 2;
  it.each([{}, { isCausal: true, alibi: true }])('batch chunks with %j', { timeout: 120_000 }, async (options) => {
    await tf.setBackend(tfjsBackend);
    const x = tf.tensor(uniform(mulberry32(2), rows * H * length * D), [rows, H, length, D]);
    const before = tf.memory().numBytes;
    const profile = await tf.profile(
      () => attentionTf(x, x, x, options, {}, { blockElements: chunkBudget, path: 'batched' }).y,
    );
    const extraPeak = profile.peakBytes - before;
    const allScores = rows * H * length * length * 4;
    const inputBytes = rows * H * length * D * 4;
    if (process.env.ATTNKIT_VERBOSE) console.info(tfjsBackend, JSON.stringify(options), { extraPeak, allScores });
    // Scaled q, the outputs and their concatenation (each the size of an input), plus a few chunk intermediates.
    expect(extraPeak).toBeLessThan(allScores);
    expect(extraPeak).toBeLessThan(4 * inputBytes + 8 * chunkBudget * 4);
    tf.dispose(profile.result as tf.Tensor);
    x.dispose();
  });
});
