import {
  type AttentionSpec,
  listPerfCases,
  type PerfCase,
  type PerfGrid,
  type PerfGroup,
  shapeLabel as specShapeLabel,
} from '@attnkit/conformance';
import type { Precision } from '@attnkit/core';

/**
 * The perf grid is conformance's perf cases (`listPerfCases`): conformance attention entries with a perf
 * tag, at the sizes of each grid (packages/conformance/src/cases/perf-sizes.ts). A BenchCase is the view of
 * one that the timed targets read: the few numbers a peer's model or composition needs (onnxruntime builds an
 * `Attention` node from them, tfjs-naive a causal bias), next to the spec and seed the inputs are drawn from.
 *
 * Notation: B batch · Hq query heads · Hkv key/value heads · Sq queries · T keys in all · P keys already in
 * a past cache (a decode step appends T − P new keys) · D head size (q, k and v alike).
 */
export type CaseGroup = PerfGroup;

export interface BenchCase {
  /** The perf case's id: the conformance entry's `feature/name`, then the size (and `@float16`). */
  readonly id: string;
  readonly group: CaseGroup;
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Sq: number;
  readonly T: number;
  readonly P: number;
  readonly D: number;
  /** Top-left causal. */
  readonly causal: boolean;
  /** 'additive': one additive mask of [1, 1, Sq, T] (the peers' `attn_mask`). */
  readonly mask: 'none' | 'additive';
  readonly precision: Precision;
  /**
   * So much work that most targets would take minutes per call on a CPU machine: only targets that declare
   * `runsHeavyCases` time it; the others skip it with the reason instead of trying.
   */
  readonly heavy: boolean;
  /**
   * Per query head, a multiplier of its output (0 prunes the head): attnkit's extension. No peer has one, so only
   * targets that declare `headMask` time such a case; beside the same shape without it, it shows what a pruned
   * head costs.
   */
  readonly headMask: readonly number[] | null;
  /** The conformance call this case times and its data seed: `makeInputs` draws the tensors from them. */
  readonly spec: AttentionSpec;
  readonly seed: number;
}

/** The grid of a size (tiny for tests, quick for a smoke run, full for the published run). */
export function gridOf(grid: PerfGrid): BenchCase[] {
  return listPerfCases(grid).map(benchCaseOf);
}

export const FULL_GRID: readonly BenchCase[] = gridOf('full');
export const QUICK_GRID: readonly BenchCase[] = gridOf('quick');
export const TINY_GRID: readonly BenchCase[] = gridOf('tiny');

type PerfSource = Pick<PerfCase, 'id' | 'group' | 'precision' | 'heavy' | 'spec' | 'seed'>;

/**
 * The view of a perf case. The peers take q, k, v, an additive [1, 1, Sq, T] mask, a past and top-left
 * causality, nothing more: a tag on an entry with anything else (a boolean mask, a scale, a window, valid
 * lengths, 3D layout, Dv ≠ D, ±1e4 values) would time a call they do not make, so it throws here.
 */
export function benchCaseOf(p: PerfSource): BenchCase {
  const { spec } = p;
  const T = spec.Skv + (spec.P ?? 0);
  const { isCausal, causalAlignment, headMask, ...otherOptions } = spec.options ?? {};
  const extra = [
    ...Object.keys(otherOptions).map((name) => `option ${name}`),
    causalAlignment === 'bottom-right' ? 'bottom-right causal alignment' : null,
    spec.layout === '3d' ? '3D layout' : null,
    spec.Dv !== undefined && spec.Dv !== spec.D ? 'Dv ≠ D' : null,
    spec.values && spec.values !== 'uniform' ? `${spec.values} values` : null,
    spec.validLengths ? 'valid lengths' : null,
    spec.P === 0 ? 'an empty past' : null,
    spec.mask && spec.mask.kind !== 'additive' ? `a ${spec.mask.kind} mask` : null,
    spec.mask && !isQueryKeyMask(spec.mask.shape, spec.Sq, T) ? `mask shape [${spec.mask.shape}]` : null,
  ].filter((why) => why !== null);
  if (extra.length) throw new Error(`${p.id}: the bench's peers cannot time ${extra.join(', ')}`);
  return {
    id: p.id,
    group: p.group,
    B: spec.B,
    Hq: spec.Hq,
    Hkv: spec.Hkv,
    Sq: spec.Sq,
    T,
    P: spec.P ?? 0,
    D: spec.D,
    causal: isCausal ?? false,
    mask: spec.mask ? 'additive' : 'none',
    precision: p.precision,
    heavy: p.heavy,
    headMask: headMask ?? null,
    spec,
    seed: p.seed,
  };
}

