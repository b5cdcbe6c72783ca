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
export function batchRangePositions(plan: AttentionPlan, validLengths: tf.Tensor | undefined, b0: number, count: number): BatchPositions {
  return positionsOf(plan, validLengths, b0, count, [count, 1, 1]);
}

function positionsOf(plan: AttentionPlan, validLengths: tf.Tensor | undefined, b0: number, count: number, shape: number[]): BatchPositions {
  const validLength = plan.hasValidLengths && validLengths
    ? tf.reshape(tf.clipByValue(tf.cast(tf.slice(validLengths, [b0], [count]), 'float32'), 0, plan.T), shape)
    : null;
  let offset: number | tf.Tensor = 0;
  if (plan.causalAlignment === 'bottom-right') offset = plan.T - plan.Sq;
  else if (plan.hasPast) offset = plan.P;
  else if (validLength) offset = tf.sub(validLength, plan.Sq);
  return { offset, validLength };
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

export function positionTerms(plan: AttentionPlan, at: BatchPositions, r0: number, rows: number, range: KeyRange): PositionTerms {
  const needsRel = plan.isCausal || plan.window !== null || plan.alibiSlopes !== null;
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
    if (plan.isCausal) and(tf.lessEqual(rel, 0));
    if (plan.window && Number.isFinite(plan.window.left)) and(tf.greaterEqual(rel, -plan.window.left));
    if (plan.window && Number.isFinite(plan.window.right)) and(tf.lessEqual(rel, plan.window.right));
  }
  if (at.validLength) and(tf.less(keys, at.validLength));
  const mask = allowed as tf.Tensor | null;
  const bias = mask ? tf.where(mask, tf.zeros(mask.shape), tf.fill(mask.shape, Number.NEGATIVE_INFINITY)) : null;
  return { rel, bias };
}
