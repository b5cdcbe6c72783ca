import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Everything that depends on positions only, for batch entry b, query rows [r0, r0 + rows) and keys
 * [range.start, range.end):
 *   rel[i, j] = j − (i + offset)       distance from the aligned diagonal (CONTRACT.md), float32
 *   bias[i, j] = 0 where causal, window and valid length allow key j, −∞ elsewhere
 * `offset` and the valid length are device scalars when they come from kvValidLengths, so nothing is
 * read back. Both are shared by every head of the block.
 *
 * For a range of C batch entries at once (`batchRangePositions`), offset and valid length are [C, 1, 1]
 * tensors and the terms come out as [C, rows, width] (or [rows, width] when no term depends on b).
 */
export interface PositionTerms {
  readonly rel: tf.Tensor | null;
  readonly bias: tf.Tensor | null;
}

export interface BatchPositions {
  /** The diagonal offset: a number, or a [1, 1] ([C, 1, 1]) tensor that depends on kvValidLengths[b]. */
  readonly offset: number | tf.Tensor;
  /** kvValidLengths[b] clamped to [0, T], as a [1, 1] ([C, 1, 1]) float tensor, or null. */
  readonly validLength: tf.Tensor | null;
}

export function batchPositions(plan: AttentionPlan, validLengths: tf.Tensor | undefined, b: number): BatchPositions {
  return positionsOf(plan, validLengths, b, 1, [1, 1]);
}

/** Batch entries [b0, b0 + count) at once. */
export function batchRangePositions(
  plan: AttentionPlan,
  validLengths: tf.Tensor | undefined,
  b0: number,
  count: number,
): BatchPositions {
  return positionsOf(plan, validLengths, b0, count, [count, 1, 1]);
}

function positionsOf(
  plan: AttentionPlan,
  validLengths: tf.Tensor | undefined,
  b0: number,
  count: number,
  shape: number[],
): BatchPositions {
  const validLength =
    plan.hasValidLengths && validLengths
      ? tf.reshape(tf.clipByValue(tf.cast(tf.slice(validLengths, [b0], [count]), 'float32'), 0, plan.T), shape)
      : null;
  const offset = hostOffset(plan) ?? (validLength ? tf.add(validLength, plan.diagonal.base) : plan.diagonal.base);
  return { offset, validLength };
}

/**
 * The diagonal offset of core's rule (plan.diagonal) when the host knows it; null when the rule adds
 * kvValidLengths[b], which stays on the device (positionsOf adds it there).
 */
export function hostOffset(plan: AttentionPlan): number | null {
  return plan.diagonal.addsValidLength ? null : plan.diagonal.base;
}

/**
 * Whether causal and window limits can hide every key of some query row. Row i sees the keys j with
 * −left ≤ j − (i + offset) ≤ right (bounds ≥ 0; right = 0 when causal) and 0 ≤ j < T: none at all only when
 * the first row's last key falls before key 0 or the last row's first key after key T − 1. Known on the
 * host except for an offset from kvValidLengths (then assumed possible). Top-left causal attention, with
 * or without a past cache, never hides a whole row.
 */
export function positionsCanHideRow(plan: AttentionPlan): boolean {
  const bounds = plan.window;
  const left = bounds && Number.isFinite(bounds.left) ? bounds.left : Number.POSITIVE_INFINITY;
  const windowRight = bounds && Number.isFinite(bounds.right) ? bounds.right : Number.POSITIVE_INFINITY;
  const right = plan.isCausal ? Math.min(0, windowRight) : windowRight;
  if (left === Number.POSITIVE_INFINITY && right === Number.POSITIVE_INFINITY) return false;
  const offset = hostOffset(plan);
  if (offset === null) return true;
  return offset + right < 0 || plan.Sq - 1 + offset - left > plan.T - 1;
}

