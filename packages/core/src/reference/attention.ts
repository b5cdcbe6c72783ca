import type { AttentionPlan, DeviceAttentionInputs, HeadStrides } from '../contract/attention.js';
import { diagonalOffset } from '../offsets.js';
import { softmaxInPlace } from './softmax.js';
import type { ReferenceTensor } from './tensor.js';

/**
 * The oracle: CONTRACT.md written out in float64, one query row at a time.
 *
 *   s_j = scale · q_i · k_j                      raw
 *   s_j = c · tanh(s_j / c)          (c > 0)     softcapped
 *   s_j += mask_j + alibi_j, −∞ where masked     masked (causal, window, valid length, short mask, boolean mask)
 *   p = softmax(s − c), or 0 if every s_j = −∞   probabilities (c: rule 7, below)
 *   y_i = headMask_h · Σ_j p_j v_j
 *
 * Rule 7: the softmax sees (mask_j − c) + alibi_j, where c is the row maximum of the additive mask over the
 * keys the row can see (those that causal, window, valid length, a short mask and −∞ leave visible; 0 when
 * there are none). softmax is invariant to the constant, and a row of one huge finite constant (−1e9,
 * −3.4028235e38) then keeps its scores exactly, instead of losing them to rounding. ALiBi and softcap are
 * not part of c: only the user's additive mask is factored. 'masked' scores report s_j + mask_j + alibi_j,
 * unfactored.
 *
 * Query head h reads key/value head ⌊h / groupSize⌋; keys j < P come from the past cache. The diagonal
 * offset and every stride come from the plan (offsets.ts, strides.ts).
 */
type Tensors = DeviceAttentionInputs<ReferenceTensor>;
export type ReferenceAttentionResult = {
  y: Float64Array;
  presentKey: Float64Array | null;
  presentValue: Float64Array | null;
  scores: Float64Array | null;
};

export function referenceAttention(inputs: Tensors, plan: AttentionPlan): ReferenceAttentionResult {
  const { B, Hq, Sq, T, D, Dv } = plan;
  const q = inputs.q.floats;
  const keys = concatPast(inputs.pastKey?.floats, inputs.k.floats, plan, D, plan.strides.k, plan.strides.presentKey);
  const values = concatPast(
    inputs.pastValue?.floats,
    inputs.v.floats,
    plan,
    Dv,
    plan.strides.v,
    plan.strides.presentValue,
  );
  const validLengths = inputs.kvValidLengths?.data as Int32Array | undefined;
  const mask = inputs.mask?.data;
  const y = new Float64Array(B * Hq * Sq * Dv);
  const scores = plan.scoresShape ? new Float64Array(B * Hq * Sq * T) : null;
  const { q: qStrides, y: yStrides, presentKey: kStrides, presentValue: vStrides } = plan.strides;
  const row = new Float64Array(T);
  const stage = new Float64Array(T);
  const acc = new Float64Array(Dv);

  for (let b = 0; b < B; b++) {
    const validLength = validLengths ? Math.min(Math.max(validLengths[b], 0), T) : T;
    const offset = diagonalOffset(plan, validLength);
    for (let h = 0; h < Hq; h++) {
      // A pruned head (headMask 0) outputs zeros, which y already holds: nothing to compute unless scores are asked for.
      if (plan.headMask?.[h] === 0 && !scores) continue;
      const kvh = Math.floor(h / plan.groupSize);
      const kBase = b * kStrides[0] + kvh * kStrides[1];
      const vBase = b * vStrides[0] + kvh * vStrides[1];
      for (let i = 0; i < Sq; i++) {
        const qBase = b * qStrides[0] + h * qStrides[1] + i * qStrides[2];
        for (let j = 0; j < T; j++) {
          let dot = 0;
          for (let d = 0; d < D; d++) dot += q[qBase + d] * keys[kBase + j * kStrides[2] + d];
          row[j] = plan.scale * dot;
        }
        if (plan.scoresOutput === 'raw') stage.set(row);
        if (plan.softcap > 0) for (let j = 0; j < T; j++) row[j] = plan.softcap * Math.tanh(row[j] / plan.softcap);
        if (plan.scoresOutput === 'softcapped') stage.set(row);
        const at: RowPosition = {
          h,
          diagonal: i + offset,
          validLength,
          maskBase: maskRowBase(plan, b, h, i),
          maskShift: 0,
        };
        if (plan.scoresOutput === 'masked') for (let j = 0; j < T; j++) stage[j] = row[j] + bias(plan, mask, at, j);
        const factored: RowPosition = { ...at, maskShift: additiveRowMax(plan, mask, at) };
        for (let j = 0; j < T; j++) row[j] += bias(plan, mask, factored, j);
        softmaxInPlace(row);
        if (plan.scoresOutput === 'probabilities') stage.set(row);
        if (scores) scores.set(stage, ((b * Hq + h) * Sq + i) * T);

        // Σ_j p_j v_j, walking each value row in order; masked keys (p_j = 0) are skipped, so even a
        // non-finite value behind a mask cannot leak into y as 0 · ∞ = NaN.
        acc.fill(0);
        for (let j = 0; j < T; j++) {
          if (row[j] === 0) continue;
          for (let d = 0; d < Dv; d++) acc[d] += row[j] * values[vBase + j * vStrides[2] + d];
        }
        const gain = plan.headMask ? plan.headMask[h] : 1;
        const yBase = b * yStrides[0] + h * yStrides[1] + i * yStrides[2];
        // + 0 turns −0 (a pruned head, a negative gain on a masked row) into 0
        for (let d = 0; d < Dv; d++) y[yBase + d] = gain * acc[d] + 0;
      }
    }
  }
  const present = plan.returnPresent;
  return { y, presentKey: present ? keys : null, presentValue: present ? values : null, scores };
}

