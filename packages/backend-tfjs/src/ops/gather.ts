import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/**
 * Embedding lookup: table [V, E], int32 ids of any shape → [...ids, E]. Ids outside [0, V) give zero
 * rows (checked on the device, no read-back).
 *
 * The gradient with respect to the table is a scatter-add. tfjs builds it from UnsortedSegmentSum, which
 * tfjs-wasm lacks; where that kernel is missing the scatter is a one-hot matMul, oneHot(ids)ᵀ · dy,
 * written as a plain 2-D matMul so XNNPACK runs it. Ids get no gradient.
 */
export function gatherTf(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  ensureGradients();
  const [V, E] = table.shape;
  const outShape = [...ids.shape, E];
  if (ids.size === 0 || V === 0) return tf.zeros(outShape);
  return tf.tidy(() => tf.reshape(gatherRows(table as tf.Tensor2D, tf.reshape(ids, [-1]) as tf.Tensor1D), outShape));
}

const gatherRows: (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D = tf.customGrad((table, ids, save) => {
  const t = table as tf.Tensor2D;
  const flatIds = ids as tf.Tensor1D;
  const V = t.shape[0];
  (save as tf.GradSaveFunc)([flatIds]);
  const value = tf.tidy(() => {
    const inRange = tf.logicalAnd(tf.greaterEqual(flatIds, 0), tf.less(flatIds, V));
    const rows = tf.gather(t, clampIds(flatIds, V));
    return tf.mul(rows, tf.expandDims(tf.cast(inRange, 'float32'), 1));
  });
  return {
    value: value as tf.Tensor2D,
    gradFunc: (dy, saved) => {
      const [savedIds] = saved as tf.Tensor1D[];
      const d = dy as tf.Tensor2D;
      if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) {
        const inRange = tf.cast(tf.logicalAnd(tf.greaterEqual(savedIds, 0), tf.less(savedIds, V)), 'float32');
        const masked = tf.mul(d, tf.expandDims(inRange, 1));
        return [tf.unsortedSegmentSum(masked, clampIds(savedIds, V), V), tf.zerosLike(savedIds)];
      }
      const oneHotT = tf.transpose(tf.cast(tf.oneHot(savedIds, V), 'float32')) as tf.Tensor2D;
      return [tf.matMul(oneHotT, d), tf.zerosLike(savedIds)];
    },
  };
}) as (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;

/** Ids clamped to [0, V − 1]. Not clipByValue: tfjs-wasm 4.22 ignores its upper bound on int32 tensors. */
function clampIds(ids: tf.Tensor1D, V: number): tf.Tensor1D {
  return tf.maximum(tf.minimum(ids, tf.scalar(V - 1, 'int32')), tf.scalar(0, 'int32'));
}
