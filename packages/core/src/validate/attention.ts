import { defaultAlibiSlopes } from '../alibi.js';
import type { AttentionCapabilities, BackendCapabilities } from '../contract/backend.js';
import {
  ATTENTION_OPTION_KEYS,
  type AttentionOptions,
  type AttentionPlan,
  CAUSAL_ALIGNMENTS,
  type DeviceAttentionInputs,
  type MaskPlan,
  PRECISIONS,
  SCORES_OUTPUT_MODES,
} from '../contract/attention.js';
import { type DeviceTensor, sizeOf } from '../contract/tensor.js';
import { AttnkitError, formatShape, invalidArgument, shapeError } from '../errors.js';
import { broadcastStrides, checkDType, checkRank, isPositiveInteger } from './shapes.js';

/**
 * Notation: B batch · Hq/Hkv heads · Sq/Skv/P/T lengths · D/Dv head sizes (CONTRACT.md).
 * Turns a call into an AttentionPlan, or throws the first problem found. Nothing here touches data,
 * so it runs before any work is queued.
 */
const OP = 'attention';

export function planAttention(
  inputs: DeviceAttentionInputs,
  options: AttentionOptions,
  capabilities: BackendCapabilities,
): AttentionPlan {
  checkOptionKeys(options);
  const { q, k, v } = inputs;
  for (const [name, t] of [['q', q], ['k', k], ['v', v]] as const) {
    checkRank(OP, name, t, [3, 4]);
    checkDType(OP, name, t, ['float32']);
  }
  for (const [name, t] of [['k', k], ['v', v]] as const) {
    if (t.shape.length !== q.shape.length) throw shapeError(OP, name, `rank ${q.shape.length} like q ${formatShape(q.shape)}`, t.shape);
  }
  const layout = q.shape.length === 3 ? '3d' : '4d';
  const dims = layout === '3d' ? dims3d(q, k, v, options) : dims4d(q, k, v, options);
  const { B, Hq, Hkv, Sq, Skv, D, Dv } = dims;
  if (Hq % Hkv !== 0) {
    throw shapeError(OP, 'k', `key/value heads dividing the ${Hq} query heads of q ${formatShape(q.shape)}`, k.shape, `${Hkv} heads`);
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
  const returnPresent = resolveBoolean(options.returnPresent, 'returnPresent') || inputs.pastKey !== undefined;

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
    scale: resolveScale(options.scale, D),
    softcap: resolveSoftcap(options.softcap),
    isCausal: resolveBoolean(options.isCausal, 'isCausal'),
    causalAlignment: resolveEnum(options.causalAlignment, CAUSAL_ALIGNMENTS, 'top-left', 'causalAlignment'),
    window: resolveWindow(options.window),
    alibiSlopes: resolveAlibi(options.alibi, Hq),
    headMask: resolvePerHead(options.headMask, Hq, 'headMask'),
    mask,
    hasPast: inputs.pastKey !== undefined,
    hasValidLengths: inputs.kvValidLengths !== undefined,
    returnPresent,
    scoresOutput: resolveEnum(options.scoresOutput, SCORES_OUTPUT_MODES, 'none', 'scoresOutput'),
    precision: resolveEnum(options.precision, PRECISIONS, 'float32', 'precision'),
    yShape: layout === '3d' ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv],
    presentKeyShape: null,
    presentValueShape: null,
    scoresShape: null,
  };
  const withOutputs: AttentionPlan = {
    ...plan,
    presentKeyShape: plan.returnPresent ? [B, Hkv, T, D] : null,
    presentValueShape: plan.returnPresent ? [B, Hkv, T, Dv] : null,
    scoresShape: plan.scoresOutput === 'none' ? null : [B, Hq, Sq, T],
  };
  checkCapabilities(withOutputs, capabilities);
  return withOutputs;
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
  if (k.shape[0] !== B || k.shape[3] !== D) throw shapeError(OP, 'k', [B, '*', '*', D], k.shape, `batch and head size of q ${formatShape(q.shape)}`);
  if (v.shape[0] !== B || v.shape[1] !== Hkv || v.shape[2] !== Skv) {
    throw shapeError(OP, 'v', [B, Hkv, Skv, '*'], v.shape, `batch, heads and length of k ${formatShape(k.shape)}`);
  }
  if (options.qNumHeads !== undefined && options.qNumHeads !== Hq) {
    throw invalidArgument(OP, 'options.qNumHeads', `omitted or ${Hq} for 4D q ${formatShape(q.shape)}`, options.qNumHeads);
  }
  if (options.kvNumHeads !== undefined && options.kvNumHeads !== Hkv) {
    throw invalidArgument(OP, 'options.kvNumHeads', `omitted or ${Hkv} for 4D k ${formatShape(k.shape)}`, options.kvNumHeads);
  }
  if (Hkv === 0) throw shapeError(OP, 'k', [B, '≥1', Skv, D], k.shape, 'at least one key/value head');
  return { B, Hq, Hkv, Sq, Skv, D, Dv: v.shape[3] };
}

