import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { type BiasTerms, needsSink, softmaxBias, sumBias } from './head-block.js';
import { batchRangePositions, positionTerms } from './positions.js';

/**
 * Every (b, h) of C batch entries at once, for calls whose score tensor is small: decoding steps (Sq = 1,
 * a few dozen keys, hundreds of rows) and encoders over short rows. Notation of run.ts; G = Hq / Hkv.
 *
 *   Q = scale·Q [C, Hq, Sq, D] viewed as [C·Hkv, G·Sq, D]   query head h = g·G + j reads K/V head g (no repeat)
 *   S = Q · Kᵀ                      [C·Hkv, G·Sq, T] → [C, Hq, Sq, T]   one batched matMul
 *   S = c·tanh(S/c)                 softcap
 *   bias = position bias + slope_h·rel + mask               [C|1, Hq|1, Sq|1, T], −∞ where masked
 *   P = softmax(S + bias′)          bias′ = (position + mask − c) + slope_h·rel, c the row maximum of the
 *                                   additive mask over visible keys (rule 7, softmaxBias); 0 on fully masked rows
 *   Y = gain · P·V                  [C, Hq, Sq, Dv]; gain = headMask_h · [row not fully masked]
 *
 * Fully masked rows: instead of the blocked path's sink key (a concat on K and V per block), such a row
 * gets a finite bias, so its softmax is well defined, and a gain of 0, so its output and probabilities are
 * exactly 0 and it passes no gradient. The bias depends on no input that takes a gradient.
 */
export interface BatchedInputs {
  readonly plan: AttentionPlan;
  /** Batch entries [b0, b0 + C). */
  readonly b0: number;
  /** scale·Q [C, Hq, Sq, D]. */
  readonly q: tf.Tensor4D;
  /** [C, Hkv, T, D]. */
  readonly keys: tf.Tensor4D;
  /** [C, Hkv, T, Dv]. */
  readonly values: tf.Tensor4D;
  /** The additive mask [mB, mH, mSq, T] (mask.ts), already restricted to the chunk when mB > 1. */
  readonly mask: tf.Tensor4D | null;
  readonly kvValidLengths?: tf.Tensor;
}

export function batchedAttention(x: BatchedInputs): { y: tf.Tensor4D; scores: tf.Tensor4D | null } {
  const { plan } = x;
  const { Hq, Sq, T, D, Dv } = plan;
  const C = x.q.shape[0];
  // The transpose flag, not an explicit Kᵀ, on every tfjs backend: tfjs-wasm runs batched products in a
  // scalar loop (XNNPACK takes only single 2-D ones), which with the flag reads K along its rows; measured
  // 1–10× faster than transposing first (e.g. [8,1,64]·[8,4096,64]ᵀ: 2.7 ms against 28 ms).
  let s: tf.Tensor = D === 0 ? tf.zeros([C, Hq, Sq, T]) : perKeyValueHead(plan, x.q, x.keys, true);
  let scores: tf.Tensor | null = plan.scoresOutput === 'raw' ? s : null;
  if (plan.softcap > 0) s = tf.mul(tf.tanh(tf.div(s, plan.softcap)), plan.softcap);
  if (plan.scoresOutput === 'softcapped') scores = s;
  const terms = batchedBias(x, C);
  if (plan.scoresOutput === 'masked') {
    const summed = sumBias(terms);
    scores = summed ? tf.add(s, summed) : s;
  }
  const bias = softmaxBias(plan, terms);
  const prepared = bias ? prepareBatchedBias(plan, bias) : null;
  const p = tf.softmax(prepared ? tf.add(s, prepared.forSoftmax) : s);
  if (plan.scoresOutput === 'probabilities') scores = prepared?.rowGain ? tf.mul(p, prepared.rowGain) : p;
  let y: tf.Tensor = Dv === 0 ? tf.zeros([C, Hq, Sq, 0]) : perKeyValueHead(plan, p as tf.Tensor4D, x.values, false);
  const headGain = plan.headMask ? tf.tensor4d(plan.headMask, [1, Hq, 1, 1]) : null;
  const rowGain = prepared?.rowGain ?? null;
  const gain = rowGain && headGain ? tf.mul(rowGain, headGain) : (rowGain ?? headGain);
  if (gain) y = tf.mul(y, gain);
  return { y: y as tf.Tensor4D, scores: scores as tf.Tensor4D | null };
}