/** Where query row (b, h, i) stands: its head, the key it is aligned with, its valid length, its mask row. */
interface RowPosition {
  readonly h: number;
  /** i + offset: causal, window and ALiBi all measure from this key. */
  readonly diagonal: number;
  readonly validLength: number;
  readonly maskBase: number;
  /** Subtracted from the additive mask's values: 0, or the row maximum of rule 7 (additiveRowMax). */
  readonly maskShift: number;
}

/** Element index of mask[b, h, i, 0] through the broadcast strides (0 on broadcast axes). */
function maskRowBase(plan: AttentionPlan, b: number, h: number, i: number): number {
  if (!plan.mask) return 0;
  const [sb, sh, sq] = plan.mask.strides;
  return b * sb + h * sh + i * sq;
}

/** Whether causal, window, valid length or a short mask (keys past its last dimension) hide key j. */
function hiddenByPosition(plan: AttentionPlan, at: RowPosition, j: number): boolean {
  const { diagonal } = at;
  if (plan.isCausal && j > diagonal) return true;
  if (plan.window && (j < diagonal - plan.window.left || j > diagonal + plan.window.right)) return true;
  if (plan.hasValidLengths && j >= at.validLength) return true;
  // The key axis is never broadcast: keys past the mask's last dimension are masked (ONNX).
  return plan.mask !== null && j >= plan.mask.shape4[3];
}

/**
 * Rule 7's constant: the maximum of the additive mask over the keys the row can see (not hidden by
 * position, not −∞), or 0 for a boolean mask, no mask, or a row with no such key.
 */
function additiveRowMax(plan: AttentionPlan, mask: ArrayLike<number> | undefined, at: RowPosition): number {
  if (plan.mask?.kind !== 'additive' || !mask) return 0;
  let top = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < plan.T; j++) {
    if (hiddenByPosition(plan, at, j)) continue;
    const value = mask[at.maskBase + j * plan.mask.strides[3]];
    if (value > top) top = value;
  }
  return Number.isFinite(top) ? top : 0;
}

/**
 * Every additive term for key j of one query row: −∞ if any mechanism masks it, else the additive mask less
 * `at.maskShift`, plus ALiBi.
 */
function bias(plan: AttentionPlan, mask: ArrayLike<number> | undefined, at: RowPosition, j: number): number {
  if (hiddenByPosition(plan, at, j)) return Number.NEGATIVE_INFINITY;
  const { diagonal } = at;
  let total = 0;
  if (plan.mask && mask) {
    const value = mask[at.maskBase + j * plan.mask.strides[3]];
    if (plan.mask.kind === 'boolean') {
      if (!value) return Number.NEGATIVE_INFINITY;
    } else {
      total += value - at.maskShift;
    }
  }
  if (plan.alibiSlopes) total -= plan.alibiSlopes[at.h] * (diagonal - j);
  return total;
}

/**
 * concat(past, new) along the sequence axis into the present layout, always 4D [B, Hkv, T, width]; the past
 * cache is 4D [B, Hkv, P, width].
 */
function concatPast(
  past: Float64Array | undefined,
  fresh: Float64Array,
  plan: AttentionPlan,
  width: number,
  freshStrides: HeadStrides,
  presentStrides: HeadStrides,
): Float64Array {
  const { B, Hkv, Skv, P, T } = plan;
  const out = new Float64Array(B * Hkv * T * width);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hkv; h++) {
      const base = b * presentStrides[0] + h * presentStrides[1];
      if (past) out.set(past.subarray((b * Hkv + h) * P * width, (b * Hkv + h + 1) * P * width), base);
      for (let s = 0; s < Skv; s++) {
        const from = b * freshStrides[0] + h * freshStrides[1] + s * freshStrides[2];
        out.set(fresh.subarray(from, from + width), base + (P + s) * presentStrides[2]);
      }
    }
  }
  return out;
}
