import type { AttentionPlan, CausalAlignment, DiagonalRule } from './contract/attention.js';

/**
 * The diagonal offset of CONTRACT.md, the one place its rule is written. Query i of batch entry b is
 * aligned with key i + offset_b; causal masking, windows and ALiBi all measure from it.
 *
 *   offset_b = base + (addsValidLength ? vl_b : 0)        vl_b = kvValidLengths[b] clamped to [0, T]
 *
 *   alignment      cache               base     addsValidLength
 *   bottom-right   any                 T − Sq   no
 *   top-left       past (P keys)       P        no
 *   top-left       kvValidLengths      −Sq      yes
 *   top-left       none                0        no
 *
 * Validation resolves the rule once per call into `plan.diagonal` (planDiagonal). A host backend reads
 * offset_b with diagonalOffset; a device kernel adds its own vl_b to `base` when `addsValidLength` says so,
 * since the valid lengths may live on the device.
 */
export function planDiagonal(
  alignment: CausalAlignment,
  lengths: { readonly Sq: number; readonly P: number; readonly T: number },
  cache: { readonly hasPast: boolean; readonly hasValidLengths: boolean },
): DiagonalRule {
  if (alignment === 'bottom-right') return { base: lengths.T - lengths.Sq, addsValidLength: false };
  if (cache.hasPast) return { base: lengths.P, addsValidLength: false };
  if (cache.hasValidLengths) return { base: -lengths.Sq, addsValidLength: true };
  return { base: 0, addsValidLength: false };
}

/**
 * offset_b of the plan's rule for batch entry b. `validLength` is vl_b (kvValidLengths[b] clamped to [0, T]
 * by the caller); it is ignored when the rule does not add it.
 */
export function diagonalOffset(plan: Pick<AttentionPlan, 'diagonal'>, validLength: number): number {
  return plan.diagonal.base + (plan.diagonal.addsValidLength ? validLength : 0);
}
