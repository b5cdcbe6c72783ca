import type { AttnkitErrorCode, CausalAlignment, MaskKind, Precision, ScoresOutputMode } from '@attnkit/core';

/**
 * The data that defines a case. Shapes and options only: the tensors come from `generate.ts` and a seed.
 * Notation (CONTRACT.md): B batch · Hq/Hkv heads · Sq new queries · Skv new keys · P past keys
 * T = P + Skv · D head size of q/k · Dv head size of v.
 */
export type Tier = 'fast' | 'full';

/** How a mask's values are drawn. */
export type MaskPattern =
  /** boolean: ~70% may attend; additive: values in [−2, 1] with ~25% −∞. */
  | 'random'
  /** Every entry masked (false / −∞): every row fully masked. */
  | 'all-masked'
  /** Random, but mask row 0 of the mask's query axis is entirely masked. */
  | 'first-row-masked'
  /**
   * Additive only: −1e9 in about half the entries and one row entirely −1e9; none of it counts as masked.
   * Use with scale 0: in float32, −1e9 + s rounds to −1e9 for |s| < 32, so only equal scores give one answer.
   */
  | 'large-negative'
  /** Nothing masked (all true / all 0). */
  | 'keep-all';

export interface MaskSpec {
  readonly kind: MaskKind;
  /** Rank 1–4, broadcastable to [B, Hq, Sq, T]; the last axis may be shorter than T. */
  readonly shape: readonly number[];
  readonly pattern: MaskPattern;
}

/** How q, k and v are drawn. */
export type ValuePattern =
  /** Uniform in [−1, 1). */
  | 'uniform'
  /** q·k around +1e4 (or −1e4), exactly representable: q = [±100, a], k = [100, b] with small integers a, b. */
  | 'large-positive'
  | 'large-negative';

/** The options a case sets, as plain data. */
export interface OptionsSpec {
  readonly scale?: number;
  readonly isCausal?: boolean;
  readonly causalAlignment?: CausalAlignment;
  readonly softcap?: number;
  readonly window?: { readonly left?: number; readonly right?: number };
  readonly alibi?: true | { readonly slopes: readonly number[] };
  readonly headMask?: readonly number[];
  readonly scoresOutput?: ScoresOutputMode;
  readonly returnPresent?: boolean;
}

export interface AttentionSpec {
  readonly B: number;
  readonly Hq: number;
  readonly Hkv: number;
  readonly Sq: number;
  readonly Skv: number;
  /** Past length; a past cache is passed when P is given (even 0). */
  readonly P?: number;
  readonly D: number;
  /** Defaults to D. */
  readonly Dv?: number;
  readonly layout?: '4d' | '3d';
  readonly values?: ValuePattern;
  readonly mask?: MaskSpec;
  readonly validLengths?: readonly number[];
  readonly options?: OptionsSpec;
  /**
   * Which API the case drives (CONTRACT.md, "Edges"). 'host' (default): the one-shot `attention()`, which
   * checks values. 'device': upload, `device.attention`, read back, on the backend and on the reference alike;
   * values reach the kernels unchecked (valid lengths outside [0, T] clamp, non-finite values pass through).
   */
  readonly api?: 'host' | 'device';
  /** Values written over elements of the generated inputs (NaN, ±∞; bytes in a boolean mask), after generation. */
  readonly poison?: readonly Poison[];
  /** The host API must refuse the call with this typed error before any work; nothing is computed. */
  readonly rejects?: { readonly code: AttnkitErrorCode; readonly argument: string };
}

/** One element of a generated input overwritten: `at` is the flat row-major index (4D inputs only). */
export interface Poison {
  readonly input: 'q' | 'k' | 'v' | 'pastKey' | 'pastValue' | 'mask';
  readonly at: number;
  readonly value: number;
}

/**
 * Perf tags: an attention entry may also be timed (`pnpm bench`), at sizes where a time means something.
 * One list of cases then serves both modes, as llama.cpp's test-backend-ops does: the correctness cases check
 * the entry's call at its own small shape, the perf cases time the same call at each size of a grid.
 */
export type PerfGrid = 'tiny' | 'quick' | 'full';

/** The rows of the perf matrix, in the order it lists them. */
export const PERF_GROUPS = [
  'sequence',
  'causal',
  'gqa',
  'batch',
  'long-keys',
  'decode',
  'mask',
  'head-mask',
  'float16',
] as const;
export type PerfGroup = (typeof PERF_GROUPS)[number];

/**
 * One timing size: it overrides the entry's shape, and leaves everything else (options, mask kind and
 * pattern, layout, values) as the entry has it. T is the keys in all: Skv becomes T − P. A size that sets Hq
 * but not Hkv keeps the entry's group size Hq/Hkv; a mask keeps its broadcast axes (see `listPerfCases`).
 */
export interface PerfSize {
  readonly B?: number;
  readonly Hq?: number;
  readonly Hkv?: number;
  readonly Sq?: number;
  readonly T?: number;
  readonly P?: number;
  readonly D?: number;
  /**
   * So much work that most targets would take minutes per call on a CPU machine: only the targets that say
   * they finish it in seconds time it; the others skip it with that reason.
   */
  readonly heavy?: boolean;
}

export interface PerfTag {
  readonly group: PerfGroup;
  /** Defaults to float32. */
  readonly precision?: Precision;
  /** The sizes of each grid: tiny for tests (milliseconds), quick for a smoke run, full for the published run. */
  readonly sizes: Readonly<Partial<Record<PerfGrid, readonly PerfSize[]>>>;
}

export function totalKeys(spec: AttentionSpec): number {
  return (spec.P ?? 0) + spec.Skv;
}

export function valueWidth(spec: AttentionSpec): number {
  return spec.Dv ?? spec.D;
}

export type { Precision };
