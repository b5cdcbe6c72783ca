import type { Kernel } from '../pipelines.js';
import type { BiasFeatures } from './attention-bias.js';
import type { AttentionTuning } from './attention-common.js';
import { registersAttentionKernel } from './attention-registers.js';
import { sharedAttentionKernel } from './attention-shared.js';
import { subgroupAttentionKernel } from './attention-subgroup.js';

export {
  ATTENTION_STRATEGIES,
  type AttentionStrategy,
  type AttentionTuning,
  SPLIT_UNIFORMS,
  storeYFunction,
} from './attention-common.js';

/**
 * Memory-efficient attention, one file per algorithm: the variant's strategy picks the kernel (see
 * AttentionTuning in attention-common.ts). No score matrix exists in any of them; extra memory is O(1) in the
 * sequence length (the split pass's partials aside).
 */
export function streamingAttentionKernel(
  f: BiasFeatures,
  D: number,
  Dv: number,
  tuning: AttentionTuning,
  element: 'f32' | 'f16',
): Kernel {
  if (tuning.strategy === 'shared') return sharedAttentionKernel(f, D, Dv, tuning, element);
  if (tuning.strategy === 'subgroup') return subgroupAttentionKernel(f, D, Dv, tuning, element);
  return registersAttentionKernel(f, D, Dv, tuning, element);
}