function dims3d(q: DeviceTensor, k: DeviceTensor, v: DeviceTensor, options: AttentionOptions): Dims {
  const Hq = options.qNumHeads;
  const Hkv = options.kvNumHeads;
  if (!isPositiveInteger(Hq)) throw invalidArgument(OP, 'options.qNumHeads', 'a positive integer with 3D inputs', Hq);
  if (!isPositiveInteger(Hkv)) throw invalidArgument(OP, 'options.kvNumHeads', 'a positive integer with 3D inputs', Hkv);
  const [B, Sq, qWidth] = q.shape;
  const [, Skv, kWidth] = k.shape;
  if (qWidth % Hq !== 0) throw shapeError(OP, 'q', [B, Sq, `${Hq}·D`], q.shape, `last axis must split into qNumHeads = ${Hq}`);
  const D = qWidth / Hq;
  if (k.shape[0] !== B || kWidth !== Hkv * D) {
    throw shapeError(OP, 'k', [B, '*', Hkv * D], k.shape, `kvNumHeads = ${Hkv} heads of size D = ${D}`);
  }
  if (v.shape[0] !== B || v.shape[1] !== Skv || v.shape[2] % Hkv !== 0) {
    throw shapeError(OP, 'v', [B, Skv, `${Hkv}·Dv`], v.shape, `batch and length of k, last axis split into ${Hkv} heads`);
  }
  return { B, Hq, Hkv, Sq, Skv, D, Dv: v.shape[2] / Hkv };
}

function checkPast(inputs: DeviceAttentionInputs, B: number, Hkv: number, D: number, Dv: number): number {
  const { pastKey, pastValue } = inputs;
  if (!pastKey && !pastValue) return 0;
  if (!pastKey || !pastValue) {
    const missing = pastKey ? 'pastValue' : 'pastKey';
    throw new AttnkitError('INVALID_ARGUMENT', `${OP}: pastKey and pastValue must be given together; ${missing} is missing`, {
      argument: missing,
    });
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
  const shape4 = [1, 1, 1, 1].map((one, i) => (i < 4 - rank ? one : mask.shape[i - (4 - rank)])) as [number, number, number, number];
  const target = [B, Hq, Sq, T];
  for (let axis = 0; axis < 3; axis++) {
    if (shape4[axis] !== 1 && shape4[axis] !== target[axis]) {
      throw shapeError(OP, 'mask', `broadcastable to ${formatShape(target)}`, mask.shape, `axis ${axis - 4} has ${shape4[axis]}, expected 1 or ${target[axis]}`);
    }
  }
  if (shape4[3] > T) {
    throw shapeError(OP, 'mask', `broadcastable to ${formatShape(target)}`, mask.shape, `key axis ${shape4[3]} is longer than T = ${T}`);
  }
  const broadcastTarget = [B, Hq, Sq, shape4[3]];
  const strides = broadcastStrides(shape4, broadcastTarget) as [number, number, number, number];
  return { kind: mask.dtype === 'bool' ? 'boolean' : 'additive', shape4, strides };
}

function checkOptionKeys(options: AttentionOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument(OP, 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!(ATTENTION_OPTION_KEYS as readonly string[]).includes(key)) {
      throw invalidArgument(OP, `options.${key}`, `one of the known options (${ATTENTION_OPTION_KEYS.join(', ')})`, key);
    }
  }
}

function resolveScale(scale: unknown, D: number): number {
  if (scale === undefined) return D === 0 ? 1 : 1 / Math.sqrt(D);
  if (typeof scale !== 'number' || !Number.isFinite(scale)) throw invalidArgument(OP, 'options.scale', 'a finite number', scale);
  return scale;
}

function resolveSoftcap(softcap: unknown): number {
  if (softcap === undefined) return 0;
  if (typeof softcap !== 'number' || !Number.isFinite(softcap) || softcap < 0) {
    throw invalidArgument(OP, 'options.softcap', 'a finite number ≥ 0 (0 is off)', softcap);
  }
  return softcap;
}

function resolveBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgument(OP, `options.${name}`, 'a boolean', value);
  return value;
}

function resolveEnum<E extends string>(value: unknown, allowed: readonly E[], fallback: E, name: string): E {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as E)) throw invalidArgument(OP, `options.${name}`, `one of ${allowed.join(', ')}`, value);
  return value as E;
}

function resolveWindow(window: unknown): AttentionPlan['window'] {
  if (window === undefined) return null;
  if (typeof window !== 'object' || window === null) throw invalidArgument(OP, 'options.window', 'an object { left, right }', window);
  const w = window as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (key !== 'left' && key !== 'right') throw invalidArgument(OP, `options.window.${key}`, 'left or right', key);
  }
  const side = (name: 'left' | 'right'): number => {
    const value = w[name];
    if (value === undefined) return Number.POSITIVE_INFINITY;
    const ok = value === Number.POSITIVE_INFINITY || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
    if (!ok) throw invalidArgument(OP, `options.window.${name}`, 'an integer ≥ 0 or Infinity', value);
    return value as number;
  };
  return { left: side('left'), right: side('right') };
}

