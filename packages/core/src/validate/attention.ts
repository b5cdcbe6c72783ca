import type { AttentionOptions, AttentionPlan, DeviceAttentionInputs, MaskPlan } from '../contract/attention.js';
import type { BackendCapabilities } from '../contract/backend.js';
import type { DeviceTensor } from '../contract/tensor.js';
import { AttnkitError, formatShape, invalidArgument, shapeError } from '../errors.js';
import { planDiagonal } from '../offsets.js';
import { planStrides } from '../strides.js';
import { checkOptionKeys, resolveOptions } from './attention-options.js';
import { checkCapabilities } from './capabilities.js';
import { broadcastStrides, checkDType, checkRank, isPositiveInteger } from './shapes.js';

/**
 * Notation: B batch · Hq/Hkv heads · Sq/Skv/P/T lengths · D/Dv head sizes (CONTRACT.md).
 * Turns a call into an AttentionPlan, or throws the first problem found. Nothing here touches data,
 * so it runs before any work is queued. The plan also carries the contract's derived numbers (the diagonal
 * offset rule, every tensor's head strides) so that no backend derives them again.
 */
const OP = 'attention';

export function planAttention(
  inputs: DeviceAttentionInputs,
  options: AttentionOptions,
  capabilities: BackendCapabilities,
): AttentionPlan {
  checkOptionKeys(options);
  const { q, k, v } = inputs;
  for (const [name, t] of [
    ['q', q],
    ['k', k],
    ['v', v],
  ] as const) {
    checkRank(OP, name, t, [3, 4]);
    checkDType(OP, name, t, ['float32']);
  }
  for (const [name, t] of [
    ['k', k],
    ['v', v],
  ] as const) {
    if (t.shape.length !== q.shape.length)
      throw shapeError(OP, name, `rank ${q.shape.length} like q ${formatShape(q.shape)}`, t.shape);
  }
  const layout = q.shape.length === 3 ? '3d' : '4d';
  const dims = layout === '3d' ? dims3d(q, k, v, options) : dims4d(q, k, v, options);
  const { B, Hq, Hkv, Sq, Skv, D, Dv } = dims;
  if (Hq % Hkv !== 0) {
    throw shapeError(
      OP,
      'k',
      `key/value heads dividing the ${Hq} query heads of q ${formatShape(q.shape)}`,
      k.shape,
      `${Hkv} heads`,
    );
  }

  const P = checkPast(inputs, B, Hkv, D, Dv);
  const T = P + Skv;
  if (inputs.kvValidLengths) {
    if (P > 0 || inputs.pastKey) {
      throw new AttnkitError('INVALID_ARGUMENT', `${OP}: kvValidLengths cannot be combined with pastKey/pastValue`, {
        argument: 'kvValidLengths',
      });
    }
    checkDType(OP, 'kvValidLengths', inputs.kvValidLengths, ['int32']);
    if (inputs.kvValidLengths.shape.length !== 1 || inputs.kvValidLengths.shape[0] !== B) {
      throw shapeError(OP, 'kvValidLengths', [B], inputs.kvValidLengths.shape);
    }
  }
  const mask = inputs.mask ? planMask(inputs.mask, B, Hq, Sq, T) : null;
  const resolved = resolveOptions(options, D, Hq);
  // A past cache always comes back extended: the caller needs it for the next step.
  const returnPresent = resolved.returnPresent || inputs.pastKey !== undefined;
  const hasPast = inputs.pastKey !== undefined;
  const hasValidLengths = inputs.kvValidLengths !== undefined;

  const plan: AttentionPlan = {
    B,
    Hq,
    Hkv,
    groupSize: Hq / Hkv,
    Sq,
    Skv,
    P,
    T,
    D,
    Dv,
    layout,
    ...resolved,
    mask,
    hasPast,
    hasValidLengths,
    returnPresent,
    diagonal: planDiagonal(resolved.causalAlignment, { Sq, P, T }, { hasPast, hasValidLengths }),
    strides: planStrides(layout, { Hq, Hkv, Sq, Skv, T, D, Dv }),
    yShape: layout === '3d' ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv],
    presentKeyShape: returnPresent ? [B, Hkv, T, D] : null,
    presentValueShape: returnPresent ? [B, Hkv, T, Dv] : null,
    scoresShape: resolved.scoresOutput === 'none' ? null : [B, Hq, Sq, T],
  };
  checkCapabilities(plan, capabilities);
  return plan;
}

interface Dims {
  B: number;
  Hq: number;
  Hkv: number;
  Sq: number;
  Skv: number;
  D: number;
  Dv: number;
}

