import type { AttentionSpec, MaskSpec, PerfTag } from '../spec.js';
import { PERF } from './perf-sizes.js';

/**
 * Generated attention cases: one entry per shape/option combination, grouped by the feature it exercises
 * (the matrix column). Tensors are drawn from the case's seed; expected values come from the reference,
 * and where keys are masked the exact checks of `visibility.ts` apply.
 */
export interface AttentionEntry {
  readonly feature: string;
  readonly name: string;
  readonly spec: AttentionSpec;
  /** Only in the full tier (long rows, big heads). */
  readonly fullOnly?: boolean;
  /**
   * Also timed by the perf matrix, at the sizes of these tags (perf-sizes.ts; `listPerfCases`). A tag changes
   * no correctness case: the tiers list the entry at its own shape either way.
   */
  readonly perf?: readonly PerfTag[];
}

const base = { B: 2, Hq: 2, Hkv: 2, Sq: 3, Skv: 5, D: 4 } as const;
const bool = (shape: readonly number[], pattern: MaskSpec['pattern'] = 'random'): MaskSpec => ({
  kind: 'boolean',
  shape,
  pattern,
});
const additive = (shape: readonly number[], pattern: MaskSpec['pattern'] = 'random'): MaskSpec => ({
  kind: 'additive',
  shape,
  pattern,
});

const POS = Number.POSITIVE_INFINITY;
const NEG = Number.NEGATIVE_INFINITY;

/**
 * Calls the host API refuses with INVALID_ARGUMENT, naming the argument and the position: valid lengths
 * outside [0, T], a non-finite value in q, k, v or a past cache, NaN or +∞ in an additive mask.
 */
function hostRefusals(): AttentionEntry[] {
  const refuse = (
    name: string,
    argument: string,
    spec: Partial<AttentionSpec>,
    poison?: AttentionSpec['poison'],
  ): AttentionEntry => ({
    feature: 'edge-host',
    name,
    spec: { ...base, ...spec, ...(poison && { poison }), rejects: { code: 'INVALID_ARGUMENT', argument } },
  });
  const past = { Sq: 2, Skv: 2, P: 3 };
  return [
    refuse('valid-lengths-above-t', 'kvValidLengths[1]', { validLengths: [3, 6] }),
    refuse('valid-lengths-negative', 'kvValidLengths[0]', { validLengths: [-1, 2] }),
    refuse('nan-in-q', 'q[1,0,2,1]', {}, [{ input: 'q', at: 33, value: NaN }]),
    refuse('inf-in-k', 'k[0,1,3,0]', {}, [{ input: 'k', at: 32, value: POS }]),
    refuse('neg-inf-in-v', 'v[1,1,4,3]', {}, [{ input: 'v', at: 79, value: NEG }]),
    refuse('inf-in-past-key', 'pastKey[0,1,0,2]', past, [{ input: 'pastKey', at: 14, value: POS }]),
    refuse('nan-in-past-value', 'pastValue[1,0,2,0]', past, [{ input: 'pastValue', at: 32, value: NaN }]),
    refuse('nan-in-mask', 'mask[1,2]', { mask: additive([3, 5]) }, [{ input: 'mask', at: 7, value: NaN }]),
    refuse('inf-in-mask', 'mask[0,0,0,4]', { mask: additive([2, 1, 3, 5]) }, [{ input: 'mask', at: 4, value: POS }]),
  ];
}

/** Every broadcastable mask rank for [B=2, Hq=2, Sq=3, T=5], and a mask shorter than T. */
const maskShapes: readonly [string, readonly number[]][] = [
  ['rank1-t', [5]],
  ['rank2-sq-t', [3, 5]],
  ['rank2-1-t', [1, 5]],
  ['rank3-h-sq-t', [2, 3, 5]],
  ['rank3-h-1-t', [2, 1, 5]],
  ['rank4-b-1-sq-t', [2, 1, 3, 5]],
  ['rank4-1-h-1-t', [1, 2, 1, 5]],
  ['rank4-full', [2, 2, 3, 5]],
  ['short-sq-3of5', [3, 3]],
  ['short-rank4-1of5', [2, 2, 3, 1]],
];

