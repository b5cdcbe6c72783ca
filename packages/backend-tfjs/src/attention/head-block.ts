import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../ops/matmul.js';
import { positionsCanHideRow } from './positions.js';

/**
 * One query head over one block of R query rows and W visible keys (notation of blocked.ts).
 *
 *   S = q · Kᵀ  (see KeyProduct)      [R, W(+1)]   q already scaled
 *   S = c·tanh(S/c)                   softcap
 *   S += (hide − c) + ALiBi           hide: causal/window/valid length (0/−∞) + mask; with an additive mask,
 *                                     c = rowmax(hide) (rule 7, softmaxBias), else 0
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

/**
 * The terms of a bias, kept apart until the softmax's form is made: `position` 0 / −∞ (causal, window,
 * valid length), `alibi` finite, `mask` the user's mask in additive form (−∞ where masked, mask.ts).
 */
export interface BiasTerms {
  readonly position: tf.Tensor | null;
  readonly alibi: tf.Tensor | null;
  readonly mask: tf.Tensor | null;
}

export function sumBias(terms: BiasTerms): tf.Tensor | null {
  const present = [terms.position, terms.alibi, terms.mask].filter((t): t is tf.Tensor => t !== null);
  return present.length === 0 ? null : present.reduce((a, b) => tf.add(a, b));
}

/**
 * The bias as the softmax sees it (CONTRACT.md rule 7). With an additive mask: hide − c + ALiBi, where
 * hide = position + mask and c is hide's row maximum, the mask's maximum over the keys the row can see.
 * softmax is invariant to c, and the subtraction keeps the scores exact under a row of one huge constant
 * (−1e9 + s rounds to −1e9 in float32, −3.4e38 + s to −3.4e38), ALiBi included: it is added after. A row
 * that sees no key has c = −∞; c is floored at −FLT_MAX so that −∞ − c stays −∞, never NaN, without a
 * tf.where. Other biases (no mask, a boolean one) are their sum.
 */
export function softmaxBias(plan: AttentionPlan, terms: BiasTerms): tf.Tensor | null {
  if (plan.mask?.kind !== 'additive' || !terms.mask) return sumBias(terms);
  const hide = terms.position ? tf.add(terms.mask, terms.position) : terms.mask;
  const shifted = tf.sub(hide, tf.maximum(rowMax(hide), -FLT_MAX));
  return terms.alibi ? tf.add(shifted, terms.alibi) : shifted;
}

const FLT_MAX = 3.4028234663852886e38;
const WEBGL_MAX_SCALE = 2 ** 70;

/**
 * max over the last axis, keeping it. tfjs-webgl's max reductions start from −1e20, so a row of −3.4e38 would
 * come out as −1e20 (measured in Chromium: [−3.4e38, −3.4e38, −∞] → −1e20) and the shift would keep −3.4e38.
 * There the maximum is taken of x·2⁻⁷⁰, which puts every finite float32 above −1e20, and scaled back:
 * exact for powers of two, but for values below 2⁻⁵⁶ in magnitude that the GPU may flush, which no score notices.
 */
function rowMax(x: tf.Tensor): tf.Tensor {
  if (tf.getBackend() !== 'webgl') return tf.max(x, -1, true);
  return tf.mul(tf.max(tf.mul(x, 1 / WEBGL_MAX_SCALE), -1, true), WEBGL_MAX_SCALE);
}

/**
 * The softmax's bias (rule 7, softmaxBias) with the sink's column appended, and the bias as given (the sum
 * of the terms) where 'masked' scores report it. Rows with no visible key are those whose softmax bias is
 * −∞ throughout: c is finite and ALiBi is, so the −∞ are exactly those of the sum.
 */
export function prepareBias(plan: AttentionPlan, terms: BiasTerms, width: number, sink: boolean): PreparedBias {
  const forSoftmax = softmaxBias(plan, terms) ?? (sink ? tf.zeros([1, width]) : null);
  if (!forSoftmax) return { asGiven: null, forSoftmax: null };
  const factored = plan.mask?.kind === 'additive' && terms.mask !== null;
  const asGiven = !factored ? forSoftmax : plan.scoresOutput === 'masked' ? sumBias(terms) : null;
  if (!sink) return { asGiven, forSoftmax };
  // Not equal(max, −∞): tfjs-webgl's max of a row of −∞ can come out as −1e20.
  const fullyMasked = tf.logicalNot(tf.any(tf.notEqual(forSoftmax, Number.NEGATIVE_INFINITY), -1, true));
  const sinkColumn = tf.where(
    fullyMasked,
    tf.zeros(fullyMasked.shape),
    tf.fill(fullyMasked.shape, Number.NEGATIVE_INFINITY),
  );
  return { asGiven, forSoftmax: tf.concat([forSoftmax, sinkColumn], 1) };
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
