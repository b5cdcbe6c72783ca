import {
  type AttentionPlan,
  type DeviceAttentionInputs,
  type DeviceAttentionOutputs,
  diagonalOffset,
  type HeadStrides,
} from '@attnkit/core';
import type { WasmTensor } from '../tensor.js';
import type { Call } from './call.js';

/**
 * One validated attention call on the fused kernel (csrc/attention.c). Core's plan gives the sizes, the
 * head strides and the diagonal offset rule (read per batch entry with `diagonalOffset`); this file lays them out for the kernel, allocates every
 * output and scratch block before any work starts (so a call past the memory limit fails with DEVICE_LIMIT
 * and nothing queued), and fills the present cache, which is the only concatenation the call makes.
 */
const SCORES_MODE = { none: 0, raw: 1, softcapped: 2, masked: 3, probabilities: 4 } as const;
/** Keys per block: S for 64 rows × 64 keys stays in the L1 cache beside the packed Q and O rows. */
const KEY_BLOCK = 64;
/** Rows (query heads of a group × queries) a unit aims for, so one K/V block serves many rows. */
const ROWS_PER_UNIT = 64;
const UNBOUNDED = 1 << 30;

export function runAttention(
  call: Call,
  inputs: DeviceAttentionInputs<WasmTensor>,
  plan: AttentionPlan,
): DeviceAttentionOutputs<WasmTensor> {
  const { B, Hq, Hkv, groupSize: G, Sq, Skv, P, T, D, Dv } = plan;
  const y = call.output(plan.yShape, 'float32');
  const presentKey = plan.presentKeyShape ? call.output(plan.presentKeyShape, 'float32') : undefined;
  const presentValue = plan.presentValueShape ? call.output(plan.presentValueShape, 'float32') : undefined;
  const scores = plan.scoresShape ? call.output(plan.scoresShape, 'float32') : undefined;

  const qBlock = queryBlock(plan, call.threads);
  const rowsPerUnit = G * qBlock;
  const baseUnits = B * Hkv * Math.ceil(Sq / qBlock);
  const splits = keySplits(plan, baseUnits, call.threads);
  const splitLength = align(Math.ceil(T / splits), KEY_BLOCK);
  const units = baseUnits * splits;
  const scratchBytes = align(call.exports.attention_scratch_bytes(rowsPerUnit, D, Dv, KEY_BLOCK), 64);
  const threads = call.threadsFor(2 * B * Hq * Sq * T * (D + Dv), units);
  const scratch = call.temp(scratchBytes * threads, 'attention scratch');
  const partials = splits > 1 ? call.temp(units * rowsPerUnit * (Dv + 2) * 4, 'split-key partial states') : 0;

  const given = inputs.kvValidLengths ? call.int32(inputs.kvValidLengths) : undefined;
  const lengths = Array.from({ length: B }, (_, b) => (given ? Math.min(Math.max(given[b], 0), T) : T));
  const valid = call.ints(lengths, 'valid lengths');
  const offsets = call.ints(
    lengths.map((length) => diagonalOffset(plan, length)),
    'diagonal offsets',
  );
  const alibi = plan.alibiSlopes ? call.floats(plan.alibiSlopes, 'alibi slopes') : 0;
  const headMask = plan.headMask ? call.floats(plan.headMask, 'head mask') : 0;

  const [qsb, qsh, qss] = plan.strides.q;
  const [ksb, ksh, kss] = plan.strides.k;
  const [vsb, vsh, vss] = plan.strides.v;
  const [ysb, ysh, yss] = plan.strides.y;
  const mask = plan.mask;
  const window = plan.window;
  const args = {
    B,
    Hq,
    Hkv,
    group: G,
    Sq,
    Skv,
    P,
    T,
    D,
    Dv,
    q_sb: qsb,
    q_sh: qsh,
    q_ss: qss,
    k_sb: ksb,
    k_sh: ksh,
    k_ss: kss,
    v_sb: vsb,
    v_sh: vsh,
    v_ss: vss,
    y_sb: ysb,
    y_sh: ysh,
    y_ss: yss,
    scale: plan.scale,
    softcap: plan.softcap,
    causal: plan.isCausal ? 1 : 0,
    has_window: window ? 1 : 0,
    win_left: window ? bound(window.left) : 0,
    win_right: window ? bound(window.right) : 0,
    q: inputs.q.ptr,
    k: inputs.k.ptr,
    v: inputs.v.ptr,
    past_k: inputs.pastKey?.ptr ?? 0,
    past_v: inputs.pastValue?.ptr ?? 0,
    y: y.ptr,
    scores: scores?.ptr ?? 0,
    scores_mode: SCORES_MODE[plan.scoresOutput],
    offsets,
    valid,
    alibi,
    head_mask: headMask,
    mask: inputs.mask?.ptr ?? 0,
    mask_kind: mask ? (mask.kind === 'boolean' ? 1 : 2) : 0,
    m_sb: mask?.strides[0] ?? 0,
    m_sh: mask?.strides[1] ?? 0,
    m_sq: mask?.strides[2] ?? 0,
    m_sk: mask?.strides[3] ?? 0,
    m_len: mask?.shape4[3] ?? 0,
    q_block: qBlock,
    key_block: KEY_BLOCK,
    units,
    scratch,
    scratch_bytes: scratchBytes,
    splits,
    split_len: splitLength,
    partials,
  };
  call.run('attention', threads, args);
  if (splits > 1) call.run('attentionMerge', call.threadsFor(units * rowsPerUnit * Dv * 4, baseUnits), args);

  if (presentKey)
    writePresent(call, presentKey, inputs.pastKey, inputs.k, plan.strides.k, plan.strides.presentKey, plan);
  if (presentValue)
    writePresent(call, presentValue, inputs.pastValue, inputs.v, plan.strides.v, plan.strides.presentValue, plan);
  return { y, ...(presentKey && { presentKey }), ...(presentValue && { presentValue }), ...(scores && { scores }) };
}