const maskCases = (
  feature: string,
  make: (shape: readonly number[]) => MaskSpec,
  perf: Readonly<Record<string, readonly PerfTag[]>> = {},
): AttentionEntry[] =>
  maskShapes.map(([name, shape]) => ({
    feature,
    name,
    spec: { ...base, mask: make(shape) },
    ...(perf[name] && { perf: perf[name] }),
  }));

export const ATTENTION_ENTRIES: readonly AttentionEntry[] = [
  // basic
  {
    feature: 'basic',
    name: 'mha-square',
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 4, Skv: 4, D: 8 },
    perf: [PERF.sequence, PERF.float16],
  },
  { feature: 'basic', name: 'sq3-skv7', spec: { B: 2, Hq: 2, Hkv: 2, Sq: 3, Skv: 7, D: 4 }, perf: [PERF.longKeys] },
  { feature: 'basic', name: 'sq7-skv3', spec: { B: 1, Hq: 2, Hkv: 2, Sq: 7, Skv: 3, D: 4 } },
  { feature: 'basic', name: 'dv6-d4', spec: { ...base, Dv: 6 } },
  { feature: 'basic', name: 'dv2-d8', spec: { ...base, D: 8, Dv: 2 } },
  { feature: 'basic', name: 'single-key', spec: { ...base, Skv: 1 } },
  { feature: 'basic', name: 'return-present', spec: { ...base, Dv: 3, options: { returnPresent: true } } },
  {
    feature: 'basic',
    name: 'batch3-heads4',
    spec: { B: 3, Hq: 4, Hkv: 4, Sq: 5, Skv: 6, D: 16 },
    perf: [PERF.batch],
  },
  // scale
  { feature: 'scale', name: 'scale-0.3', spec: { ...base, options: { scale: 0.3 } } },
  { feature: 'scale', name: 'scale-2.5', spec: { ...base, options: { scale: 2.5 } } },
  { feature: 'scale', name: 'scale-1-d16', spec: { ...base, D: 16, options: { scale: 1 } } },
  { feature: 'scale', name: 'scale-negative', spec: { ...base, options: { scale: -0.7 } } },
  // head sizes
  ...[1, 3, 80, 96, 128, 256].map((D) => ({
    feature: 'head-size',
    name: `d${D}`,
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 3, Skv: 6, D },
  })),
  {
    feature: 'head-size',
    name: 'd3-dv5-causal',
    spec: { B: 1, Hq: 2, Hkv: 1, Sq: 4, Skv: 6, D: 3, Dv: 5, options: { isCausal: true } },
  },
  // masks
  ...maskCases('mask-boolean', (shape) => bool(shape)),
  {
    feature: 'mask-boolean',
    name: 'first-row-masked',
    spec: { ...base, mask: bool([2, 2, 3, 5], 'first-row-masked') },
  },
  { feature: 'mask-boolean', name: 'keep-all', spec: { ...base, mask: bool([3, 5], 'keep-all') } },
  // [Sq, T] is the bench's [1, 1, Sq, T] mask: the same data, broadcast alike.
  ...maskCases('mask-additive', (shape) => additive(shape), { 'rank2-sq-t': [PERF.mask] }),
  {
    feature: 'mask-additive',
    name: 'first-row-neg-inf',
    spec: { ...base, mask: additive([2, 3, 5], 'first-row-masked') },
  },
  // scale 0: every score is 0, so a row of −1e9 is exactly uniform in float32 too (−1e9 + s rounds to −1e9 there).
  {
    feature: 'mask-additive',
    name: 'large-negative-1e9',
    spec: { ...base, mask: additive([2, 2, 3, 5], 'large-negative'), options: { scale: 0 } },
  },
  {
    feature: 'mask-additive',
    name: 'large-negative-1e9-rank2-probabilities',
    spec: { ...base, mask: additive([3, 5], 'large-negative'), options: { scale: 0, scoresOutput: 'probabilities' } },
  },
  // causal, top-left (the default)
  { feature: 'causal', name: 'square', spec: { ...base, Sq: 5, options: { isCausal: true } }, perf: [PERF.causal] },
  { feature: 'causal', name: 'sq4-skv6', spec: { ...base, Sq: 4, Skv: 6, options: { isCausal: true } } },
  { feature: 'causal', name: 'sq6-skv4', spec: { ...base, Sq: 6, Skv: 4, options: { isCausal: true } } },
  {
    feature: 'causal',
    name: 'explicit-top-left',
    spec: { ...base, Sq: 2, Skv: 6, options: { isCausal: true, causalAlignment: 'top-left' } },
  },
  { feature: 'causal', name: 'sq1', spec: { ...base, Sq: 1, Skv: 6, options: { isCausal: true } } },
  {
    feature: 'causal',
    name: 'with-boolean-mask',
    spec: { ...base, Sq: 4, Skv: 6, mask: bool([4, 6]), options: { isCausal: true } },
  },
  {
    feature: 'causal',
    name: 'with-additive-mask',
    spec: { ...base, Sq: 4, Skv: 6, mask: additive([2, 1, 4, 6]), options: { isCausal: true } },
  },
  // causal, bottom-right
  {
    feature: 'causal-bottom-right',
    name: 'square',
    spec: { ...base, Sq: 5, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'causal-bottom-right',
    name: 'sq4-skv6',
    spec: { ...base, Sq: 4, Skv: 6, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'causal-bottom-right',
    name: 'sq6-skv4-first-rows-masked',
    spec: {
      ...base,
      Sq: 6,
      Skv: 4,
      options: { isCausal: true, causalAlignment: 'bottom-right', scoresOutput: 'masked' },
    },
  },
  {
    feature: 'causal-bottom-right',
    name: 'sq1',
    spec: { ...base, Sq: 1, Skv: 6, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'causal-bottom-right',
    name: 'past3-sq2',
    spec: { ...base, Sq: 2, Skv: 4, P: 3, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'causal-bottom-right',
    name: 'valid-lengths',
    spec: {
      ...base,
      Sq: 2,
      Skv: 6,
      validLengths: [4, 6],
      options: { isCausal: true, causalAlignment: 'bottom-right' },
    },
  },
  // grouped-query and multi-query
  { feature: 'gqa', name: 'gqa-9-3', spec: { B: 1, Hq: 9, Hkv: 3, Sq: 3, Skv: 5, D: 4 }, perf: [PERF.gqa] },
  {
    feature: 'gqa',
    name: 'gqa-4-2-causal',
    spec: { B: 2, Hq: 4, Hkv: 2, Sq: 4, Skv: 4, D: 8, options: { isCausal: true } },
  },
  { feature: 'gqa', name: 'mqa-4-1', spec: { B: 2, Hq: 4, Hkv: 1, Sq: 3, Skv: 5, D: 4 } },
  { feature: 'gqa', name: 'mqa-3-1-dv2', spec: { B: 1, Hq: 3, Hkv: 1, Sq: 2, Skv: 5, D: 4, Dv: 2 } },
  { feature: 'gqa', name: 'gqa-6-3-mask-h', spec: { B: 1, Hq: 6, Hkv: 3, Sq: 3, Skv: 5, D: 4, mask: bool([6, 3, 5]) } },
  {
    feature: 'gqa',
    name: 'gqa-9-3-scores',
    spec: { B: 1, Hq: 9, Hkv: 3, Sq: 2, Skv: 4, D: 4, options: { scoresOutput: 'probabilities' } },
  },
  // softcap
  { feature: 'softcap', name: 'cap1-scale2', spec: { ...base, options: { softcap: 1, scale: 2 } } },
  {
    feature: 'softcap',
    name: 'cap0.5-causal',
    spec: { ...base, Sq: 4, Skv: 6, options: { softcap: 0.5, isCausal: true } },
  },
  {
    feature: 'softcap',
    name: 'cap1-additive-mask',
    spec: { ...base, mask: additive([2, 2, 3, 5]), options: { softcap: 1 } },
  },
  {
    feature: 'softcap',
    name: 'cap2-boolean-mask',
    spec: { ...base, mask: bool([3, 5]), options: { softcap: 2, scale: 3 } },
  },
  { feature: 'softcap', name: 'cap30-d16', spec: { ...base, D: 16, options: { softcap: 30, scale: 1 } } },
  {
    feature: 'softcap',
    name: 'cap1-large-logits',
    spec: { ...base, D: 2, values: 'large-positive', options: { softcap: 1, scale: 1 } },
  },
  // sliding window
  {
    feature: 'window',
    name: 'left1-right0',
    spec: { ...base, Sq: 5, Skv: 5, options: { window: { left: 1, right: 0 } } },
  },
  {
    feature: 'window',
    name: 'left2-right1',
    spec: { ...base, Sq: 4, Skv: 6, options: { window: { left: 2, right: 1 } } },
  },
  {
    feature: 'window',
    name: 'left0-right0',
    spec: { ...base, Sq: 5, Skv: 5, options: { window: { left: 0, right: 0 } } },
  },
  { feature: 'window', name: 'left-only', spec: { ...base, Sq: 5, Skv: 7, options: { window: { left: 2 } } } },
  { feature: 'window', name: 'right-only', spec: { ...base, Sq: 5, Skv: 7, options: { window: { right: 1 } } } },
  {
    feature: 'window',
    name: 'causal-left2',
    spec: { ...base, Sq: 5, Skv: 5, options: { isCausal: true, window: { left: 2, right: 3 } } },
  },
  {
    feature: 'window',
    name: 'bottom-right',
    spec: { ...base, Sq: 3, Skv: 7, options: { window: { left: 2, right: 0 }, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'window',
    name: 'past4',
    spec: { ...base, Sq: 2, Skv: 2, P: 4, options: { window: { left: 2, right: 0 } } },
  },
  // ALiBi
  {
    feature: 'alibi',
    name: 'default-h4',
    spec: { B: 1, Hq: 4, Hkv: 4, Sq: 3, Skv: 6, D: 4, options: { alibi: true } },
  },
  {
    feature: 'alibi',
    name: 'default-h6',
    spec: { B: 1, Hq: 6, Hkv: 3, Sq: 3, Skv: 6, D: 4, options: { alibi: true } },
  },
  { feature: 'alibi', name: 'explicit-slopes', spec: { ...base, options: { alibi: { slopes: [0.5, 2] } } } },
  { feature: 'alibi', name: 'causal', spec: { ...base, Sq: 4, Skv: 6, options: { alibi: true, isCausal: true } } },
  {
    feature: 'alibi',
    name: 'past3',
    spec: { ...base, Sq: 2, Skv: 3, P: 3, options: { alibi: { slopes: [0.25, 1] }, isCausal: true } },
  },
  {
    feature: 'alibi',
    name: 'bottom-right',
    spec: { ...base, Sq: 2, Skv: 6, options: { alibi: { slopes: [1, 0.125] }, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'alibi',
    name: 'masked-scores',
    spec: { ...base, mask: bool([3, 5]), options: { alibi: true, scoresOutput: 'masked' } },
  },
  // head mask
  {
    feature: 'head-mask',
    name: 'prune-and-scale',
    spec: { B: 2, Hq: 4, Hkv: 2, Sq: 3, Skv: 5, D: 4, options: { headMask: [1, 0, 0.5, 2] } },
  },
  { feature: 'head-mask', name: 'with-causal', spec: { ...base, options: { headMask: [0, -1.5], isCausal: true } } },
  {
    feature: 'head-mask',
    name: 'probabilities-unchanged',
    spec: { ...base, options: { headMask: [0, 3], scoresOutput: 'probabilities' } },
  },
  {
    feature: 'head-mask',
    name: 'half-pruned',
    spec: { ...base, options: { headMask: [1, 0] } },
    perf: [PERF.headMask],
  },
  // past key/value caches
  { feature: 'past', name: 'decode-p5', spec: { ...base, Sq: 1, Skv: 1, P: 5 }, perf: [PERF.decode] },
  { feature: 'past', name: 'decode-p5-causal', spec: { ...base, Sq: 1, Skv: 1, P: 5, options: { isCausal: true } } },
  { feature: 'past', name: 'chunk-p4-sq3-causal', spec: { ...base, Sq: 3, Skv: 3, P: 4, options: { isCausal: true } } },
  { feature: 'past', name: 'empty-past', spec: { ...base, Sq: 3, Skv: 3, P: 0, options: { isCausal: true } } },
  { feature: 'past', name: 'p3-mask', spec: { ...base, Sq: 2, Skv: 2, P: 3, mask: bool([2, 5]) } },
  {
    feature: 'past',
    name: 'p2-gqa-dv3',
    spec: { B: 1, Hq: 4, Hkv: 2, Sq: 2, Skv: 2, P: 2, D: 4, Dv: 3, options: { isCausal: true } },
  },
  // kvValidLengths
  { feature: 'valid-lengths', name: 'lengths-3-5', spec: { ...base, validLengths: [3, 5] } },
  {
    feature: 'valid-lengths',
    name: 'causal-4-6',
    spec: { ...base, Sq: 2, Skv: 6, validLengths: [4, 6], options: { isCausal: true } },
  },
  {
    feature: 'valid-lengths',
    name: 'causal-shorter-than-sq',
    spec: { ...base, Sq: 4, Skv: 6, validLengths: [2, 6], options: { isCausal: true, scoresOutput: 'masked' } },
  },
  { feature: 'valid-lengths', name: 'with-mask', spec: { ...base, validLengths: [4, 2], mask: additive([3, 5]) } },
  {
    feature: 'valid-lengths',
    name: 'zero-and-full',
    spec: { ...base, validLengths: [0, 5], options: { scoresOutput: 'probabilities' } },
  },
  // 3D layouts
  { feature: 'layout-3d', name: 'mha', spec: { ...base, layout: '3d' } },
  {
    feature: 'layout-3d',
    name: 'gqa-6-2-dv3',
    spec: { B: 2, Hq: 6, Hkv: 2, Sq: 3, Skv: 4, D: 4, Dv: 3, layout: '3d' },
  },
  {
    feature: 'layout-3d',
    name: 'past-causal',
    spec: { ...base, Sq: 2, Skv: 2, P: 3, layout: '3d', options: { isCausal: true } },
  },
  {
    feature: 'layout-3d',
    name: 'mask-scores',
    spec: { ...base, layout: '3d', mask: bool([2, 1, 3, 5]), options: { scoresOutput: 'masked' } },
  },
  { feature: 'layout-3d', name: 'present', spec: { ...base, layout: '3d', Dv: 2, options: { returnPresent: true } } },
  // score outputs: each mode on a call where every stage differs
  ...(['raw', 'softcapped', 'masked', 'probabilities'] as const).map((mode) => ({
    feature: 'scores',
    name: `${mode}-softcap-mask-causal`,
    spec: {
      ...base,
      Sq: 4,
      Skv: 6,
      mask: additive([4, 6]),
      options: { scoresOutput: mode, softcap: 1, scale: 2, isCausal: true },
    },
  })),
  {
    feature: 'scores',
    name: 'masked-window-past',
    spec: { ...base, Sq: 2, Skv: 2, P: 4, options: { scoresOutput: 'masked', window: { left: 1, right: 0 } } },
  },
  { feature: 'scores', name: 'none', spec: { ...base, options: { scoresOutput: 'none' } } },
  // logits around ±1e4
  {
    feature: 'large-logits',
    name: 'plus-1e4',
    spec: { ...base, D: 2, values: 'large-positive', options: { scale: 1 } },
  },
  {
    feature: 'large-logits',
    name: 'minus-1e4',
    spec: { ...base, D: 2, values: 'large-negative', options: { scale: 1 } },
  },
  {
    feature: 'large-logits',
    name: 'plus-1e4-causal-raw',
    spec: {
      ...base,
      Sq: 4,
      Skv: 6,
      D: 4,
      values: 'large-positive',
      options: { scale: 1, isCausal: true, scoresOutput: 'raw' },
    },
  },
  {
    feature: 'large-logits',
    name: 'minus-1e4-masked-probabilities',
    spec: {
      ...base,
      D: 2,
      values: 'large-negative',
      mask: bool([3, 5]),
      options: { scale: 1, scoresOutput: 'probabilities' },
    },
  },
  // edge cases: empty dimensions and fully-masked rows by every mechanism
  { feature: 'edge', name: 'sq0', spec: { ...base, Sq: 0 } },
  { feature: 'edge', name: 'sq0-scores', spec: { ...base, Sq: 0, options: { scoresOutput: 'probabilities' } } },
  { feature: 'edge', name: 'b0', spec: { ...base, B: 0 } },
  { feature: 'edge', name: 't0', spec: { ...base, Skv: 0 } },
  {
    feature: 'edge',
    name: 't0-scores-present',
    spec: { ...base, Skv: 0, options: { scoresOutput: 'masked', returnPresent: true } },
  },
  { feature: 'edge', name: 't0-empty-past', spec: { ...base, Skv: 0, P: 0 } },
  {
    feature: 'edge',
    name: 'fully-masked-boolean',
    spec: { ...base, mask: bool([2, 2, 3, 5], 'all-masked'), options: { scoresOutput: 'probabilities' } },
  },
  {
    feature: 'edge',
    name: 'fully-masked-additive',
    spec: { ...base, mask: additive([3, 5], 'all-masked'), options: { scoresOutput: 'masked' } },
  },
  {
    feature: 'edge',
    name: 'fully-masked-first-row-boolean',
    spec: { ...base, mask: bool([1, 3, 5], 'first-row-masked') },
  },
  {
    feature: 'edge',
    name: 'fully-masked-causal-bottom-right',
    spec: { ...base, Sq: 5, Skv: 2, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  },
  {
    feature: 'edge',
    name: 'fully-masked-causal-valid-lengths',
    spec: { ...base, Sq: 4, Skv: 6, validLengths: [1, 3], options: { isCausal: true } },
  },
  {
    feature: 'edge',
    name: 'fully-masked-window',
    spec: { ...base, Sq: 6, Skv: 3, options: { window: { left: 1, right: 0 }, scoresOutput: 'probabilities' } },
  },
  { feature: 'edge', name: 'fully-masked-valid-lengths-0', spec: { ...base, validLengths: [0, 0] } },
  {
    feature: 'edge',
    name: 'fully-masked-short-mask-0',
    spec: { ...base, mask: bool([3, 0]), options: { scoresOutput: 'masked' } },
  },
  {
    feature: 'edge',
    name: 'fully-masked-softcap-alibi',
    spec: { ...base, mask: additive([2, 1, 3, 5], 'all-masked'), options: { softcap: 1, alibi: true } },
  },
  { feature: 'edge', name: 'head-size-1-mqa', spec: { B: 1, Hq: 3, Hkv: 1, Sq: 2, Skv: 3, D: 1 } },
  // more zero-size dimensions (rule 6): empty outputs, or every row fully masked when T = 0
  { feature: 'edge', name: 'hq0', spec: { B: 2, Hq: 0, Hkv: 1, Sq: 3, Skv: 5, D: 4 } },
  { feature: 'edge', name: 'd0', spec: { ...base, D: 0, Dv: 3 } },
  {
    feature: 'edge',
    name: 'd0-causal-probabilities',
    spec: { ...base, D: 0, Dv: 3, options: { isCausal: true, scoresOutput: 'probabilities' } },
  },
  { feature: 'edge', name: 'dv0-probabilities', spec: { ...base, Dv: 0, options: { scoresOutput: 'probabilities' } } },
  { feature: 'edge', name: 'sq0-present', spec: { ...base, Sq: 0, options: { returnPresent: true } } },
  { feature: 'edge', name: 'sq0-skv0-past3', spec: { ...base, Sq: 0, Skv: 0, P: 3 } },
  { feature: 'edge', name: 'sq0-mask', spec: { ...base, Sq: 0, mask: additive([0, 5]) } },
  { feature: 'edge', name: 'b0-valid-lengths', spec: { ...base, B: 0, validLengths: [] } },
  {
    feature: 'edge',
    name: 'b0-mask-present',
    spec: { ...base, B: 0, mask: bool([1, 3, 5]), options: { returnPresent: true, scoresOutput: 'raw' } },
  },
  {
    feature: 'edge',
    name: 't0-causal-valid-lengths',
    spec: { ...base, Skv: 0, validLengths: [0, 0], options: { isCausal: true, scoresOutput: 'probabilities' } },
  },
  { feature: 'edge', name: 't0-mask', spec: { ...base, Skv: 0, mask: additive([3, 0]) } },
  { feature: 'edge', name: 'layout-3d-sq0', spec: { ...base, Sq: 0, layout: '3d' } },
  {
    feature: 'edge',
    name: 'layout-3d-t0',
    spec: { ...base, Skv: 0, layout: '3d', options: { scoresOutput: 'masked' } },
  },
  { feature: 'edge', name: 'layout-3d-d0', spec: { ...base, D: 0, Dv: 2, layout: '3d' } },
  // values the host API refuses before any work (CONTRACT.md, "Edges"); base q/k/v are [2, 2, 3|5, 4]
  ...hostRefusals(),
  {
    // any nonzero byte of a boolean mask may attend, on either API (the generator only draws 0 and 1)
    feature: 'edge-host',
    name: 'boolean-mask-bytes-2-and-255',
    spec: {
      ...base,
      mask: bool([2, 1, 3, 5]),
      poison: [
        { input: 'mask', at: 3, value: 2 },
        { input: 'mask', at: 17, value: 255 },
      ],
      options: { scoresOutput: 'probabilities' },
    },
  },
  {
    feature: 'edge-device',
    name: 'boolean-mask-bytes-2-and-255',
    spec: {
      ...base,
      mask: bool([3, 5]),
      api: 'device',
      poison: [
        { input: 'mask', at: 0, value: 2 },
        { input: 'mask', at: 9, value: 255 },
      ],
      options: { scoresOutput: 'masked' },
    },
  },
  // the same values through the device API, which cannot read them: valid lengths clamp to [0, T], and only
  // the output rows that read a non-finite value are unspecified (every other element is compared)
  {
    feature: 'edge-device',
    name: 'valid-lengths-in-range',
    spec: { ...base, validLengths: [3, 5], api: 'device', options: { scoresOutput: 'masked' } },
  },
  {
    feature: 'edge-device',
    name: 'valid-lengths-out-of-range',
    spec: { ...base, validLengths: [-3, 9], api: 'device', options: { scoresOutput: 'masked' } },
  },
  {
    // top-left causal offset vl − Sq: 9 clamps to T = 6 (offset 2, not 5), −1 to 0 (every row fully masked)
    feature: 'edge-device',
    name: 'valid-lengths-out-of-range-causal',
    spec: {
      ...base,
      Sq: 4,
      Skv: 6,
      validLengths: [9, -1],
      api: 'device',
      options: { isCausal: true, scoresOutput: 'probabilities' },
    },
  },
  {
    // ±2^24, the widest int32 values every backend holds exactly (gpu.js refuses wider ones at upload)
    feature: 'edge-device',
    name: 'valid-lengths-2e24-causal-window',
    spec: {
      ...base,
      Sq: 4,
      Skv: 6,
      validLengths: [16777216, -16777216],
      api: 'device',
      options: { isCausal: true, window: { left: 2 }, alibi: true, scoresOutput: 'masked' },
    },
  },
  {
    feature: 'edge-device',
    name: 'valid-lengths-out-of-range-bottom-right',
    spec: {
      ...base,
      Sq: 2,
      Skv: 6,
      validLengths: [7, -5],
      api: 'device',
      options: { isCausal: true, causalAlignment: 'bottom-right', window: { left: 1 } },
    },
  },
  {
    feature: 'edge-device',
    name: 'nan-in-q',
    spec: { ...base, api: 'device', poison: [{ input: 'q', at: 33, value: NaN }] },
  },
  {
    feature: 'edge-device',
    name: 'inf-in-k-present',
    spec: {
      ...base,
      api: 'device',
      poison: [{ input: 'k', at: 32, value: POS }],
      options: { returnPresent: true, scoresOutput: 'probabilities' },
    },
  },
  {
    feature: 'edge-device',
    name: 'nan-in-v-gqa',
    spec: { B: 2, Hq: 4, Hkv: 2, Sq: 3, Skv: 5, D: 4, api: 'device', poison: [{ input: 'v', at: 51, value: NaN }] },
  },
  {
    feature: 'edge-device',
    name: 'neg-inf-in-past-key-causal',
    spec: {
      ...base,
      Sq: 2,
      Skv: 2,
      P: 3,
      api: 'device',
      poison: [{ input: 'pastKey', at: 13, value: NEG }],
      options: { isCausal: true },
    },
  },
  {
    feature: 'edge-device',
    name: 'nan-in-mask',
    spec: {
      ...base,
      mask: additive([3, 5]),
      api: 'device',
      poison: [{ input: 'mask', at: 7, value: NaN }],
      options: { scoresOutput: 'masked' },
    },
  },
  {
    feature: 'edge-device',
    name: 'inf-in-mask',
    spec: {
      ...base,
      mask: additive([2, 1, 3, 5]),
      api: 'device',
      poison: [{ input: 'mask', at: 4, value: POS }],
      options: { scoresOutput: 'probabilities' },
    },
  },
  // everything together
  {
    feature: 'combined',
    name: 'mask-causal-window-alibi-softcap-headmask-lengths',
    spec: {
      B: 2,
      Hq: 4,
      Hkv: 2,
      Sq: 3,
      Skv: 7,
      D: 8,
      Dv: 4,
      mask: additive([4, 3, 7]),
      validLengths: [5, 7],
      options: {
        isCausal: true,
        window: { left: 3 },
        alibi: true,
        softcap: 2,
        headMask: [1, 0.5, 0, 2],
        scoresOutput: 'masked',
      },
    },
  },
  {
    feature: 'combined',
    name: '3d-past-causal-alibi-probabilities',
    spec: {
      B: 2,
      Hq: 6,
      Hkv: 3,
      Sq: 2,
      Skv: 2,
      P: 4,
      D: 4,
      layout: '3d',
      mask: bool([2, 1, 2, 6]),
      options: { isCausal: true, alibi: true, scoresOutput: 'probabilities' },
    },
  },
  {
    feature: 'combined',
    name: 'gqa-bottom-right-window-short-mask',
    spec: {
      B: 1,
      Hq: 9,
      Hkv: 3,
      Sq: 3,
      Skv: 8,
      D: 4,
      mask: bool([9, 3, 6]),
      options: { isCausal: true, causalAlignment: 'bottom-right', window: { left: 2, right: 0 }, scale: 0.8 },
    },
  },
  // full tier: long rows and big heads
  ...[512, 1024, 2048].map((Skv) => ({
    feature: 'long-rows',
    name: `t${Skv}-sq8`,
    fullOnly: true,
    spec: { B: 1, Hq: 2, Hkv: 1, Sq: 8, Skv, D: 64 },
  })),
  {
    feature: 'long-rows',
    name: 't2048-past-causal-alibi',
    fullOnly: true,
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 16, Skv: 16, P: 2032, D: 32, options: { isCausal: true, alibi: true } },
  },
  {
    feature: 'long-rows',
    name: 't2048-window-mask',
    fullOnly: true,
    spec: {
      B: 1,
      Hq: 2,
      Hkv: 2,
      Sq: 8,
      Skv: 2048,
      D: 32,
      mask: additive([8, 2048]),
      options: { window: { left: 256, right: 16 }, causalAlignment: 'bottom-right' },
    },
  },
  {
    feature: 'long-rows',
    name: 't2048-probabilities',
    fullOnly: true,
    spec: {
      B: 1,
      Hq: 1,
      Hkv: 1,
      Sq: 4,
      Skv: 2048,
      D: 16,
      options: { scoresOutput: 'probabilities', isCausal: true, causalAlignment: 'bottom-right' },
    },
  },
  {
    feature: 'long-rows',
    name: 'square-512-causal',
    fullOnly: true,
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 512, Skv: 512, D: 64, options: { isCausal: true } },
  },
  {
    feature: 'long-rows',
    name: 'square-1024-gqa-causal-valid',
    fullOnly: true,
    spec: { B: 2, Hq: 2, Hkv: 1, Sq: 256, Skv: 1024, D: 32, validLengths: [700, 1024], options: { isCausal: true } },
  },
  { feature: 'long-rows', name: 'd128-t256', fullOnly: true, spec: { B: 1, Hq: 2, Hkv: 2, Sq: 64, Skv: 256, D: 128 } },
  {
    feature: 'long-rows',
    name: 'd256-t256-softcap',
    fullOnly: true,
    spec: { B: 1, Hq: 2, Hkv: 1, Sq: 32, Skv: 256, D: 256, options: { softcap: 20 } },
  },
  {
    feature: 'long-rows',
    name: 'gqa-9-3-t512-3d',
    fullOnly: true,
    spec: {
      B: 1,
      Hq: 9,
      Hkv: 3,
      Sq: 16,
      Skv: 512,
      D: 32,
      layout: '3d',
      options: { isCausal: true, causalAlignment: 'bottom-right' },
    },
  },
  {
    feature: 'long-rows',
    name: 'large-logits-t1024',
    fullOnly: true,
    spec: { B: 1, Hq: 2, Hkv: 2, Sq: 8, Skv: 1024, D: 2, values: 'large-positive', options: { scale: 1 } },
  },
];
