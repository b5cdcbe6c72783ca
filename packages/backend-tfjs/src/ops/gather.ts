import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/**
 * Embedding lookup: table [V, E], int32 ids of any shape → [...ids, E]. Ids outside [0, V) give zero
 * rows (checked on the device, no read-back).
 *
 * The gradient with respect to the table is a scatter-add. tfjs builds it from UnsortedSegmentSum, which
 * tfjs-wasm lacks; where that kernel is missing the scatter-add runs on the host over dy's values. Not a
 * one-hot product oneHot(ids)ᵀ · dy: that needs [N, V] floats, hundreds of megabytes per batch for a
 * 10k-word vocabulary, where the host loop touches N·E values. Ids get no gradient.
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
      return [scatterAddOnHost(d, savedIds, V), tf.zerosLike(savedIds)];
    },
  };
}) as (table: tf.Tensor2D, ids: tf.Tensor1D) => tf.Tensor2D;

/** Ids clamped to [0, V − 1]. Not clipByValue: tfjs-wasm 4.22 ignores its upper bound on int32 tensors. */
function clampIds(ids: tf.Tensor1D, V: number): tf.Tensor1D {
  return tf.maximum(tf.minimum(ids, tf.scalar(V - 1, 'int32')), tf.scalar(0, 'int32'));
}

/** [V, E] with row v = Σ of dy's rows whose id is v (ids outside [0, V) dropped). */
function scatterAddOnHost(dy: tf.Tensor2D, ids: tf.Tensor1D, V: number): tf.Tensor2D {
  const E = dy.shape[1];
  const rows = dy.dataSync() as Float32Array;
  const at = ids.dataSync() as Int32Array;
  const grad = new Float32Array(V * E);
  for (let i = 0; i < at.length; i++) {
    const id = at[i];
    if (id < 0 || id >= V) continue;
    const to = id * E;
    const from = i * E;
    for (let j = 0; j < E; j++) grad[to + j] += rows[from + j];
  }
  return tf.tensor2d(grad, [V, E]);
}
