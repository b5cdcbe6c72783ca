import * as tf from '@tensorflow/tfjs-core';

/**
 * Notation: B batch · H heads · S length · W head width.
 * 3D tensors [B, S, H·W] split as [B, S, H, W] and move heads forward to [B, H, S, W] (CONTRACT.md).
 */
export function toHeads(x: tf.Tensor, layout: '3d' | '4d', B: number, S: number, H: number, W: number): tf.Tensor4D {
  if (layout === '4d') return x as tf.Tensor4D;
  return tf.transpose(tf.reshape(x, [B, S, H, W]), [0, 2, 1, 3]);
}

/** The inverse of toHeads: [B, H, S, W] back to the caller's layout. */
export function fromHeads(x: tf.Tensor4D, layout: '3d' | '4d'): tf.Tensor {
  if (layout === '4d') return x;
  const [B, H, S, W] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [B, S, H * W]);
}
