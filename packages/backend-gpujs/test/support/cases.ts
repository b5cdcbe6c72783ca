import type { AttentionOptions, HostAttentionInputs } from '@attnkit/core';
import { floats, random } from './compare.js';

/**
 * Attention cases for this package's own check against the reference backend, covering every option of the
 * contract. The shared conformance suite (@attnkit/conformance) runs the full list; these stay as the
 * package's quick, local regression set.
 */
export interface AttentionCase {
  readonly name: string;
  readonly inputs: HostAttentionInputs;
  readonly options: AttentionOptions;
}

interface Dims {
  B: number;
  Hq: number;
  Hkv: number;
  Sq: number;
  Skv: number;
  D: number;
  Dv?: number;
  P?: number;
}

function make(
  name: string,
  dims: Dims,
  options: AttentionOptions = {},
  extra: (r: () => number) => Partial<HostAttentionInputs> = () => ({}),
  seed = 1,
): AttentionCase {
  const r = random(seed + name.length * 7919);
  const { B, Hq, Hkv, Sq, Skv, D } = dims;
  const Dv = dims.Dv ?? D;
  const P = dims.P ?? 0;
  const inputs: HostAttentionInputs = {
    q: { data: floats(B * Hq * Sq * D, r), shape: [B, Hq, Sq, D] },
    k: { data: floats(B * Hkv * Skv * D, r), shape: [B, Hkv, Skv, D] },
    v: { data: floats(B * Hkv * Skv * Dv, r), shape: [B, Hkv, Skv, Dv] },
    ...(P > 0 && {
      pastKey: { data: floats(B * Hkv * P * D, r), shape: [B, Hkv, P, D] },
      pastValue: { data: floats(B * Hkv * P * Dv, r), shape: [B, Hkv, P, Dv] },
    }),
    ...extra(r),
  };
  return { name, inputs, options };
}

function to3d(c: AttentionCase, Hq: number, Hkv: number): AttentionCase {
  const flat = (t: { data: Float32Array; shape: readonly number[] }) => {
    const [B, H, S, D] = t.shape;
    const out = new Float32Array(t.data.length);
    for (let b = 0; b < B; b++)
      for (let h = 0; h < H; h++)
        for (let s = 0; s < S; s++)
          for (let d = 0; d < D; d++) out[((b * S + s) * H + h) * D + d] = t.data[((b * H + h) * S + s) * D + d];
    return { data: out, shape: [B, S, H * D] };
  };
  return {
    name: `${c.name} (3d)`,
    inputs: { ...c.inputs, q: flat(c.inputs.q), k: flat(c.inputs.k), v: flat(c.inputs.v) },
    options: { ...c.options, qNumHeads: Hq, kvNumHeads: Hkv },
  };
}

const base = { B: 2, Hq: 4, Hkv: 2, Sq: 5, Skv: 7, D: 8 };

