import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/** The exact GELU, x·Φ(x) = ½·x·(1 + erf(x/√2)); not the tanh approximation. */
export function geluTf(x: tf.Tensor): tf.Tensor {
  ensureGradients();
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)));
}
