import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../ops/matmul.js';
import { positionsCanHideRow } from './positions.js';

/**
 * One query head over one block of R query rows and W visible keys (notation of blocked.ts).
 *
 *   S = q · Kᵀ  (see KeyProduct)      [R, W(+1)]   q already scaled
 *   S = c·tanh(S/c)                   softcap
 *   S += bias − rowmax(bias)          bias: causal/window/valid length (−∞), ALiBi, mask; the shift is exact
 *                                     for softmax and keeps −1e9 + s from rounding to −1e9 in float32
 *   P = softmax(S); Y = P · V         [R, Dv]
 *
 * Fully masked rows use a sink: when masking can hide every key, Kᵀ carries one extra zero column and V
 * one extra zero row. The sink's score is 0 on a row whose bias is −∞ everywhere and −∞ on every other
 * row, so a fully masked row puts all its probability on the sink (Y row exactly 0) and any other row
 * gives it exactly 0. That keeps tf.softmax, fused and fast on every tfjs backend, instead of a
 * hand-built NaN-safe softmax that costs four extra passes over [R, W].
 */
/**
 * How S = q·Kᵀ is formed. tfjs-wasm runs only flag-free 2-D matMuls on XNNPACK: 'kT' (Kᵀ transposed once
 * per key/value head) or, with few queries per head (decoding), 'kq' = (K·qᵀ)ᵀ, which transposes only the
 * small operands. The other tfjs backends take the transpose flag at no cost: 'flag' = matMul(q, K, false,
 * true), with no transpose at all.
 */
export type KeyProduct = 'kT' | 'kq' | 'flag';

export function chooseKeyProduct(plan: AttentionPlan, tfjsBackend: string): KeyProduct {
  if (tfjsBackend !== 'wasm') return 'flag';
  return plan.groupSize * plan.Sq < plan.D ? 'kq' : 'kT';
}

export interface HeadBlock {
  readonly plan: AttentionPlan;
  /** [R, D], scaled. */
  readonly q: tf.Tensor2D;
  /** Kᵀ [D, W + sink] for 'kT'; K [W + sink, D] otherwise. */
  readonly k: tf.Tensor2D;
  readonly product: KeyProduct;
  /** [W + sink, Dv]. */
  readonly v: tf.Tensor2D;
  readonly width: number;
  readonly sink: boolean;
  readonly bias: PreparedBias;
  readonly gain: number;
}

/** The summed bias [R or 1, W] as reported in 'masked' scores, and as added before the softmax. */
export interface PreparedBias {
  readonly asGiven: tf.Tensor | null;
  readonly forSoftmax: tf.Tensor | null;
}

/** Shifts the bias by its row maximum (additive masks only) and appends the sink's column. */
export function prepareBias(plan: AttentionPlan, bias: tf.Tensor | null, width: number, sink: boolean): PreparedBias {
  const asGiven = bias ?? (sink ? tf.zeros([1, width]) : null);
  if (!asGiven) return { asGiven: null, forSoftmax: null };
  const max = tf.max(asGiven, -1, true);
  // Not equal(max, −∞): tfjs-webgl's max of a row of −∞ can come out as −1e20.
  const fullyMasked = tf.logicalNot(tf.any(tf.notEqual(asGiven, Number.NEGATIVE_INFINITY), -1, true));
  let forSoftmax: tf.Tensor =
    plan.mask?.kind === 'additive' ? tf.sub(asGiven, tf.where(fullyMasked, tf.zerosLike(max), max)) : asGiven;
  if (sink)
    forSoftmax = tf.concat(
      [forSoftmax, tf.where(fullyMasked, tf.zerosLike(max), tf.fill(max.shape, Number.NEGATIVE_INFINITY))],
      1,
    );
  return { asGiven, forSoftmax };
}

export function headBlock(x: HeadBlock): { y: tf.Tensor; stage: tf.Tensor | null } {
  const { plan, sink, width } = x;
  const rows = x.q.shape[0];
  const withoutSink = (t: tf.Tensor2D) => (sink ? tf.slice(t, [0, 0], [rows, width]) : t);
  const keys = x.product === 'kT' ? x.k.shape[1] : x.k.shape[0];
  let s: tf.Tensor2D;
  if (plan.D === 0) s = tf.zeros([rows, keys]);
  else if (x.product === 'kT') s = matMul2d(x.q, x.k);
  else if (x.product === 'kq') s = tf.transpose(matMul2d(x.k, tf.transpose(x.q)));
  else s = tf.matMul(x.q, x.k, false, true);
  let stage: tf.Tensor | null = plan.scoresOutput === 'raw' ? withoutSink(s) : null;
  if (plan.softcap > 0) s = tf.mul(tf.tanh(tf.div(s, plan.softcap)), plan.softcap);
  if (plan.scoresOutput === 'softcapped') stage = withoutSink(s);
  const { asGiven, forSoftmax } = x.bias;
  if (plan.scoresOutput === 'masked') stage = asGiven ? tf.add(withoutSink(s), asGiven) : withoutSink(s);
  if (forSoftmax) s = tf.add(s, forSoftmax) as tf.Tensor2D;
  const p = tf.softmax(s) as tf.Tensor2D;
  if (plan.scoresOutput === 'probabilities') stage = withoutSink(p);
  let y: tf.Tensor = plan.Dv === 0 ? tf.zeros([rows, 0]) : matMul2d(p, x.v);
  if (x.gain !== 1) y = tf.mul(y, x.gain);
  return { y, stage };
}

/** Whether some mechanism can mask every key of a row (then the sink is needed). */
export function needsSink(plan: AttentionPlan): boolean {
  return plan.mask !== null || plan.hasValidLengths || positionsCanHideRow(plan);
}
