import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';

/**
 * a [M, K] · b [K, N] as one 2-D matMul without transpose flags: the only shape tfjs-wasm sends to
 * XNNPACK. The gradient keeps that shape too (explicit transposes instead of flags), which tfjs's own
 * matMul gradient does not.
 */
export function matMul2d(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D {
  ensureGradients();
  return matMul2dCustom(a, b);
}

const matMul2dCustom: (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D = tf.customGrad((a, b, save) => {
  const x = a as tf.Tensor2D;
  const y = b as tf.Tensor2D;
  (save as tf.GradSaveFunc)([x, y]);
  return {
    value: tf.matMul(x, y),
    gradFunc: (dy, saved) => {
      const [sa, sb] = saved as tf.Tensor2D[];
      const d = dy as tf.Tensor2D;
      return [tf.matMul(d, tf.transpose(sb)), tf.matMul(tf.transpose(sa), d)];
    },
  };
}) as (a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D;

export interface MatMulTfOptions {
  readonly transposeA?: boolean;
  readonly transposeB?: boolean;
  /** [N] added to every output row. */
  readonly bias?: tf.Tensor;
}

/**
 * a [...batch, M, K] times b [K, N] (shared) or [...batch, K, N], with optional transposes and bias.
 * A shared b is the common case of a Linear layer: the batch folds into M so the whole product is one
 * 2-D matMul. Batched products stay batched (tfjs has no faster path for them).
 */
export function matMulTf(a: tf.Tensor, b: tf.Tensor, options: MatMulTfOptions = {}): tf.Tensor {
  ensureGradients();
  return tf.tidy(() => {
    const { transposeA = false, transposeB = false, bias } = options;
    const ar = a.rank;
    const M = transposeA ? a.shape[ar - 1] : a.shape[ar - 2];
    const K = transposeA ? a.shape[ar - 2] : a.shape[ar - 1];
    const N = transposeB ? b.shape[b.rank - 2] : b.shape[b.rank - 1];
    const batchDims = a.shape.slice(0, ar - 2);
    const outShape = [...batchDims, M, N];
    let out: tf.Tensor;
    if (b.rank === 2) {
      const bKN = (transposeB ? tf.transpose(b) : b) as tf.Tensor2D;
      const aMK = transposeA ? swapLastTwo(a) : a;
      const flat = tf.reshape(aMK, [batchDims.reduce((x, y) => x * y, 1) * M, K]) as tf.Tensor2D;
      out = K === 0 || N === 0 || flat.shape[0] === 0 ? tf.zeros([flat.shape[0], N]) : matMul2d(flat, bKN);
    } else if (K === 0) {
      out = tf.zeros(outShape);
    } else {
      const a3 = tf.reshape(a, [-1, a.shape[ar - 2], a.shape[ar - 1]]) as tf.Tensor3D;
      const b3 = tf.reshape(b, [-1, b.shape[b.rank - 2], b.shape[b.rank - 1]]) as tf.Tensor3D;
      out = tf.matMul(a3, b3, transposeA, transposeB);
    }
    out = tf.reshape(out, outShape);
    return bias ? tf.add(out, bias) : out;
  });
}

function swapLastTwo(x: tf.Tensor): tf.Tensor {
  const perm = x.shape.map((_, i) => i);
  perm[x.rank - 2] = x.rank - 1;
  perm[x.rank - 1] = x.rank - 2;
  return tf.transpose(x, perm);
}
