import {
  type AttentionOptions,
  type AttentionPlan,
  type BackendCapabilities,
  type DeviceAttentionInputs,
  FULL_ATTENTION_CAPABILITIES,
  planAttention,
} from '@attnkit/core';
import type * as tf from '@tensorflow/tfjs-core';
import { type AttentionTfOutputs, type BlockingOptions, checkBlocking, runAttention } from './run.js';

/** Tensors besides q, k and v; a mask's kind follows its dtype (`bool` boolean, `float32` additive). */
export interface AttentionTfExtras {
  readonly mask?: tf.Tensor;
  readonly pastKey?: tf.Tensor;
  readonly pastValue?: tf.Tensor;
  /** int32 [B]. */
  readonly kvValidLengths?: tf.Tensor;
}

const FUNCTIONAL_CAPABILITIES: BackendCapabilities = {
  precisions: ['float32'],
  attention: FULL_ATTENTION_CAPABILITIES,
  maxTensorElements: Number.MAX_SAFE_INTEGER,
};

/**
 * Attention as a differentiable tf function, for training with tf.grad / optimizers: the same kernel as
 * the backend, on the caller's tf.Tensors, validated by core exactly as `attention()` is. Options are
 * those of the contract (or a plan core already resolved). The caller owns the returned tensors.
 */
export function attentionTf(
  q: tf.Tensor,
  k: tf.Tensor,
  v: tf.Tensor,
  options: AttentionOptions | AttentionPlan = {},
  extras: AttentionTfExtras = {},
  blocking: BlockingOptions = {},
): AttentionTfOutputs {
  checkBlocking('attentionTf', blocking);
  const inputs = { q, k, v, ...extras };
  const plan = isPlan(options)
    ? options
    : planAttention(inputs as unknown as DeviceAttentionInputs, options, FUNCTIONAL_CAPABILITIES);
  return runAttention(inputs, plan, blocking);
}

function isPlan(options: AttentionOptions | AttentionPlan): options is AttentionPlan {
  return 'yShape' in options;
}
