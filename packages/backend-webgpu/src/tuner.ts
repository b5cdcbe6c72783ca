import type { AttentionPlan, MatmulPlan } from '@attnkit/core';
import type { AttentionTuning } from './kernels/attention-stream.js';
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

export interface TuningOverrides {
  readonly attention?: Partial<AttentionTuning>;
  readonly matmul?: Partial<MatmulTuning>;
}

export class Tuner {
  private readonly cache = new Map<string, AttentionTuning | MatmulTuning>();

  constructor(
    readonly adapterClass: AdapterClass,
    private readonly workgroupStorageBytes: number,
    private readonly overrides: TuningOverrides = {},
  ) {}

  attention(plan: AttentionPlan): AttentionTuning {
    const vec4 = plan.D % 4 === 0 && plan.Dv % 4 === 0;
    const key = `attention:${plan.D}:${plan.Dv}:${vec4}:${plan.Sq >= 64}:${plan.Sq >= 256}`;
    return this.memo(key, () => {
      const strategy = this.overrides.attention?.strategy ?? (this.adapterClass === 'software' ? 'registers' : 'shared');
      const chunkBytes = 16 * (Math.ceil(plan.D / 4) + Math.ceil(plan.Dv / 4));
      const fitting = Math.max(1, Math.floor(this.workgroupStorageBytes / 2 / chunkBytes));
      const keyBlock = Math.min(this.overrides.attention?.keyBlock ?? (strategy === 'shared' ? 32 : 16), fitting);
      const workgroupSize = this.overrides.attention?.workgroupSize ?? (plan.Sq < 64 && strategy === 'shared' ? 32 : 64);
      const rowsPerInvocation = this.overrides.attention?.rowsPerInvocation ?? (strategy === 'shared' || plan.Sq < 64 ? 1 : plan.Sq >= 256 && plan.D <= 64 ? 4 : 2);
      return { strategy, keyBlock, workgroupSize, rowsPerInvocation, vec4: vec4 && (this.overrides.attention?.vec4 ?? true) };
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
