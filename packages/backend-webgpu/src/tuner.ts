import { type AttentionPlan, AttnkitError, type MaskKind, type MatmulPlan } from '@attnkit/core';
import type { AttentionTuning } from './kernels/attention-stream.js';
import { subgroupFits } from './kernels/attention-subgroup.js';
import type { MatmulTuning } from './kernels/matmul.js';

/**
 * Kernel variants per adapter and shape, from measured heuristics (`bench --variants` times them; on
 * SwiftShader at [1,8,256,64]: 4 query rows per invocation 1.07 s, 2 rows 1.31 s, 1 row 2.41 s, scalar loads
 * 3.10 s, shared-memory tiles 2.76–3.23 s):
 * software adapters (SwiftShader, lavapipe, llvmpipe) run workgroups as loops on CPU threads, where barriers
 * are expensive and caches make repeated global reads cheap, so they get register blocking; real GPUs get
 * shared-memory tiling. Choices are cached per shape class; `overrides` pins any parameter (tests and the
 * benchmark use it to run every variant on any adapter).
 */
export type AdapterClass = 'software' | 'hardware';

/**
 * Split over keys (flash-decoding), hardware only. WebGPU does not expose the number of SMs/CUs, so
 * FILL_GROUPS stands for "about one workgroup per SM of a large GPU" (an H100 has 132): an unsplit launch
 * with fewer workgroups leaves most of the GPU idle while each walks all T keys (measured: decode over
 * 16,383 cached keys 3.9× slower than tfjs's naive composition). The split aims at SPLIT_GROUPS workgroups,
 * with at least two key blocks per split (below that the merge pass costs more than it saves), at most
 * SPLIT_MAX partials per row (the merge walks them in sequence) and SPLIT_BUDGET bytes of partials.
 */
const FILL_GROUPS = 128;
const SPLIT_GROUPS = 512;
const SPLIT_MIN_T = 1024;
const SPLIT_MAX = 512;
const SPLIT_BUDGET = 32 << 20;

/**
 * The facts of an attention call its tuning depends on (an AttentionPlan has them all). Causal and windowed
 * calls skip key blocks and masked calls read a mask beside every score, so the best variant can differ: the
 * autotuner keeps each apart (autotune.ts, classOf), and times a class with its mask kind and window.
 */
export type AttentionShape = Pick<AttentionPlan, 'B' | 'Hq' | 'Sq' | 'T' | 'D' | 'Dv'> & {
  readonly isCausal?: boolean;
  readonly mask?: { readonly kind: MaskKind } | null;
  /** Keys visible left and right of the diagonal, Infinity for an unbounded side. */
  readonly window?: { readonly left: number; readonly right: number } | null;
};

export interface TuningOverrides {
  readonly attention?: Partial<AttentionTuning>;
  readonly matmul?: Partial<MatmulTuning>;
}

/** The shape class the Tuner memoizes attention on: head sizes, vec4 loads, query-count buckets. */
export function attentionClass(plan: AttentionShape): string {
  const vec4 = plan.D % 4 === 0 && plan.Dv % 4 === 0;
  return `attention:${plan.D}:${plan.Dv}:${vec4}:${plan.Sq >= 64}:${plan.Sq >= 256}`;
}

export class Tuner {
  private readonly cache = new Map<string, AttentionTuning | MatmulTuning>();
  /**
   * The autotuner's measured choice for a call (autotune.ts), consulted before the heuristics; any
   * `tuning.attention` pin turns it off, so pins always win.
   */
  measured: ((plan: AttentionShape, heuristic: AttentionTuning) => AttentionTuning | undefined) | null = null;

  constructor(
    readonly adapterClass: AdapterClass,
    private readonly workgroupStorageBytes: number,
    private readonly overrides: TuningOverrides = {},
    /** Whether the device has the `subgroups` feature, which the 'subgroup' strategy needs. */
    readonly subgroups = false,
  ) {
    if (overrides.attention?.strategy === 'subgroup' && !subgroups) {
      throw new AttnkitError(
        'UNSUPPORTED',
        "tuning.attention.strategy 'subgroup' needs the adapter's 'subgroups' feature, which this device lacks",
        { argument: 'tuning.attention.strategy' },
      );
    }
    const forced = overrides.attention?.splitKeys;
    // Infinity or NaN would launch no split at all and merge zeros: a silent wrong answer, so refuse it here.
    if (forced !== undefined && !(Number.isSafeInteger(forced) && forced >= 0)) {
      throw new AttnkitError(
        'INVALID_ARGUMENT',
        `tuning.attention.splitKeys must be 0 (no split) or a positive integer number of keys, got ${forced}`,
        { argument: 'tuning.attention.splitKeys', expected: 'an integer ≥ 0', given: String(forced) },
      );
    }
  }

  /** The streaming kernel's variant, with `splitKeys` > 0 when the keys are split over workgroups. */
  attention(plan: AttentionShape): AttentionTuning {
    const heuristic = this.heuristic(plan);
    const pinned = this.overrides.attention !== undefined && Object.keys(this.overrides.attention).length > 0;
    return (!pinned && this.measured?.(plan, heuristic)) || heuristic;
  }