/** [Sq, T] up to leading 1s: the data of a [1, 1, Sq, T] mask. */
function isQueryKeyMask(shape: readonly number[], Sq: number, T: number): boolean {
  const padded = [...Array(Math.max(0, 4 - shape.length)).fill(1), ...shape];
  return padded.length === 4 && `${padded}` === `${[1, 1, Sq, T]}`;
}

type CaseInit = Pick<BenchCase, 'group' | 'Sq' | 'T'> &
  Partial<Omit<BenchCase, 'spec' | 'seed'>> & { readonly seed?: number };

/**
 * A case outside the grid (tests, a target's start-up call), from the view's numbers: the spec is built to
 * match them and goes through the same view. Defaults: [1,8,Sq,T,64], no past, float32.
 */
export function benchCase(init: CaseInit): BenchCase {
  const { B = 1, Hq = 8, Hkv = Hq, P = 0, D = 64, causal = false, mask = 'none', headMask = null } = init;
  const { Sq, T } = init;
  const options = { ...(causal && { isCausal: true }), ...(headMask && { headMask: [...headMask] }) };
  const spec: AttentionSpec = {
    B,
    Hq,
    Hkv,
    Sq,
    Skv: T - P,
    D,
    ...(P > 0 && { P }),
    ...(mask === 'additive' && { mask: { kind: 'additive', shape: [1, 1, Sq, T], pattern: 'random' } }),
    ...(Object.keys(options).length > 0 && { options }),
  };
  const id = init.id ?? `${init.group}-${specShapeLabel(spec).replace(/[[\]]/g, '').replace(/[,/]/g, 'x')}`;
  const { precision = 'float32', heavy = false, seed = 1 } = init;
  return benchCaseOf({ id, group: init.group, precision, heavy, spec, seed });
}

/** `[B,H,Sq,T,D]`, with `Hq/Hkv` in the head slot when they differ (conformance's label of a perf size). */
export function shapeLabel(c: BenchCase): string {
  return specShapeLabel(c.spec);
}

export function describeCase(c: BenchCase): string {
  const traits = [
    c.causal ? 'causal' : null,
    c.Hq !== c.Hkv ? 'GQA' : null,
    c.P > 0 ? `decode, cache of ${c.P}` : null,
    c.mask === 'additive' ? `additive mask [1,1,${c.Sq},${c.T}]` : null,
    c.headMask ? `${c.headMask.filter((g) => g === 0).length} of ${c.Hq} heads pruned` : null,
    c.precision === 'float16' ? 'float16' : null,
  ].filter((t) => t !== null);
  return `${shapeLabel(c)}${traits.length ? ` ${traits.join(', ')}` : ''}`;
}

/**
 * Floating-point work of one attention call: two matmuls (q·kᵀ and p·v) of B·Hq·Sq·T·D multiply-adds each,
 * so 4·B·Hq·Sq·T·D; halved when causal (about half the scores are visible). Softmax is not counted.
 */
export function attentionFlops(c: BenchCase): number {
  const full = 4 * c.B * c.Hq * c.Sq * c.T * c.D;
  return c.causal ? full / 2 : full;
}

/** Bytes of one materialized score tensor [B, Hq, Sq, T] in float32: what a naive composition allocates. */
export function scoreBytes(c: BenchCase): number {
  return 4 * c.B * c.Hq * c.Sq * c.T;
}