function dims4d(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, options: AttentionOptions): Dims {
  const [B, Hq, Sq, D] = q.shape;
  const [, Hkv, Skv] = k.shape;
  if (k.shape[0] !== B || k.shape[3] !== D)
    throw shapeError(OP, 'k', [B, '*', '*', D], k.shape, `batch and head size of q ${formatShape(q.shape)}`);
  if (v.shape[0] !== B || v.shape[1] !== Hkv || v.shape[2] !== Skv) {
    throw shapeError(OP, 'v', [B, Hkv, Skv, '*'], v.shape, `batch, heads and length of k ${formatShape(k.shape)}`);
  }
  if (options.qNumHeads !== undefined && options.qNumHeads !== Hq) {
    throw invalidArgument(
      OP,
      'options.qNumHeads',
      `omitted or ${Hq} for 4D q ${formatShape(q.shape)}`,
      options.qNumHeads,
    );
  }
  if (options.kvNumHeads !== undefined && options.kvNumHeads !== Hkv) {
    throw invalidArgument(
      OP,
      'options.kvNumHeads',
      `omitted or ${Hkv} for 4D k ${formatShape(k.shape)}`,
      options.kvNumHeads,
    );
  }
  if (Hkv === 0) throw shapeError(OP, 'k', [B, '≥1', Skv, D], k.shape, 'at least one key/value head');
  return { B, Hq, Hkv, Sq, Skv, D, Dv: v.shape[3] };
}

function dims3d(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, options: AttentionOptions): Dims {
  const Hq = options.qNumHeads;
  const Hkv = options.kvNumHeads;
  if (!isPositiveInteger(Hq)) throw invalidArgument(OP, 'options.qNumHeads', 'a positive integer with 3D inputs', Hq);
  if (!isPositiveInteger(Hkv))
    throw invalidArgument(OP, 'options.kvNumHeads', 'a positive integer with 3D inputs', Hkv);
  const [B, Sq, qWidth] = q.shape;
  const [, Skv, kWidth] = k.shape;
  if (qWidth % Hq !== 0)
    throw shapeError(OP, 'q', [B, Sq, `${Hq}·D`], q.shape, `last axis must split into qNumHeads = ${Hq}`);
  const D = qWidth / Hq;
  if (k.shape[0] !== B || kWidth !== Hkv * D) {
    throw shapeError(OP, 'k', [B, '*', Hkv * D], k.shape, `kvNumHeads = ${Hkv} heads of size D = ${D}`);
  }
  if (v.shape[0] !== B || v.shape[1] !== Skv || v.shape[2] % Hkv !== 0) {
    throw shapeError(
      OP,
      'v',
      [B, Skv, `${Hkv}·Dv`],
      v.shape,
      `batch and length of k, last axis split into ${Hkv} heads`,
    );
  }
  return { B, Hq, Hkv, Sq, Skv, D, Dv: v.shape[2] / Hkv };
}

function checkPast(inputs: DeviceAttentionInputs, B: number, Hkv: number, D: number, Dv: number): number {
  const { pastKey, pastValue } = inputs;
  if (!pastKey && !pastValue) return 0;
  if (!pastKey || !pastValue) {
    const missing = pastKey ? 'pastValue' : 'pastKey';
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `${OP}: pastKey and pastValue must be given together; ${missing} is missing`,
      {
        argument: missing,
      },
    );
  }
  checkDType(OP, 'pastKey', pastKey, ['float32']);
  checkDType(OP, 'pastValue', pastValue, ['float32']);
  const [pb, ph, P, pd] = pastKey.shape;
  if (pastKey.shape.length !== 4 || pb !== B || ph !== Hkv || pd !== D) {
    throw shapeError(OP, 'pastKey', [B, Hkv, 'P', D], pastKey.shape, 'past caches are always 4D');
  }
  const vs = pastValue.shape;
  if (vs.length !== 4 || vs[0] !== B || vs[1] !== Hkv || vs[2] !== P || vs[3] !== Dv) {
    throw shapeError(OP, 'pastValue', [B, Hkv, P, Dv], vs, `P = ${P} from pastKey`);
  }
  return P;
}

function planMask(mask: DeviceTensor, B: number, Hq: number, Sq: number, T: number): MaskPlan {
  checkDType(OP, 'mask', mask, ['bool', 'float32']);
  const rank = mask.shape.length;
  if (rank < 1 || rank > 4) throw shapeError(OP, 'mask', 'rank 1 to 4, broadcastable to [B,Hq,Sq,T]', mask.shape);
  const shape4 = [1, 1, 1, 1].map((one, i) => (i < 4 - rank ? one : mask.shape[i - (4 - rank)])) as [
    number,
    number,
    number,
    number,
  ];
  const target = [B, Hq, Sq, T];
  for (let axis = 0; axis < 3; axis++) {
    if (shape4[axis] !== 1 && shape4[axis] !== target[axis]) {
      const why = `axis ${axis - 4} has ${shape4[axis]}, expected 1 or ${target[axis]}`;
      throw shapeError(OP, 'mask', `broadcastable to ${formatShape(target)}`, mask.shape, why);
    }
  }
  if (shape4[3] > T) {
    throw shapeError(
      OP,
      'mask',
      `broadcastable to ${formatShape(target)}`,
      mask.shape,
      `key axis ${shape4[3]} is longer than T = ${T}`,
    );
  }
  const broadcastTarget = [B, Hq, Sq, shape4[3]];
  const strides = broadcastStrides(shape4, broadcastTarget) as [number, number, number, number];
  return { kind: mask.dtype === 'bool' ? 'boolean' : 'additive', shape4, strides };
}
