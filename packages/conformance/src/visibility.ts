import type { HostAttentionInputs } from '@attnkit/core';
import { type AttentionSpec, totalKeys } from './spec.js';

/**
 * An independent statement of which scores are masked, computed from the case's spec and mask data alone
 * (not from core's plan), for the exact checks: a masked score is −∞ in 'masked' scores and exactly 0 in
 * 'probabilities', and a row with every key masked has y exactly 0.
 *
 * Query i is aligned with key i + offset, where offset is T − Sq for bottom-right alignment, else P with a
 * past cache, else validLength − Sq with valid lengths, else 0. Key j is masked when causal and j > i + offset;
 * outside the window [i + offset − left, i + offset + right]; at or past the batch's valid length; at or past
 * the mask's key length; false in a boolean mask; −∞ in an additive one. A finite value (even −1e9) is not.
 */
export interface Visibility {
  /** 1 where score (b, h, i, j) is masked, laid out [B, Hq, Sq, T]. */
  readonly masked: Uint8Array;
  /** 1 where row (b, h, i) has every key masked (always so when T = 0), laid out [B, Hq, Sq]. */
  readonly fullyMasked: Uint8Array;
}

export function visibility(spec: AttentionSpec, inputs: HostAttentionInputs): Visibility {
  const { B, Hq, Sq } = spec;
  const T = totalKeys(spec);
  const P = spec.P ?? 0;
  const o = spec.options ?? {};
  const valid = spec.validLengths;
  const mask = inputs.mask;
  const masked = new Uint8Array(B * Hq * Sq * T);
  const fullyMasked = new Uint8Array(B * Hq * Sq);
  for (let b = 0; b < B; b++) {
    const validLength = valid ? Math.min(Math.max(valid[b], 0), T) : T;
    let offset = 0;
    if (o.causalAlignment === 'bottom-right') offset = T - Sq;
    else if (spec.P !== undefined) offset = P;
    else if (valid) offset = validLength - Sq;
    for (let h = 0; h < Hq; h++) {
      for (let i = 0; i < Sq; i++) {
        const diagonal = i + offset;
        let visible = 0;
        for (let j = 0; j < T; j++) {
          let out = false;
          if (o.isCausal && j > diagonal) out = true;
          if (
            o.window &&
            (j < diagonal - (o.window.left ?? Number.POSITIVE_INFINITY) ||
              j > diagonal + (o.window.right ?? Number.POSITIVE_INFINITY))
          )
            out = true;
          if (valid && j >= validLength) out = true;
          if (mask && maskedByTensor(mask, [b, h, i, j])) out = true;
          masked[((b * Hq + h) * Sq + i) * T + j] = out ? 1 : 0;
          if (!out) visible++;
        }
        fullyMasked[(b * Hq + h) * Sq + i] = visible === 0 ? 1 : 0;
      }
    }
  }
  return { masked, fullyMasked };
}

/** Reads the mask at full index [b, h, i, j], aligning its axes from the right; size-1 axes broadcast. */
function maskedByTensor(mask: NonNullable<HostAttentionInputs['mask']>, full: readonly number[]): boolean {
  const shape = mask.shape;
  const rank = shape.length;
  if (full[3] >= shape[rank - 1]) return true;
  let flat = 0;
  for (let axis = 0; axis < rank; axis++) {
    const index = full[4 - rank + axis];
    flat = flat * shape[axis] + (shape[axis] === 1 && axis < rank - 1 ? 0 : index);
  }
  const value = mask.data[flat];
  return mask.kind === 'boolean' ? value === 0 : value === Number.NEGATIVE_INFINITY;
}