/**
 * a [C, Hq, Sq, ·] times b [C, Hkv, T, ·] (transposed with `transposeB`) per (batch entry, key/value head),
 * as one batched matMul → [C, Hq, Sq, ·]. GQA views the G query heads of a group as G·Sq rows of their
 * key/value head's product. Without groups the 4D tensors multiply as they are: the reshapes would be
 * kernel dispatches of their own, which a decoding step of a few milliseconds notices.
 */
function perKeyValueHead(plan: AttentionPlan, a: tf.Tensor4D, b: tf.Tensor4D, transposeB: boolean): tf.Tensor4D {
  if (plan.groupSize === 1) return tf.matMul(a, b, false, transposeB);
  const [C, Hq, Sq, inner] = a.shape;
  const [, Hkv, T, width] = b.shape;
  const product = tf.matMul(
    tf.reshape(a, [C * Hkv, plan.groupSize * Sq, inner]),
    tf.reshape(b, [C * Hkv, T, width]),
    false,
    transposeB,
  );
  return tf.reshape(product, [C, Hq, Sq, transposeB ? T : width]);
}

/** The bias terms (position, ALiBi, mask), each broadcastable to [C, Hq, Sq, T] or null. */
function batchedBias(x: BatchedInputs, C: number): BiasTerms {
  const { plan } = x;
  const { Hq, Sq, T } = plan;
  const at = batchRangePositions(plan, x.kvValidLengths, x.b0, C);
  const { rel, bias } = positionTerms(plan, at, 0, Sq, { start: 0, end: T });
  // Position terms are [Sq|1, T] or, when they depend on b, [C, Sq|1, T]: one head axis in between.
  const toHeads = (t: tf.Tensor) => (t.rank === 2 ? tf.reshape(t, [1, 1, ...t.shape]) : tf.expandDims(t, 1));
  return {
    position: bias ? toHeads(bias) : null,
    alibi: plan.alibiSlopes && rel ? tf.mul(toHeads(rel), tf.tensor4d(plan.alibiSlopes, [1, Hq, 1, 1])) : null,
    mask: x.mask,
  };
}

/**
 * What the softmax adds, and the gain that zeroes fully masked rows (CONTRACT.md rule 2), from the bias
 * the softmax sees (rule 7 already applied by softmaxBias). A fully masked row is lifted to 0 by a maximum with
 * a floor (0 on such rows, −∞ elsewhere) spread over the keys by an add: on wasm, add broadcasts a row
 * cheaply while maximum and tf.where (which tiles its operands) take about 1 ms each for a [256, 1, 1, 24]
 * bias, as much as the whole rest of a decoding step. Rows that no mechanism can mask entirely need no gain.
 */
function prepareBatchedBias(
  plan: AttentionPlan,
  bias: tf.Tensor,
): { forSoftmax: tf.Tensor; rowGain: tf.Tensor | null } {
  if (!needsSink(plan)) return { forSoftmax: bias, rowGain: null };
  // Not equal(max, −∞): tfjs-webgl's max of a row of −∞ can come out as −1e20.
  const fullyMasked = tf.logicalNot(tf.any(tf.notEqual(bias, Number.NEGATIVE_INFINITY), -1, true));
  const zeros = tf.zeros(fullyMasked.shape);
  const floor = tf.add(
    tf.zerosLike(bias),
    tf.where(fullyMasked, zeros, tf.fill(fullyMasked.shape, Number.NEGATIVE_INFINITY)),
  );
  return { forSoftmax: tf.maximum(bias, floor), rowGain: tf.cast(tf.logicalNot(fullyMasked), 'float32') };
}