function resolveAlibi(alibi: AttentionOptions['alibi'], Hq: number): Float32Array | null {
  if (alibi === undefined || alibi === false) return null;
  if (alibi === true) return defaultAlibiSlopes(Hq);
  if (typeof alibi !== 'object' || alibi === null || !('slopes' in alibi)) {
    throw invalidArgument(OP, 'options.alibi', 'true, false or { slopes }', alibi);
  }
  for (const key of Object.keys(alibi)) {
    if (key !== 'slopes') throw invalidArgument(OP, `options.alibi.${key}`, 'slopes (the only key)', key);
  }
  return resolvePerHead(alibi.slopes, Hq, 'alibi.slopes');
}

function resolvePerHead(values: ArrayLike<number> | undefined, Hq: number, name: string): Float32Array | null {
  if (values === undefined) return null;
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number') {
    throw invalidArgument(OP, `options.${name}`, `an array of ${Hq} numbers (one per query head)`, values);
  }
  if (values.length !== Hq) {
    throw invalidArgument(OP, `options.${name}`, `an array of ${Hq} numbers (one per query head)`, `length ${values.length}`);
  }
  const out = Float32Array.from(values as ArrayLike<number>);
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw invalidArgument(OP, `options.${name}[${bad}]`, 'a finite number', values[bad]);
  return out;
}

/** Every requested feature must be declared by the backend; a refusal is explicit, never silent. */
function checkCapabilities(plan: AttentionPlan, capabilities: BackendCapabilities): void {
  const a = capabilities.attention;
  const needs: [boolean, FeatureFlag, string][] = [
    [plan.mask?.kind === 'boolean', 'booleanMask', 'boolean masks'],
    [plan.mask?.kind === 'additive', 'additiveMask', 'additive masks'],
    [plan.softcap > 0, 'softcap', 'softcap'],
    [plan.window !== null, 'window', 'sliding windows'],
    [plan.alibiSlopes !== null, 'alibi', 'ALiBi'],
    [plan.headMask !== null, 'headMask', 'head masks'],
    [plan.hasPast, 'pastKeyValue', 'past key/value caches'],
    [plan.hasValidLengths, 'kvValidLengths', 'kvValidLengths'],
    [plan.layout === '3d', 'layout3d', '3D layouts'],
  ];
  for (const [needed, key, what] of needs) {
    if (needed && !a[key]) throw unsupported(what, OPTION_OF_FEATURE[key]);
  }
  // The alignment only changes results where something measures from the diagonal.
  if ((plan.isCausal || plan.window || plan.alibiSlopes) && !a.causalAlignments.includes(plan.causalAlignment)) {
    throw unsupported(`${plan.causalAlignment} causal alignment`, 'options.causalAlignment');
  }
  if (!a.scoresOutput.includes(plan.scoresOutput)) throw unsupported(`scoresOutput '${plan.scoresOutput}'`, 'options.scoresOutput');
  if (!capabilities.precisions.includes(plan.precision)) throw unsupported(`precision '${plan.precision}'`, 'options.precision');
  checkSizes(plan, capabilities.maxTensorElements);
}

type FeatureFlag = Exclude<keyof AttentionCapabilities, 'causalAlignments' | 'scoresOutput'>;

/** The argument a caller changes to avoid each feature. */
const OPTION_OF_FEATURE: Record<FeatureFlag, string> = {
  booleanMask: 'mask',
  additiveMask: 'mask',
  softcap: 'options.softcap',
  window: 'options.window',
  alibi: 'options.alibi',
  headMask: 'options.headMask',
  pastKeyValue: 'pastKey',
  kvValidLengths: 'kvValidLengths',
  layout3d: 'q',
};

/** Every output must fit the backend's largest tensor (the inputs already do: they were uploaded). */
function checkSizes(plan: AttentionPlan, limit: number): void {
  const outputs: [string, readonly number[] | null][] = [
    ['y', plan.yShape],
    ['presentKey', plan.presentKeyShape],
    ['presentValue', plan.presentValueShape],
    ['scores', plan.scoresShape],
  ];
  const tensors = outputs.filter((e): e is [string, readonly number[]] => e[1] !== null);
  for (const [name, shape] of tensors) {
    const elements = sizeOf(shape);
    if (elements > limit) {
      throw new AttnkitError('DEVICE_LIMIT', `${OP}: ${name} ${formatShape(shape)} has ${elements} elements, more than the backend's limit of ${limit}`, {
        argument: name,
        expected: `at most ${limit} elements`,
        given: formatShape(shape),
      });
    }
  }
}

function unsupported(what: string, argument: string): AttnkitError {
  return new AttnkitError('UNSUPPORTED', `${OP}: this backend does not support ${what}`, { argument });
}
