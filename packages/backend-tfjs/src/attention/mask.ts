import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { sliceTf } from '../ops/slice.js';
import type { KeyRange } from './positions.js';

/**
 * The user's mask as one additive float tensor [mB, mH, mSq, T] with −∞ where masked: a boolean mask
 * becomes 0 / −∞, and a mask shorter than T is padded with −∞ (keys j ≥ mT are masked; the key axis is
 * never broadcast). Leading axes keep their size 1 and are indexed with stride 0 by `maskRows`.
 */
export function additiveMask(mask: tf.Tensor, plan: AttentionPlan): tf.Tensor4D {
  const maskPlan = plan.mask!;
  const [mB, mH, mSq, mT] = maskPlan.shape4;
  const shaped = tf.reshape(mask, [mB, mH, mSq, mT]) as tf.Tensor4D;
  let additive: tf.Tensor4D =
    maskPlan.kind === 'boolean'
      ? tf.where(tf.cast(shaped, 'bool'), tf.zeros(shaped.shape), tf.fill(shaped.shape, Number.NEGATIVE_INFINITY))
      : shaped;
  if (mT < plan.T) additive = tf.concat([additive, tf.fill([mB, mH, mSq, plan.T - mT], Number.NEGATIVE_INFINITY)], 3);
  return additive;
}

/**
 * Rows [r0, r0 + rows) and the key range of head h, batch b: [rows, width], or [1, width] when the mask
 * broadcasts over queries.
 */
export function maskRows(
  additive: tf.Tensor4D,
  b: number,
  h: number,
  r0: number,
  rows: number,
  keys: KeyRange,
): tf.Tensor2D {
  const [mB, mH, mSq] = additive.shape;
  const width = keys.end - keys.start;
  const begin = [mB > 1 ? b : 0, mH > 1 ? h : 0, mSq > 1 ? r0 : 0, keys.start];
  const size = [1, 1, mSq > 1 ? rows : 1, width];
  return tf.reshape(sliceTf(additive, begin, size), [size[2], width]);
}
