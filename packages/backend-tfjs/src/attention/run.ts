import { type AttentionPlan, AttnkitError } from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { ensureGradients } from '../gradients.js';
import { chooseKeyProduct, headBlock, needsSink, prepareBias } from './head-block.js';
import { fromHeads, toHeads } from './layout.js';
import { additiveMask, maskRows } from './mask.js';
import { batchPositions, positionTerms, visibleKeys } from './positions.js';

/**
 * Attention on tf.Tensors for a resolved plan (CONTRACT.md). Notation: B batch · Hq/Hkv heads ·
 * Sq queries · T = P + Skv keys · D/Dv head sizes · R rows of one query block.
 *
 *   per batch b and key/value head g:   Kᵀ_g = transpose(K[b, g])              [D, T], once on wasm
 *                                       (decoding, and other tfjs backends: see KeyProduct)
 *   per query block (R rows):           position bias (causal, window, valid length), shared by heads
 *   per query head h (g = ⌊h / group⌋): S = (scale·Q[b, h, block]) · Kᵀ_g     [R, T]
 *                                       S = c·tanh(S/c); S += bias + mask; P = softmax(S)
 *                                       Y[b, h, block] = headMask_h · P · V_g  [R, Dv]   (head-block.ts)
 *
 * On wasm every product is a single 2-D matMul without transpose flags, the one shape tfjs-wasm sends to
 * XNNPACK.
 * Each block runs in its own tidy, so the [R, T] intermediates of one block are freed before the next:
 * peak memory is O(R·T), not O(Hq·Sq·T) (unless the caller asks for the scores). Every op is
 * differentiable, so tf.grad works through the whole computation.
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

export interface BlockingOptions {
  /** Upper bound on the score elements (R·T) of one query block of one head. */
  readonly blockElements?: number;
}

export const DEFAULT_BLOCK_ELEMENTS = 1 << 18;

export function checkBlocking(op: string, options: BlockingOptions): void {
  const { blockElements } = options;
  if (blockElements !== undefined && !(Number.isInteger(blockElements) && blockElements > 0)) {
    throw new AttnkitError('INVALID_ARGUMENT', `${op}: blockElements must be a positive integer, got ${String(blockElements)}`, {
      argument: 'blockElements',
      expected: 'a positive integer',
      given: String(blockElements),
    });
  }
}

export function runAttention(inputs: AttentionTensors, plan: AttentionPlan, options: BlockingOptions = {}): AttentionTfOutputs {
  ensureGradients();
  const outputs = tf.tidy(() => {
    const { B, Hq, Hkv, Sq, Skv, T, D, Dv, layout } = plan;
    const k4 = toHeads(inputs.k, layout, B, Skv, Hkv, D);
    const v4 = toHeads(inputs.v, layout, B, Skv, Hkv, Dv);
    const keys = plan.hasPast ? tf.concat([inputs.pastKey!, k4], 2) : k4;
    const values = plan.hasPast ? tf.concat([inputs.pastValue!, v4], 2) : v4;
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
    const rowsPerBlock = blockRows(plan, options.blockElements ?? DEFAULT_BLOCK_ELEMENTS);
    const sink = needsSink(plan);
    const product = chooseKeyProduct(plan, tf.getBackend());
    const keysAsRows = product !== 'kT';

    const yRows: tf.Tensor[][] = Array.from({ length: B * Hq }, () => []);
    const scoreRows: tf.Tensor[][] = Array.from({ length: B * Hq }, () => []);
    for (let b = 0; b < B; b++) {
      const keyMats = Array.from({ length: Hkv }, (_, g) => (keysAsRows ? headMatrix(keys, b, g) : (tf.transpose(headMatrix(keys, b, g)) as tf.Tensor2D)));
      const vg = Array.from({ length: Hkv }, (_, g) => headMatrix(values, b, g));
      const at = batchPositions(plan, inputs.kvValidLengths, b);
      for (let r0 = 0; r0 < Sq; r0 += rowsPerBlock) {
        const rows = Math.min(rowsPerBlock, Sq - r0);
        const keyRange = visibleKeys(plan, at, r0, rows);
        const width = keyRange.end - keyRange.start;
        const block = tf.tidy(() => {
          const positions = positionTerms(plan, at, r0, rows, keyRange);
          const keyBlock = keysAsRows
            ? keyMats.map((m) => withSinkRow(width === T ? m : tf.slice(m, [keyRange.start, 0], [width, D]), sink))
            : keyMats.map((m) => withSinkColumn(width === T ? m : tf.slice(m, [0, keyRange.start], [D, width]), sink));
          const vBlock = vg.map((m) => withSinkRow(width === T ? m : tf.slice(m, [keyRange.start, 0], [width, Dv]), sink));
          const perHead: tf.Tensor[] = [];
          const biasOf = (h: number) =>
            prepareBias(
              plan,
              sumOf([
                positions.bias,
                plan.alibiSlopes && positions.rel ? tf.mul(positions.rel, plan.alibiSlopes[h]) : null,
                mask ? maskRows(mask, b, h, r0, rows, keyRange) : null,
              ]),
              width,
              sink,
            );
          // Without ALiBi or a per-head mask, every head of the block shares one bias: prepare it once.
          const perHeadBias = plan.alibiSlopes !== null || (mask !== null && mask.shape[1] > 1);
          const shared = width > 0 && !perHeadBias ? biasOf(0) : null;
          for (let h = 0; h < Hq; h++) {
            const g = Math.floor(h / plan.groupSize);
            const head = tf.tidy(() => {
              if (width === 0) return [tf.zeros([rows, Dv])];
              const bias = shared ?? biasOf(h);
              const q = tf.reshape(tf.slice(q4, [b, h, r0, 0], [1, 1, rows, D]), [rows, D]) as tf.Tensor2D;
              const gain = plan.headMask ? plan.headMask[h] : 1;
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
    out.y = fromHeads(assemble(yRows, B, Hq), layout);
    if (plan.scoresShape) out.scores = assemble(scoreRows, B, Hq);
    return out;
  });
  return outputs as unknown as AttentionTfOutputs;
}

function sumOf(terms: (tf.Tensor | null)[]): tf.Tensor | null {
  const present = terms.filter((t): t is tf.Tensor => t !== null);
  return present.length === 0 ? null : present.reduce((a, b) => tf.add(a, b));
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
  return tf.reshape(tf.slice(x, [b, g, 0, 0], [1, 1, T, W]), [T, W]);
}

/** Row blocks per (b, h) → [B, H, S, W]. */
function assemble(blocks: tf.Tensor[][], B: number, H: number): tf.Tensor4D {
  const heads = blocks.map((parts) => (parts.length === 1 ? parts[0] : tf.concat(parts, 0)));
  const [S, W] = heads[0].shape;
  return tf.reshape(tf.stack(heads), [B, H, S, W]);
}
