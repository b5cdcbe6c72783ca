import type { AttentionPlan } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { sliceTf } from '../ops/slice.js';
import { chooseKeyProduct, headBlock, needsSink, prepareBias } from './head-block.js';
import { maskRows } from './mask.js';
import { batchPositions, positionTerms, visibleKeys } from './positions.js';

/**
 * Attention per batch entry, head and query block, for long rows. Notation of run.ts; R rows per block.
 *
 *   per batch b and key/value head g:   Kᵀ_g = transpose(K[b, g])              [D, T], once on wasm
 *                                       (decoding, and other tfjs backends: see KeyProduct)
 *   per query block (R rows):           position bias (causal, window, valid length), shared by heads
 *   per query head h (g = ⌊h / group⌋): S = (scale·Q[b, h, block]) · Kᵀ_g     [R, T]
 *                                       S = c·tanh(S/c); S += bias + mask (rule 7); P = softmax(S)
 *                                       Y[b, h, block] = headMask_h · P · V_g  [R, Dv]   (head-block.ts)
 *
 * On wasm every product is a single 2-D matMul without transpose flags, the one shape tfjs-wasm sends to
 * XNNPACK. Each block runs in its own tidy, so the [R, T] intermediates of one block are freed before the
 * next: peak memory is O(R·T), not O(Hq·Sq·T) (unless the caller asks for the scores).
 */
export interface BlockedInputs {
  readonly plan: AttentionPlan;
  /** scale·Q [B, Hq, Sq, D]. */
  readonly q: tf.Tensor4D;
  /** [B, Hkv, T, D]. */
  readonly keys: tf.Tensor4D;
  /** [B, Hkv, T, Dv]. */
  readonly values: tf.Tensor4D;
  /** The additive mask [mB, mH, mSq, T] (mask.ts). */
  readonly mask: tf.Tensor4D | null;
  readonly kvValidLengths?: tf.Tensor;
  readonly blockElements: number;
}

export function blockedAttention(x: BlockedInputs): { y: tf.Tensor4D; scores: tf.Tensor4D | null } {
  const { plan, mask, keys, values } = x;
  const { B, Hq, Hkv, Sq, T, D, Dv } = plan;
  const rowsPerBlock = blockRows(plan, x.blockElements);
  const sink = needsSink(plan);
  const product = chooseKeyProduct(plan, tf.getBackend());
  const keysAsRows = product !== 'kT';

  const yRows: tf.Tensor[][] = Array.from({ length: B * Hq }, () => []);
  const scoreRows: tf.Tensor[][] = Array.from({ length: B * Hq }, () => []);
  for (let b = 0; b < B; b++) {
    const keyMats = Array.from({ length: Hkv }, (_, g) =>
      keysAsRows ? headMatrix(keys, b, g) : (tf.transpose(headMatrix(keys, b, g)) as tf.Tensor2D),
    );
    const vg = Array.from({ length: Hkv }, (_, g) => headMatrix(values, b, g));
    const at = batchPositions(plan, x.kvValidLengths, b);
    for (let r0 = 0; r0 < Sq; r0 += rowsPerBlock) {
      const rows = Math.min(rowsPerBlock, Sq - r0);
      const keyRange = visibleKeys(plan, at, r0, rows);
      const width = keyRange.end - keyRange.start;
      const block = tf.tidy(() => {
        const positions = positionTerms(plan, at, r0, rows, keyRange);
        const keyBlock = keysAsRows
          ? keyMats.map((m) => withSinkRow(width === T ? m : sliceTf(m, [keyRange.start, 0], [width, D]), sink))
          : keyMats.map((m) => withSinkColumn(width === T ? m : tf.slice(m, [0, keyRange.start], [D, width]), sink));
        const vBlock = vg.map((m) => withSinkRow(width === T ? m : sliceTf(m, [keyRange.start, 0], [width, Dv]), sink));
        const perHead: tf.Tensor[] = [];
        const biasOf = (h: number) =>
          prepareBias(
            plan,
            {
              position: positions.bias,
              alibi: plan.alibiSlopes && positions.rel ? tf.mul(positions.rel, plan.alibiSlopes[h]) : null,
              mask: mask ? maskRows(mask, b, h, r0, rows, keyRange) : null,
            },
            width,
            sink,
          );
        // Without ALiBi or a per-head mask, every head of the block shares one bias: prepare it once.
        const perHeadBias = plan.alibiSlopes !== null || (mask !== null && mask.shape[1] > 1);
        const shared = width > 0 && !perHeadBias ? biasOf(0) : null;
        for (let h = 0; h < Hq; h++) {
          const g = Math.floor(h / plan.groupSize);
          const gain = plan.headMask ? plan.headMask[h] : 1;
          const head = tf.tidy(() => {
            // A pruned head (gain 0) outputs zeros: computed only when its scores are asked for.
            if (width === 0 || (gain === 0 && !plan.scoresShape)) return [tf.zeros([rows, Dv])];
            const bias = shared ?? biasOf(h);
            const q = tf.reshape(sliceTf(x.q, [b, h, r0, 0], [1, 1, rows, D]), [rows, D]) as tf.Tensor2D;
            const { y, stage } = headBlock({ plan, q, k: keyBlock[g], product, v: vBlock[g], width, sink, bias, gain });
            return stage ? [y, stage] : [y];
          });
          perHead.push(...head);
        }
        return perHead;
      });
      const stride = plan.scoresShape ? 2 : 1;
      for (let h = 0; h < Hq; h++) {
        yRows[b * Hq + h].push(block[h * stride]);
        if (plan.scoresShape) scoreRows[b * Hq + h].push(block[h * stride + 1]);
      }
    }
  }
  return { y: assemble(yRows, B, Hq), scores: plan.scoresShape ? assemble(scoreRows, B, Hq) : null };
}

