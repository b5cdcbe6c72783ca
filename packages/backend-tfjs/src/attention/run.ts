import { type AttentionPlan, AttnkitError } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';
import { sliceTf } from '../ops/slice.js';
import { batchedAttention } from './batched.js';
import { type BlockedInputs, blockedAttention } from './blocked.js';
import { fromHeads, toHeads } from './layout.js';
import { additiveMask } from './mask.js';

/**
 * Attention on tf.Tensors for a resolved plan (CONTRACT.md). Notation: B batch · Hq/Hkv heads ·
 * Sq queries · T = P + Skv keys · D/Dv head sizes.
 *
 *   K = concat(pastK, K), V = concat(pastV, V)      [B, Hkv, T, D|Dv]   (the present key/value)
 *   Q = scale·Q                                     [B, Hq, Sq, D]
 *   then one of two paths (choosePath):
 *     batched (batched.ts)   all (b, h) of a chunk of batch entries in one batched matMul each way;
 *                            for short rows, where per-head ops would cost more than the arithmetic
 *     blocked (blocked.ts)   per batch entry, head and query block, 2-D matMuls (XNNPACK on wasm),
 *                            bounded memory and skipped keys; for long rows
 *
 * Both bound the score elements alive at once by `blockElements`, and every op is differentiable, so
 * tf.grad works through either.
 */
export interface AttentionTensors {
  readonly q: tf.Tensor;
  readonly k: tf.Tensor;
  readonly v: tf.Tensor;
  readonly mask?: tf.Tensor;
  readonly pastKey?: tf.Tensor;
  readonly pastValue?: tf.Tensor;
  readonly kvValidLengths?: tf.Tensor;
}

export interface AttentionTfOutputs {
  readonly y: tf.Tensor;
  readonly presentKey?: tf.Tensor;
  readonly presentValue?: tf.Tensor;
  readonly scores?: tf.Tensor;
}

export type AttentionPath = 'auto' | 'batched' | 'blocked';

export interface BlockingOptions {
  /**
   * Upper bound on the score elements computed at once: R·T for a query block of one head (blocked path),
   * C·Hq·Sq·T for a chunk of C batch entries (batched path; at least one entry).
   */
  readonly blockElements?: number;
  /** 'auto' (default) chooses per call (choosePath); 'batched' and 'blocked' force one, for tests and benchmarks. */
  readonly path?: AttentionPath;
}

export const DEFAULT_BLOCK_ELEMENTS = 1 << 18;
const PATHS: readonly AttentionPath[] = ['auto', 'batched', 'blocked'];

export function checkBlocking(op: string, options: BlockingOptions): void {
  const { blockElements } = options;
  if (blockElements !== undefined && !(Number.isInteger(blockElements) && blockElements > 0)) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `${op}: blockElements must be a positive integer, got ${String(blockElements)}`,
      {
        argument: 'blockElements',
        expected: 'a positive integer',
        given: String(blockElements),
      },
    );
  }
  if (options.path !== undefined && !PATHS.includes(options.path)) {
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `${op}: path must be one of ${PATHS.join(', ')}, got ${String(options.path)}`,
      {
        argument: 'path',
        expected: PATHS.join(' | '),
        given: String(options.path),
      },
    );
  }
}