  /** The variant the heuristics (and pins) choose, whatever the autotuner measured. */
  heuristic(plan: AttentionShape): AttentionTuning {
    const base = this.unsplit(plan);
    const forced = this.overrides.attention?.splitKeys;
    if (forced !== undefined) return { ...base, splitKeys: forced };
    if (this.adapterClass === 'software' || !(plan.T >= SPLIT_MIN_T) || streamGroups(plan, base, 1) >= FILL_GROUPS)
      return base;
    // A handful of query rows per head would leave all but Sq threads of a shared-tile workgroup idle:
    // one (row, split) per invocation instead, in warp-sized workgroups.
    const o = this.overrides.attention ?? {};
    const few = plan.Sq < 8 && o.strategy === undefined;
    const tuning: AttentionTuning = few
      ? {
          ...base,
          strategy: 'registers',
          rowsPerInvocation: o.rowsPerInvocation ?? 1,
          workgroupSize: o.workgroupSize ?? 32,
          keyBlock: o.keyBlock ?? 16,
        }
      : base;
    const perSplit = streamGroups(plan, tuning, 1);
    const partialBytes = plan.B * plan.Hq * plan.Sq * (16 * Math.ceil(plan.Dv / 4) + 8);
    const splits = Math.min(
      Math.ceil(SPLIT_GROUPS / perSplit),
      Math.floor(plan.T / (2 * tuning.keyBlock)),
      SPLIT_MAX,
      Math.floor(SPLIT_BUDGET / partialBytes),
    );
    if (!(splits >= 2)) return base;
    const splitKeys = Math.ceil(Math.ceil(plan.T / splits) / tuning.keyBlock) * tuning.keyBlock;
    return { ...tuning, splitKeys };
  }

  private unsplit(plan: AttentionShape): AttentionTuning {
    const vec4 = plan.D % 4 === 0 && plan.Dv % 4 === 0;
    return this.memo(attentionClass(plan), () => {
      const strategy =
        this.overrides.attention?.strategy ?? (this.adapterClass === 'software' ? 'registers' : 'shared');
      const chunkBytes = 16 * (Math.ceil(plan.D / 4) + Math.ceil(plan.Dv / 4));
      const fitting = Math.max(1, Math.floor(this.workgroupStorageBytes / 2 / chunkBytes));
      const keyBlock = Math.min(this.overrides.attention?.keyBlock ?? (strategy === 'shared' ? 32 : 16), fitting);
      let workgroupSize = this.overrides.attention?.workgroupSize ?? (plan.Sq < 64 && strategy === 'shared' ? 32 : 64);
      // The subgroup kernel's slots grow with its lanes: halve them until they fit (4 lanes always do).
      while (
        strategy === 'subgroup' &&
        workgroupSize > 4 &&
        !subgroupFits(plan.Dv, workgroupSize, this.workgroupStorageBytes)
      )
        workgroupSize /= 2;
      const rowsPerInvocation =
        this.overrides.attention?.rowsPerInvocation ??
        (strategy !== 'registers' || plan.Sq < 64 ? 1 : plan.Sq >= 256 && plan.D <= 64 ? 4 : 2);
      return {
        strategy,
        keyBlock,
        workgroupSize,
        rowsPerInvocation,
        vec4: vec4 && (this.overrides.attention?.vec4 ?? true),
        splitKeys: 0,
      };
    }) as AttentionTuning;
  }

  matmul(plan: MatmulPlan): MatmulTuning {
    const bRowContiguous = !plan.transposeB && plan.N % 4 === 0;
    const key = `matmul:${bRowContiguous}:${plan.M >= 8}`;
    return this.memo(key, () => {
      const strategy = this.overrides.matmul?.strategy ?? (this.adapterClass === 'software' ? 'registers' : 'shared');
      const rowsPerInvocation = this.overrides.matmul?.rowsPerInvocation ?? (plan.M >= 8 ? 4 : 1);
      return { strategy, rowsPerInvocation, vec4: bRowContiguous && (this.overrides.matmul?.vec4 ?? true) };
    }) as MatmulTuning;
  }

  /** The choices made so far, for reports. */
  choices(): Record<string, AttentionTuning | MatmulTuning> {
    return Object.fromEntries(this.cache);
  }

  private memo(key: string, choose: () => AttentionTuning | MatmulTuning): AttentionTuning | MatmulTuning {
    let choice = this.cache.get(key);
    if (!choice) {
      choice = choose();
      this.cache.set(key, choice);
    }
    return choice;
  }
}

/**
 * Workgroups of one launch of the streaming kernel with `splits` key splits ('shared': one per tile of WG
 * query rows of one head; 'subgroup': one per R rows; 'registers': one invocation per R rows, WG invocations
 * per workgroup).
 */
export function streamGroups(plan: Pick<AttentionPlan, 'B' | 'Hq' | 'Sq'>, t: AttentionTuning, splits: number): number {
  if (t.strategy === 'shared') return plan.B * plan.Hq * Math.ceil(plan.Sq / t.workgroupSize) * splits;
  if (t.strategy === 'subgroup') return plan.B * plan.Hq * Math.ceil(plan.Sq / t.rowsPerInvocation) * splits;
  return Math.ceil((plan.B * plan.Hq * Math.ceil(plan.Sq / t.rowsPerInvocation) * splits) / t.workgroupSize);
}