/** Kᵀ [D, W] with the sink's zero column appended (see head-block.ts). */
function withSinkColumn(kT: tf.Tensor2D, sink: boolean): tf.Tensor2D {
  return sink ? tf.concat([kT, tf.zeros([kT.shape[0], 1])], 1) : kT;
}

/** V [W, Dv] with the sink's zero row appended. */
function withSinkRow(v: tf.Tensor2D, sink: boolean): tf.Tensor2D {
  return sink ? tf.concat([v, tf.zeros([1, v.shape[1]])], 0) : v;
}

/**
 * Query rows per block: as many as fit the element budget. When causal or window masking lets a block skip
 * keys, smaller blocks skip more (a causal block of R rows computes about R·(r0 + R) scores, not R·T).
 */
function blockRows(plan: AttentionPlan, budget: number): number {
  const byBudget = Math.max(1, Math.floor(budget / plan.T));
  const skipsKeys = (plan.isCausal || plan.window !== null) && plan.scoresOutput === 'none';
  const rows = skipsKeys ? Math.min(byBudget, Math.max(SKIPPING_BLOCK_ROWS, Math.ceil(plan.Sq / 16))) : byBudget;
  return Math.max(1, Math.min(plan.Sq, rows));
}

const SKIPPING_BLOCK_ROWS = 128;

/** [T, W] matrix of head g of batch entry b in a [B, H, T, W] tensor. */
function headMatrix(x: tf.Tensor, b: number, g: number): tf.Tensor2D {
  const [, , T, W] = x.shape;
  return tf.reshape(sliceTf(x, [b, g, 0, 0], [1, 1, T, W]), [T, W]);
}

/** Row blocks per (b, h) → [B, H, S, W]. */
function assemble(blocks: tf.Tensor[][], B: number, H: number): tf.Tensor4D {
  const heads = blocks.map((parts) => (parts.length === 1 ? parts[0] : tf.concat(parts, 0)));
  const [S, W] = heads[0].shape;
  return tf.reshape(tf.stack(heads), [B, H, S, W]);
}
