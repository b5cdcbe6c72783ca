import { logSoftmaxTf, tfTensorOf } from '@attnkit/backend-tfjs';
import type { DeviceTensor } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import type { TrainedModel } from './model.js';

/**
 * Mean token cross-entropy with label smoothing ε over the rows where weight > 0:
 *   loss_i = −(1 − ε)·log p_i[target_i] − ε·mean_v log p_i[v]
 * logits [N, V], targets and weights host arrays of length N.
 */
export function crossEntropy(
  logits: tf.Tensor,
  targets: Int32Array,
  weights: Float32Array,
  smoothing: number,
): tf.Scalar {
  const [N, V] = logits.shape;
  const dist = new Float32Array(N * V);
  let total = 0;
  for (let i = 0; i < N; i++) {
    if (weights[i] === 0) continue;
    total += weights[i];
    for (let v = 0; v < V; v++) dist[i * V + v] = (weights[i] * smoothing) / V;
    dist[i * V + targets[i]] += weights[i] * (1 - smoothing);
  }
  const logp = logSoftmaxTf(logits);
  return tf.div(tf.neg(tf.sum(tf.mul(logp, tf.tensor2d(dist, [N, V])))), Math.max(total, 1)) as tf.Scalar;
}

/**
 * The cross-entropy of a model's device logits, flattened to [N, V] rows. The device tensor is released
 * once the loss is built: tfjs keeps what the gradients need.
 */
export function deviceCrossEntropy(
  model: TrainedModel,
  logits: DeviceTensor<'float32'>,
  targets: Int32Array,
  weights: Float32Array,
  smoothing: number,
): tf.Scalar {
  try {
    const V = logits.shape[logits.shape.length - 1];
    return tf.tidy(() => crossEntropy(tf.reshape(tfTensorOf(logits), [-1, V]), targets, weights, smoothing));
  } finally {
    model.device.dispose(logits);
  }
}
