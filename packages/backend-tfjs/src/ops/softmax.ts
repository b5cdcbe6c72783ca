import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/**
 * Softmax over the last axis with the row maximum subtracted. A row with no finite score (every entry −∞)
 * gives zeros instead of NaN, as the contract requires. The gradient is written out, ds = p·(dp − Σ p·dp),
 * so no gradient flows through the row maximum.
 */
export function softmaxTf(x: tf.Tensor): tf.Tensor {
  ensureGradients();
  return softmaxCustom(x);
}

const softmaxCustom: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  const p = tf.tidy(() => {
    const max = safeRowMax(input);
    const e = tf.exp(tf.sub(input, max));
    const sum = tf.sum(e, -1, true);
    return tf.div(e, tf.where(tf.equal(sum, 0), tf.onesLike(sum), sum));
  });
  (save as tf.GradSaveFunc)([p]);
  return {
    value: p,
    gradFunc: (dy, saved) => {
      const [probs] = saved;
      const d = dy as tf.Tensor;
      return tf.mul(probs, tf.sub(d, tf.sum(tf.mul(probs, d), -1, true)));
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** log-softmax over the last axis; a row of −∞ stays −∞. Gradient: dx = dy − softmax·Σdy. */
export function logSoftmaxTf(x: tf.Tensor): tf.Tensor {
  ensureGradients();
  return logSoftmaxCustom(x);
}

const logSoftmaxCustom: (x: tf.Tensor) => tf.Tensor = tf.customGrad((x, save) => {
  const input = x as tf.Tensor;
  const out = tf.tidy(() => {
    const max = safeRowMax(input);
    const shifted = tf.sub(input, max);
    const logSum = tf.log(tf.sum(tf.exp(shifted), -1, true));
    const empty = tf.equal(logSum, Number.NEGATIVE_INFINITY);
    return tf.where(
      tf.broadcastTo(empty, input.shape),
      tf.fill(input.shape, Number.NEGATIVE_INFINITY),
      tf.sub(shifted, logSum),
    );
  });
  (save as tf.GradSaveFunc)([out]);
  return {
    value: out,
    gradFunc: (dy, saved) => {
      const [logp] = saved;
      const d = dy as tf.Tensor;
      return tf.sub(d, tf.mul(tf.exp(logp), tf.sum(d, -1, true)));
    },
  };
}) as (x: tf.Tensor) => tf.Tensor;

/** Row maximum, with 0 in place of −∞ so that x − max stays −∞ (not NaN) on an empty row. */
function safeRowMax(x: tf.Tensor): tf.Tensor {
  const max = tf.max(x, -1, true);
  return tf.where(tf.equal(max, Number.NEGATIVE_INFINITY), tf.zerosLike(max), max);
}
