import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/** Layer normalization over the last axis: (x − mean)/√(var + ε)·γ + β, biased variance. */
export function layerNormTf(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon = 1e-5): tf.Tensor {
  ensureGradients();
  // Empty (no rows, or a last axis of 0): the GPU backends' mean over an empty axis fails to reshape.
  if (x.size === 0) return tf.zeros(x.shape);
  return tf.tidy(() => {
    const mean = tf.mean(x, -1, true);
    const centered = tf.sub(x, mean);
    const variance = tf.mean(tf.square(centered), -1, true);
    return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  });
}
