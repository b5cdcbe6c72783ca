import type { AttentionSpec } from '../spec.js';
import type { PropertyName } from '../types.js';

/**
 * Property cases: checked on the backend under test alone, so they hold even for the reference.
 * The spec is the base call; `run/property.ts` derives the second call from it.
 *   masking-equals-removal   the spec's last key is masked by its mask / valid lengths; the second call drops it
 *   gqa-equals-repeat        the spec has Hkv < Hq; the second call repeats each kv head groupSize times
 *   cached-equals-recompute  the spec has a past P and Sq new queries, causal; the second call recomputes
 *                            all P + Skv positions with no cache and keeps its last Sq rows
 *   permutation-invariance   the second call permutes keys, values and the mask's key axis together
 *   probabilities-sum        the spec asks for probabilities; rows sum to 1 or are all 0
 */
export interface PropertyEntry {
  readonly name: string;
  readonly property: PropertyName;
  readonly spec: AttentionSpec;
}

const base = { B: 2, Hq: 2, Hkv: 2, Sq: 3, Skv: 5, D: 4 } as const;

export const PROPERTY_ENTRIES: readonly PropertyEntry[] = [
  {
    name: 'boolean-mask',
    property: 'masking-equals-removal',
    spec: { ...base, mask: { kind: 'boolean', shape: [2, 1, 3, 5], pattern: 'keep-all' } },
  },
  {
    name: 'additive-mask',
    property: 'masking-equals-removal',
    spec: { ...base, mask: { kind: 'additive', shape: [3, 5], pattern: 'keep-all' } },
  },
  {
    name: 'short-mask',
    property: 'masking-equals-removal',
    spec: { ...base, mask: { kind: 'boolean', shape: [5], pattern: 'keep-all' } },
  },
  {
    name: 'valid-lengths-gqa',
    property: 'masking-equals-removal',
    spec: { B: 2, Hq: 4, Hkv: 2, Sq: 3, Skv: 5, D: 4, validLengths: [5, 5] },
  },
  { name: 'gqa-9-3', property: 'gqa-equals-repeat', spec: { B: 1, Hq: 9, Hkv: 3, Sq: 3, Skv: 5, D: 4 } },
  {
    name: 'mqa-4-1-causal-mask',
    property: 'gqa-equals-repeat',
    spec: {
      B: 2,
      Hq: 4,
      Hkv: 1,
      Sq: 3,
      Skv: 5,
      D: 4,
      mask: { kind: 'boolean', shape: [4, 3, 5], pattern: 'random' },
      options: { isCausal: true },
    },
  },
  {
    name: 'decode-p6',
    property: 'cached-equals-recompute',
    spec: { ...base, Sq: 1, Skv: 1, P: 6, options: { isCausal: true } },
  },
  {
    name: 'chunk-p4-sq3',
    property: 'cached-equals-recompute',
    spec: { ...base, Sq: 3, Skv: 3, P: 4, options: { isCausal: true } },
  },
  {
    name: 'chunk-gqa-window-alibi',
    property: 'cached-equals-recompute',
    spec: {
      B: 1,
      Hq: 4,
      Hkv: 2,
      Sq: 2,
      Skv: 2,
      P: 5,
      D: 4,
      options: { isCausal: true, window: { left: 3 }, alibi: true },
    },
  },
  {
    name: 'decode-3d',
    property: 'cached-equals-recompute',
    spec: { ...base, Sq: 1, Skv: 1, P: 4, layout: '3d', options: { isCausal: true } },
  },
  { name: 'plain', property: 'permutation-invariance', spec: { ...base, Skv: 7 } },
  {
    name: 'boolean-mask-gqa',
    property: 'permutation-invariance',
    spec: { B: 1, Hq: 4, Hkv: 2, Sq: 3, Skv: 6, D: 4, mask: { kind: 'boolean', shape: [4, 3, 6], pattern: 'random' } },
  },
  {
    name: 'additive-mask-softcap',
    property: 'permutation-invariance',
    spec: {
      ...base,
      mask: { kind: 'additive', shape: [2, 1, 3, 5], pattern: 'random' },
      options: { softcap: 1, scale: 2 },
    },
  },
  {
    name: 'causal-mask',
    property: 'probabilities-sum',
    spec: {
      ...base,
      Sq: 4,
      Skv: 6,
      mask: { kind: 'boolean', shape: [4, 6], pattern: 'first-row-masked' },
      options: { isCausal: true, scoresOutput: 'probabilities' },
    },
  },
  {
    name: 'window-lengths',
    property: 'probabilities-sum',
    spec: {
      ...base,
      Sq: 5,
      Skv: 5,
      validLengths: [0, 4],
      options: { window: { left: 1, right: 1 }, scoresOutput: 'probabilities' },
    },
  },
  {
    name: 'large-logits',
    property: 'probabilities-sum',
    spec: { ...base, D: 2, values: 'large-positive', options: { scale: 1, scoresOutput: 'probabilities' } },
  },
];
