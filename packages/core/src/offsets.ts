import type { AttentionPlan } from './contract/attention.js';

/**
 * The diagonal offset of CONTRACT.md for batch entry b: query i is aligned with key i + offset.
 * Causal masking, windows and ALiBi all measure from it. `validLength` is kvValidLengths[b] when the
 * call has valid lengths (clamped to [0, T] by the caller).
 */
export function diagonalOffset(plan: AttentionPlan, validLength: number): number {
  if (plan.causalAlignment === 'bottom-right') return plan.T - plan.Sq;
  if (plan.hasPast) return plan.P;
  if (plan.hasValidLengths) return validLength - plan.Sq;
  return 0;
}