export const ATTENTION_CASES: readonly AttentionCase[] = [
  make('plain MHA', { ...base, Hkv: 4 }),
  make('GQA', base),
  make('MQA with Dv ≠ D', { ...base, Hkv: 1, Dv: 6 }),
  make('scale', base, { scale: 0.3 }),
  make('causal top-left', base, { isCausal: true }),
  make('causal bottom-right', base, { isCausal: true, causalAlignment: 'bottom-right' }),
  make('causal with past (offset P)', { ...base, P: 3 }, { isCausal: true }),
  make('past, bottom-right, returnPresent', { ...base, P: 4 }, { isCausal: true, causalAlignment: 'bottom-right' }),
  make('returnPresent without past', base, { returnPresent: true }),
  make('softcap', base, { softcap: 0.8, scale: 2 }),
  make('window both sides', base, { window: { left: 1, right: 2 }, causalAlignment: 'bottom-right' }),
  make('window left only, causal', base, { window: { left: 2 }, isCausal: true }),
  make('alibi default slopes', base, { alibi: true, isCausal: true }),
  make('alibi custom slopes, bottom-right', base, {
    alibi: { slopes: [0.5, 0.25, 1, 2] },
    causalAlignment: 'bottom-right',
  }),
  make('head mask', base, { headMask: [1, 0, 0.5, 2] }),
  make('boolean mask full', base, {}, (r) => ({
    mask: {
      kind: 'boolean',
      data: Uint8Array.from({ length: 2 * 4 * 5 * 7 }, () => (r() < 0.6 ? 1 : 0)),
      shape: [2, 4, 5, 7],
    },
  })),
  make('boolean mask broadcast [Sq, T]', base, { isCausal: true }, (r) => ({
    mask: { kind: 'boolean', data: Uint8Array.from({ length: 5 * 7 }, () => (r() < 0.7 ? 1 : 0)), shape: [5, 7] },
  })),
  make('additive mask short key axis [B,1,1,4]', base, {}, (r) => ({
    mask: { kind: 'additive', data: Float32Array.from({ length: 2 * 4 }, () => r() * 2 - 1), shape: [2, 1, 1, 4] },
  })),
  make('additive mask with −∞ and −1e9', base, {}, () => ({
    mask: {
      kind: 'additive',
      data: Float32Array.from({ length: 5 * 7 }, (_, n) =>
        n % 3 === 0 ? Number.NEGATIVE_INFINITY : n % 5 === 0 ? -1e9 : 0,
      ),
      shape: [1, 1, 5, 7],
    },
  })),
  make('kvValidLengths top-left', base, {}, () => ({ kvValidLengths: Int32Array.from([3, 7]) })),
  make('kvValidLengths causal (offset vl − Sq) with a zero length', base, { isCausal: true }, () => ({
    kvValidLengths: Int32Array.from([0, 6]),
  })),
  make(
    'fully masked rows: causal bottom-right with Sq > T',
    { ...base, Sq: 9, Skv: 4 },
    { isCausal: true, causalAlignment: 'bottom-right', scoresOutput: 'probabilities' },
  ),
  make('scores raw', base, { softcap: 0.5, scoresOutput: 'raw' }),
  make('scores softcapped', base, { softcap: 0.5, scoresOutput: 'softcapped' }),
  make('scores masked (−∞ kept)', base, { isCausal: true, alibi: true, scoresOutput: 'masked' }),
  make('scores probabilities', base, { window: { left: 1, right: 1 }, scoresOutput: 'probabilities' }),
  make('large logits ±1e4', { ...base, D: 4 }, { scale: 3000 }),
  make('T = 0', { ...base, Skv: 0 }, { scoresOutput: 'probabilities' }),
  make('Sq = 0', { ...base, Sq: 0 }, { returnPresent: true }),
  make('B = 0', { ...base, B: 0 }),
  make(
    'everything at once',
    { ...base, P: 2 },
    {
      isCausal: true,
      causalAlignment: 'bottom-right',
      softcap: 1.5,
      window: { left: 3, right: 0 },
      alibi: true,
      headMask: [1, 0.5, 0, 1],
      scoresOutput: 'masked',
    },
    (r) => ({ mask: { kind: 'additive', data: Float32Array.from({ length: 4 * 9 }, () => r()), shape: [4, 1, 9] } }),
  ),
];

export const ATTENTION_CASES_3D: readonly AttentionCase[] = [
  to3d(make('3d GQA causal', base, { isCausal: true, scoresOutput: 'masked' }), 4, 2),
  to3d(make('3d past', { ...base, P: 3 }, { isCausal: true }), 4, 2),
  to3d(make('3d MQA Dv ≠ D', { ...base, Hkv: 1, Dv: 4 }, { headMask: [1, 2, 0, 1] }), 4, 1),
];

/** Single rows and keys: packed 2D textures pad a one-row output to two. */
export const EDGE_CASES: readonly AttentionCase[] = [
  make(
    'decode step: one query, one head, past of 5',
    { B: 1, Hq: 1, Hkv: 1, Sq: 1, Skv: 1, D: 4, P: 5 },
    { isCausal: true, scoresOutput: 'masked' },
  ),
  make(
    'one key, one query, odd sizes',
    { B: 1, Hq: 1, Hkv: 1, Sq: 1, Skv: 1, D: 3, Dv: 5 },
    { scoresOutput: 'probabilities' },
  ),
  make(
    'odd everything',
    { B: 3, Hq: 3, Hkv: 1, Sq: 3, Skv: 5, D: 5, Dv: 3 },
    { isCausal: true, causalAlignment: 'bottom-right', scoresOutput: 'raw' },
  ),
];
