import { geluTf, layerNormTf, logSoftmaxTf, matMulTf, softmaxTf } from '@attnkit/backend-tfjs';
import type { Activation } from '@attnkit/models';
import * as tf from '@tensorflow/tfjs-core';

/**
 * The Transformer pieces of @attnkit/models written as differentiable tfjs functions over named
 * parameters (the names of `weightSpec`), batched for training.
 *
 * Notation: B batch · Sq/Skv query/key lengths · d width · H heads · Dh = d / H · V vocabulary
 *
 * Attention here is one batched product over [B·H, Sq, Dh] rather than @attnkit/backend-tfjs's
 * `attentionTf`, which loops over batch rows and heads (the right shape for long rows, ruinous for the
 * thousands of short rows of a training batch). Its semantics are the contract's for what the models
 * use (scale 1/√Dh, additive mask, softmax over keys); a test checks the trained forward against the
 * models package on the exported weights.
 */
export type Params = (name: string) => tf.Tensor;

export const MASKED = -1e9;

export function linear(p: Params, name: string, x: tf.Tensor): tf.Tensor {
  return matMulTf(x, p(`${name}.weight`), { bias: p(`${name}.bias`) });
}

export function layerNorm(p: Params, name: string, x: tf.Tensor, eps: number): tf.Tensor {
  return layerNormTf(x, p(`${name}.weight`), p(`${name}.bias`), eps);
}

export function feedForward(p: Params, prefix: string, x: tf.Tensor, activation: Activation): tf.Tensor {
  const h = linear(p, `${prefix}.fc1`, x);
  return linear(p, `${prefix}.fc2`, activation === 'relu' ? tf.relu(h) : geluTf(h));
}

/** query [B, Sq, d], keyValue [B, Skv, d], mask additive [B, 1, Sq|1, Skv] → [B, Sq, d]. */
export function multiHeadAttention(
  p: Params,
  prefix: string,
  query: tf.Tensor,
  keyValue: tf.Tensor,
  mask: tf.Tensor | null,
  heads: number,
): tf.Tensor {
  const [B, Sq, d] = query.shape as [number, number, number];
  const Skv = keyValue.shape[1] as number;
  const Dh = d / heads;
  const split = (x: tf.Tensor, S: number) =>
    tf.reshape(tf.transpose(tf.reshape(x, [B, S, heads, Dh]), [0, 2, 1, 3]), [B * heads, S, Dh]);
  const q = split(tf.mul(linear(p, `${prefix}.q_proj`, query), 1 / Math.sqrt(Dh)), Sq);
  const k = split(linear(p, `${prefix}.k_proj`, keyValue), Skv);
  const v = split(linear(p, `${prefix}.v_proj`, keyValue), Skv);
  let scores = tf.reshape(tf.matMul(q, k, false, true), [B, heads, Sq, Skv]);
  if (mask) scores = tf.add(scores, mask);
  const probabilities = tf.reshape(softmaxTf(scores), [B * heads, Sq, Skv]);
  const out = tf.reshape(tf.transpose(tf.reshape(tf.matMul(probabilities, v), [B, heads, Sq, Dh]), [0, 2, 1, 3]), [
    B,
    Sq,
    d,
  ]);
  return linear(p, `${prefix}.o_proj`, out);
}

/**
 * Embedding rows for host-side ids. The table's gradient is a scatter-add done on the host: tfjs-wasm
 * has no UnsortedSegmentSum, and the one-hot product @attnkit/backend-tfjs falls back to needs
 * [B·S, V] floats, which a 10k-word vocabulary makes hundreds of megabytes per batch.
 */
export function embed(table: tf.Tensor, ids: Int32Array, shape: readonly number[]): tf.Tensor {
  const [V, d] = table.shape;
  const lookup = tf.customGrad((t) => {
    const value = tf.reshape(tf.gather(t as tf.Tensor2D, tf.tensor1d(ids, 'int32')), [...shape, d]);
    return {
      value,
      gradFunc: (dy) => {
        const rows = (dy as tf.Tensor).dataSync() as Float32Array;
        const grad = new Float32Array(V * d);
        for (let i = 0; i < ids.length; i++) {
          const to = ids[i] * d;
          const from = i * d;
          for (let j = 0; j < d; j++) grad[to + j] += rows[from + j];
        }
        return tf.tensor2d(grad, [V, d]);
      },
    };
  });
  return lookup(table);
}

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
