import type { Precision } from '@attnkit/core';

/**
 * The perf grid, as data. packages/conformance exports correctness cases only (no perf cases yet), so the
 * grid lives here; each case names its shape in the notation of CONTRACT.md.
 *
 * Notation: B batch · Hq query heads · Hkv key/value heads · Sq queries · T keys in all · P keys already in
 * a past cache (a decode step appends T − P new keys) · D head size (q, k and v alike).
 */
export type CaseGroup = 'sequence' | 'causal' | 'gqa' | 'batch' | 'long-keys' | 'decode' | 'mask' | 'float16';

export interface BenchCase {
  readonly id: string;
  readonly group: CaseGroup;
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Sq: number;
  readonly T: number;
  readonly P: number;
  readonly D: number;
  readonly causal: boolean;
  readonly mask: 'none' | 'additive';
  readonly precision: Precision;
  /**
   * So much work that most targets would take minutes per call on a CPU machine: only targets that declare
   * `runsHeavyCases` time it; the others skip it with the reason instead of trying.
   */
  readonly heavy: boolean;
}

type CaseInit = Pick<BenchCase, 'group' | 'Sq' | 'T'> & Partial<BenchCase>;

export function benchCase(init: CaseInit): BenchCase {
  const c: Omit<BenchCase, 'id'> = {
    B: 1,
    Hq: 8,
    Hkv: init.Hq ?? 8,
    P: 0,
    D: 64,
    causal: false,
    mask: 'none',
    precision: 'float32',
    heavy: false,
    ...init,
  };
  return { id: init.id ?? `${c.group}-${shapeLabel(c).replace(/[[\]]/g, '').replace(/[,/]/g, 'x')}`, ...c };
}

/** `[B,H,Sq,T,D]`, with `Hq/Hkv` in the head slot when they differ. */
export function shapeLabel(c: Omit<BenchCase, 'id'>): string {
  const heads = c.Hq === c.Hkv ? `${c.Hq}` : `${c.Hq}/${c.Hkv}`;
  return `[${c.B},${heads},${c.Sq},${c.T},${c.D}]`;
}

export function describeCase(c: BenchCase): string {
  const traits = [
    c.causal ? 'causal' : null,
    c.Hq !== c.Hkv ? 'GQA' : null,
    c.P > 0 ? `decode, cache of ${c.P}` : null,
    c.mask === 'additive' ? `additive mask [1,1,${c.Sq},${c.T}]` : null,
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

const SEQUENCE_LENGTHS = [128, 256, 512, 1024, 2048, 4096, 8192, 16384];
const CAUSAL_LENGTHS = [512, 1024, 2048, 4096];

/**
 * The full grid: a sequence sweep from 128 to 16,384, causal from 512 to 4,096 (and 16,384 as a heavy case:
 * 275 GFLOP, for the targets that finish it in seconds) and one case per feature at a mid size.
 */
export const FULL_GRID: readonly BenchCase[] = [
  ...SEQUENCE_LENGTHS.map((L) => benchCase({ group: 'sequence', Sq: L, T: L })),
  ...CAUSAL_LENGTHS.map((L) => benchCase({ group: 'causal', Sq: L, T: L, causal: true })),
  benchCase({ group: 'causal', Sq: 16384, T: 16384, causal: true, heavy: true }),
  benchCase({ group: 'gqa', Hq: 16, Hkv: 4, Sq: 512, T: 512 }),
  benchCase({ group: 'batch', B: 4, Hq: 12, Sq: 256, T: 256 }),
  benchCase({ group: 'long-keys', Sq: 128, T: 16384 }),
  ...[4096, 16384].map((T) => benchCase({ group: 'decode', Sq: 1, T, P: T - 1 })),
  benchCase({ group: 'mask', Sq: 512, T: 512, mask: 'additive' }),
  benchCase({ group: 'float16', Sq: 512, T: 512, precision: 'float16' }),
];

/** A smoke grid: every feature once, at sizes that finish in a minute or two on two cores. */
export const QUICK_GRID: readonly BenchCase[] = [
  ...[128, 512].map((L) => benchCase({ group: 'sequence', Sq: L, T: L })),
  benchCase({ group: 'causal', Sq: 512, T: 512, causal: true }),
  benchCase({ group: 'gqa', Hq: 8, Hkv: 2, Sq: 128, T: 128 }),
  benchCase({ group: 'decode', Sq: 1, T: 1024, P: 1023 }),
  benchCase({ group: 'mask', Sq: 128, T: 128, mask: 'additive' }),
  benchCase({ group: 'float16', Sq: 128, T: 128, precision: 'float16' }),
];

/** Tiny shapes for tests: the whole code path in milliseconds. */
export const TINY_GRID: readonly BenchCase[] = [
  ...[8, 16].map((L) => benchCase({ group: 'sequence', B: 1, Hq: 2, Sq: L, T: L, D: 8 })),
  benchCase({ group: 'causal', Hq: 2, Sq: 16, T: 16, D: 8, causal: true }),
  benchCase({ group: 'gqa', Hq: 4, Hkv: 2, Sq: 8, T: 8, D: 8 }),
  benchCase({ group: 'decode', Hq: 2, Sq: 1, T: 16, P: 15, D: 8 }),
  benchCase({ group: 'mask', Hq: 2, Sq: 8, T: 8, D: 8, mask: 'additive' }),
];