/** Keys [start, end) of the block, the others being known to be masked for every row of it. */
export interface KeyRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The keys a block of query rows can see at all. Causal and window bounds are known on the host when the
 * offset is (no kvValidLengths); keys outside are skipped rather than computed and masked. Raw and
 * softcapped scores are reported for every key, so the range is full when they are asked for.
 */
export function visibleKeys(plan: AttentionPlan, at: BatchPositions, r0: number, rows: number): KeyRange {
  const full = { start: 0, end: plan.T };
  if (typeof at.offset !== 'number' || plan.scoresOutput !== 'none') return full;
  const first = r0 + at.offset;
  const last = r0 + rows - 1 + at.offset;
  let { start, end } = full;
  if (plan.isCausal) end = Math.min(end, last + 1);
  if (plan.window && Number.isFinite(plan.window.right)) end = Math.min(end, last + plan.window.right + 1);
  if (plan.window && Number.isFinite(plan.window.left)) start = Math.max(start, first - plan.window.left);
  end = Math.max(0, end);
  start = Math.min(start, end);
  return { start, end };
}

export function positionTerms(
  plan: AttentionPlan,
  at: BatchPositions,
  r0: number,
  rows: number,
  range: KeyRange,
): PositionTerms {
  const limits = bindingLimits(plan, at, r0, rows, range);
  const needsRel = limits.causal || limits.left !== null || limits.right !== null || plan.alibiSlopes !== null;
  if (!needsRel && !at.validLength) return { rel: null, bias: null };
  const width = range.end - range.start;
  const keys = tf.reshape(tf.range(range.start, range.end, 1, 'float32'), [1, width]);
  let rel: tf.Tensor | null = null;
  let allowed: tf.Tensor | null = null;
  const and = (c: tf.Tensor) => {
    allowed = allowed ? tf.logicalAnd(allowed, c) : c;
  };
  if (needsRel) {
    const diagonal = tf.add(tf.reshape(tf.range(r0, r0 + rows, 1, 'float32'), [rows, 1]), at.offset);
    rel = tf.sub(keys, diagonal);
    if (limits.causal) and(tf.lessEqual(rel, 0));
    if (limits.left !== null) and(tf.greaterEqual(rel, -limits.left));
    if (limits.right !== null) and(tf.lessEqual(rel, limits.right));
  }
  if (at.validLength) and(tf.less(keys, at.validLength));
  const mask = allowed as tf.Tensor | null;
  const bias = mask ? tf.where(mask, tf.zeros(mask.shape), tf.fill(mask.shape, Number.NEGATIVE_INFINITY)) : null;
  return { rel, bias };
}

/** The causal and window limits that mask some key of a block; a window bound is null when it masks none. */
interface BindingLimits {
  readonly causal: boolean;
  readonly left: number | null;
  readonly right: number | null;
}

/**
 * Which limits can mask a key of rows [r0, r0 + rows) over `range`. With the offset known on the host,
 * a limit that every (query, key) pair of the block satisfies is left out, so it costs no kernels: a
 * decoding step (one query after the whole cache, causal) then needs no position bias at all, as in a
 * plain matMul → softmax → matMul. With the offset on the device every limit is kept.
 */
function bindingLimits(
  plan: AttentionPlan,
  at: BatchPositions,
  r0: number,
  rows: number,
  range: KeyRange,
): BindingLimits {
  const left = plan.window && Number.isFinite(plan.window.left) ? plan.window.left : null;
  const right = plan.window && Number.isFinite(plan.window.right) ? plan.window.right : null;
  if (typeof at.offset !== 'number') return { causal: plan.isCausal, left, right };
  if (range.end <= range.start) return { causal: false, left: null, right: null };
  // rel = key − (row + offset) over the block: largest at (first row, last key), smallest at (last row, first key).
  const maxRel = range.end - 1 - (r0 + at.offset);
  const minRel = range.start - (r0 + rows - 1 + at.offset);
  return {
    causal: plan.isCausal && maxRel > 0,
    left: left !== null && minRel < -left ? left : null,
    right: right !== null && maxRel > right ? right : null,
  };
}