export function runAttention(
  inputs: AttentionTensors,
  plan: AttentionPlan,
  options: BlockingOptions = {},
): AttentionTfOutputs {
  ensureGradients();
  const outputs = tf.tidy(() => {
    const { B, Hq, Hkv, Sq, Skv, T, D, Dv, layout } = plan;
    const k4 = toHeads(inputs.k, layout, B, Skv, Hkv, D);
    const v4 = toHeads(inputs.v, layout, B, Skv, Hkv, Dv);
    const keys: tf.Tensor4D = plan.hasPast ? tf.concat([inputs.pastKey as tf.Tensor4D, k4], 2) : k4;
    const values: tf.Tensor4D = plan.hasPast ? tf.concat([inputs.pastValue as tf.Tensor4D, v4], 2) : v4;
    const out: Record<string, tf.Tensor> = {};
    if (plan.returnPresent) {
      // An output must never alias an input: the caller disposes them independently.
      out.presentKey = keys === inputs.k ? tf.clone(keys) : keys;
      out.presentValue = values === inputs.v ? tf.clone(values) : values;
    }
    if (B * Hq * Sq === 0 || T === 0) {
      out.y = tf.zeros(plan.yShape as number[]);
      if (plan.scoresShape) out.scores = tf.zeros(plan.scoresShape as number[]);
      return out;
    }
    const q4 = tf.mul(toHeads(inputs.q, layout, B, Sq, Hq, D), plan.scale) as tf.Tensor4D;
    const mask = inputs.mask && plan.mask ? additiveMask(inputs.mask, plan) : null;
    const blockElements = options.blockElements ?? DEFAULT_BLOCK_ELEMENTS;
    const attend = { plan, q: q4, keys, values, mask, kvValidLengths: inputs.kvValidLengths, blockElements };
    const { y, scores } =
      choosePath(plan, options, tf.getBackend()) === 'batched' ? batchedChunks(attend) : blockedAttention(attend);
    out.y = fromHeads(y, layout);
    if (scores) out.scores = scores;
    return out;
  });
  return outputs as unknown as AttentionTfOutputs;
}

/**
 * The batched path when one batch entry's scores (Hq·Sq·T) fit the block budget, else the blocked one.
 * On wasm the batched products run in tfjs-wasm's scalar loop while the blocked ones run on XNNPACK, but
 * every head and query block costs the blocked path fixed work (slices, XNNPACK packing its weights, a
 * dozen dispatches): it wins only for query blocks longer than 24 rows, for any number of heads since
 * its slices read only their own block (ops/slice.ts). Measured by `pnpm bench --variants` (README).
 */
export function choosePath(plan: AttentionPlan, options: BlockingOptions, tfjsBackend: string): 'batched' | 'blocked' {
  if (options.path === 'batched' || options.path === 'blocked') return options.path;
  const budget = options.blockElements ?? DEFAULT_BLOCK_ELEMENTS;
  if (plan.Hq * plan.Sq * plan.T > budget) return 'blocked';
  if (tfjsBackend !== 'wasm') return 'batched';
  return plan.Sq <= WASM_BATCHED_MAX_SQ ? 'batched' : 'blocked';
}

const WASM_BATCHED_MAX_SQ = 24;

/** The batched path over chunks of C batch entries, C·Hq·Sq·T ≤ blockElements (C ≥ 1), each in its own tidy. */
function batchedChunks(x: BlockedInputs): { y: tf.Tensor4D; scores: tf.Tensor4D | null } {
  const { plan, q, keys, values, mask } = x;
  const { B, Hq, Sq, T } = plan;
  const C = Math.min(B, Math.max(1, Math.floor(x.blockElements / (Hq * Sq * T))));
  if (C === B) return batchedAttention({ ...x, b0: 0 });
  const ys: tf.Tensor4D[] = [];
  const scores: tf.Tensor4D[] = [];
  for (let b0 = 0; b0 < B; b0 += C) {
    const count = Math.min(C, B - b0);
    const chunk = tf.tidy(() => {
      const rows = <X extends tf.Tensor>(t: X) => sliceTf(t, [b0, 0, 0, 0], [count, -1, -1, -1]) as X;
      const out = batchedAttention({
        ...x,
        b0,
        q: rows(q),
        keys: rows(keys),
        values: rows(values),
        mask: mask && mask.shape[0] > 1 ? rows(mask) : mask,
      });
      return out.scores ? [out.y, out.scores] : [out.y];
    });
    ys.push(chunk[0] as tf.Tensor4D);
    if (chunk[1]) scores.push(chunk[1] as tf.Tensor4D);
  }
  return { y: tf.concat(ys, 0), scores: scores.length > 0 ? tf.concat(scores, 0) : null };
}
