import type { AttentionOptions, HostAttentionInputs, HostTensor, Precision } from '@attnkit/core';
import { integers, mulberry32, type Random, uniform } from './random.js';
import { type AttentionSpec, type MaskSpec, totalKeys, valueWidth } from './spec.js';

/** One attention call, ready for `attention(backend, inputs, options)`. */
export interface GeneratedCall {
  readonly inputs: HostAttentionInputs;
  readonly options: AttentionOptions;
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The tensors and options of a spec, drawn from `seed`. The same spec and seed always give the same call. */
export function generateCall(spec: AttentionSpec, seed: number, precision: Precision = 'float32'): GeneratedCall {
  const random = mulberry32(seed);
  const { B, Hq, Hkv, Sq, Skv, D } = spec;
  const Dv = valueWidth(spec);
  const is3d = spec.layout === '3d';
  const qShape = is3d ? [B, Sq, Hq * D] : [B, Hq, Sq, D];
  const kShape = is3d ? [B, Skv, Hkv * D] : [B, Hkv, Skv, D];
  const vShape = is3d ? [B, Skv, Hkv * Dv] : [B, Hkv, Skv, Dv];
  const pattern = spec.values ?? 'uniform';
  const q =
    pattern === 'uniform'
      ? tensor(uniform(random, size(qShape)), qShape)
      : largeLogitRows(random, qShape, D, pattern === 'large-negative' ? -100 : 100);
  const k =
    pattern === 'uniform' ? tensor(uniform(random, size(kShape)), kShape) : largeLogitRows(random, kShape, D, 100);
  const v = tensor(uniform(random, size(vShape)), vShape);
  let inputs: HostAttentionInputs = { q, k, v };
  if (spec.P !== undefined) {
    const pkShape = [B, Hkv, spec.P, D];
    const pvShape = [B, Hkv, spec.P, Dv];
    const pastKey =
      pattern === 'uniform' ? tensor(uniform(random, size(pkShape)), pkShape) : largeLogitRows(random, pkShape, D, 100);
    inputs = { ...inputs, pastKey, pastValue: tensor(uniform(random, size(pvShape)), pvShape) };
  }
  if (spec.mask) inputs = { ...inputs, mask: generateMask(random, spec.mask) };
  if (spec.validLengths) inputs = { ...inputs, kvValidLengths: Int32Array.from(spec.validLengths) };
  return { inputs, options: optionsOf(spec, precision) };
}

export function optionsOf(spec: AttentionSpec, precision: Precision): AttentionOptions {
  const o = spec.options ?? {};
  const options: Record<string, unknown> = { ...o };
  if (o.alibi && o.alibi !== true) options.alibi = { slopes: [...o.alibi.slopes] };
  if (o.headMask) options.headMask = [...o.headMask];
  if (o.window) options.window = { ...o.window };
  if (spec.layout === '3d') {
    options.qNumHeads = spec.Hq;
    options.kvNumHeads = spec.Hkv;
  }
  if (precision !== 'float32') options.precision = precision;
  return options as AttentionOptions;
}

function tensor(data: Float32Array, shape: readonly number[]): HostTensor {
  return { data, shape: [...shape] };
}

/**
 * Rows [±100, a, 0, …] for q and [100, b, 0, …] for k, with small integers a, b: scale·q·k = ±1e4 + a·b exactly
 * (scale 1), so a kernel that does not subtract the row maximum overflows, and nothing else can differ.
 */
function largeLogitRows(random: Random, shape: readonly number[], D: number, lead: number): HostTensor {
  const data = new Float32Array(size(shape));
  const small = integers(random, data.length / D, -3, 3);
  for (let r = 0; r < data.length / D; r++) {
    data[r * D] = lead;
    if (D > 1) data[r * D + 1] = small[r];
  }
  return tensor(data, shape);
}

export function generateMask(random: Random, spec: MaskSpec): HostAttentionInputs['mask'] & object {
  const n = size(spec.shape);
  const rank = spec.shape.length;
  const width = spec.shape[rank - 1];
  const rows = rank >= 2 ? spec.shape[rank - 2] : 1;
  const queryIndex = (flat: number) => (width === 0 ? 0 : Math.floor(flat / width) % rows);
  const boolean = spec.kind === 'boolean';
  const data = boolean ? new Uint8Array(n) : new Float32Array(n);
  for (let f = 0; f < n; f++) {
    const r = random();
    switch (spec.pattern) {
      case 'keep-all':
        data[f] = boolean ? 1 : 0;
        break;
      case 'all-masked':
        data[f] = boolean ? 0 : Number.NEGATIVE_INFINITY;
        break;
      case 'large-negative':
        data[f] = queryIndex(f) === 0 || r < 0.5 ? -1e9 : 2 * random() - 1;
        break;
      default: {
        const masked = (spec.pattern === 'first-row-masked' && queryIndex(f) === 0) || r < (boolean ? 0.3 : 0.25);
        data[f] = boolean ? (masked ? 0 : 1) : masked ? Number.NEGATIVE_INFINITY : -2 + 3 * random();
      }
    }
  }
  return { data, shape: [...spec.shape], kind: spec.kind } as HostAttentionInputs['mask'] & object;
}

export { totalKeys };