/**
 * Queries per unit: enough that a unit has ~64 rows across its group's heads, fewer when that would
 * leave threads without units.
 */
function queryBlock(plan: AttentionPlan, threads: number): number {
  const { B, Hkv, groupSize, Sq } = plan;
  let block = Math.max(1, Math.min(Sq, Math.ceil(ROWS_PER_UNIT / groupSize)));
  while (block > 4 && B * Hkv * Math.ceil(Sq / block) < 4 * threads) block = Math.ceil(block / 2);
  return block;
}

/**
 * Split keys over threads (flash decoding) when there are fewer (batch, head, query block) units than
 * threads could use: a decode step of a model with one or two key/value heads would otherwise run on one
 * core. Each split keeps at least 256 keys, so the merge stays small beside the work. Never with scores,
 * whose rows need one final maximum.
 */
const MIN_SPLIT_KEYS = 256;

function keySplits(plan: AttentionPlan, baseUnits: number, threads: number): number {
  if (threads <= 1 || plan.scoresOutput !== 'none' || baseUnits >= 2 * threads) return 1;
  return Math.max(1, Math.min(Math.ceil((2 * threads) / baseUnits), Math.floor(plan.T / MIN_SPLIT_KEYS)));
}

/**
 * presentX[b, h] = concat(pastX[b, h], x[b, h]) as 4D [B, Hkv, T, width], whatever the layout of x: `strides`
 * are the head strides of x, `present` those of the present cache (both from the plan); the past is 4D
 * [B, Hkv, P, width].
 */
function writePresent(
  call: Call,
  out: WasmTensor,
  past: WasmTensor | undefined,
  fresh: WasmTensor,
  strides: HeadStrides,
  present: HeadStrides,
  plan: AttentionPlan,
): void {
  const { B, Hkv, Skv, P } = plan;
  const width = present[2]; // a present row is contiguous: its position stride is the head width
  const f32 = call.f32();
  const [sb, sh, ss] = strides;
  const outBase = out.ptr / 4;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < Hkv; h++) {
      const to = outBase + b * present[0] + h * present[1];
      if (past && P > 0) {
        const from = past.ptr / 4 + (b * Hkv + h) * P * width;
        f32.copyWithin(to, from, from + P * width);
      }
      const freshBase = fresh.ptr / 4 + b * sb + h * sh;
      if (ss === width) {
        f32.copyWithin(to + P * width, freshBase, freshBase + Skv * width);
      } else {
        for (let s = 0; s < Skv; s++)
          f32.copyWithin(to + (P + s) * width, freshBase + s * ss, freshBase + s * ss + width);
      }
    }
  }
}

function bound(side: number): number {
  return Number.isFinite(side) ? Math.min(side, UNBOUNDED) : UNBOUNDED;
}

function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
