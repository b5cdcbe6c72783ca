import type { Precision, RunsOn } from '@attnkit/core';
import type { PrimitiveSpec } from './primitive-spec.js';
import type { AttentionSpec, PerfGroup, Tier } from './spec.js';

export type { Tier };

/**
 * A conformance case: data only. `feature` names its column in the matrix; `id` is stable across runs
 * (it names the shape, the options and the seed) so a failure can be rerun alone.
 */
export type ConformanceCase = AttentionCase | HandCase | PropertyCase | PrimitiveCase;

interface CaseBase {
  readonly id: string;
  readonly feature: string;
  readonly precision: Precision;
  /** One line for people: what the case checks. */
  readonly title: string;
}

/** Generated from a spec and a seed; expected values from the float64 reference, plus the exact mask checks. */
export interface AttentionCase extends CaseBase {
  readonly kind: 'attention';
  readonly spec: AttentionSpec;
  readonly seed: number;
}

/**
 * An attention entry at one size of a perf grid (`listPerfCases`): the call its correctness cases check,
 * to be timed. Not a ConformanceCase: nothing is compared, and at these sizes the float64 reference would
 * take too long. Its id is the entry's (`feature/name`) plus the size (`[B,H,Sq,T,D]`), then `@float16` where
 * timed in float16, as the ids of the correctness cases are the entry's plus `#seed` (and `@float16`).
 */
export interface PerfCase extends CaseBase {
  /** The entry's id, `feature/name`: what a perf case and the entry's correctness cases share. */
  readonly entryId: string;
  readonly group: PerfGroup;
  readonly heavy: boolean;
  /** The entry's spec at this size. */
  readonly spec: AttentionSpec;
  /** The data seed for `generateCall`: the same tensors at either precision. */
  readonly seed: number;
}

/** Literal inputs and hand-computed outputs: checks the reference itself, and every backend. */
export interface HandCase extends CaseBase {
  readonly kind: 'hand';
  readonly spec: AttentionSpec;
  readonly data: HandData;
  readonly expected: { readonly y: readonly number[]; readonly scores?: readonly number[] };
}

export interface HandData {
  readonly q: readonly number[];
  readonly k: readonly number[];
  readonly v: readonly number[];
  readonly mask?: readonly number[];
  readonly pastKey?: readonly number[];
  readonly pastValue?: readonly number[];
}

export type PropertyName =
  /** Masking key j (boolean, −∞ or valid length) gives the y of the call without key j. */
  | 'masking-equals-removal'
  /** GQA equals multi-head attention with each key/value head repeated groupSize times. */
  | 'gqa-equals-repeat'
  /** A cached step (past + new queries, causal) equals the matching rows of the full causal recompute. */
  | 'cached-equals-recompute'
  /** Permuting keys and values together (and the mask's key axis) leaves y unchanged. */
  | 'permutation-invariance'
  /** Probability rows sum to 1, or are all 0 where every key is masked. */
  | 'probabilities-sum';

/** Evaluated on the backend under test alone: two calls that must agree, or an invariant of one call. */
export interface PropertyCase extends CaseBase {
  readonly kind: 'property';
  readonly property: PropertyName;
  readonly spec: AttentionSpec;
  readonly seed: number;
}

export interface PrimitiveCase extends CaseBase {
  readonly kind: 'primitive';
  readonly spec: PrimitiveSpec;
  readonly seed: number;
  /** Literal inputs (in the op's argument order) and hand-computed outputs, instead of seeded data and the reference. */
  readonly literal?: {
    readonly inputs: readonly (readonly number[])[];
    readonly expected: readonly (readonly number[])[];
  };
}

export type CaseStatus = 'pass' | 'fail' | 'unsupported' | 'error';

export interface CaseResult {
  id: string;
  feature: string;
  status: CaseStatus;
  worstAbsError: number;
  worstRelError: number;
  message?: string;
  ms: number;
}

export interface SuiteReport {
  backend: string;
  runsOn: RunsOn;
  tier: Tier;
  precision: Precision;
  results: CaseResult[];
  counts: { pass: number; fail: number; unsupported: number; error: number };
}
