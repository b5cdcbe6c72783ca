import { generateCall } from '@attnkit/conformance';
import type { BenchCase } from './grid.js';

/**
 * Host data of one case: conformance's generator on the case's spec and seed, so every target sees the same
 * numbers, and the same ones a conformance run of that call would draw. Shapes are 4D [B, H, S, D]. The
 * tensors are float32 as drawn (no float64 copies: at T = 16,384 they are tens of MiB each).
 */
export interface CaseInputs {
  readonly q: Float32Array;
  readonly k: Float32Array;
  readonly v: Float32Array;
  readonly qShape: readonly number[];
  /** New keys/values: T − P of them. */
  readonly kvShape: readonly number[];
  readonly pastKey: Float32Array | null;
  readonly pastValue: Float32Array | null;
  readonly pastShape: readonly number[] | null;
  /**
   * Additive mask [1, 1, Sq, T], as the entry's mask pattern draws it: conformance's 'random' gives values in
   * [−2, 1] and about a quarter −∞. A row of −∞ only (4^−T likely) would be NaN on the naive peers; the seeded
   * tiny grid, the only one where that is not negligible, has none (test/onnx.test.ts compares them).
   */
  readonly mask: Float32Array | null;
  readonly maskShape: readonly number[] | null;
}

export function makeInputs(c: BenchCase): CaseInputs {
  // Only the tensors: the targets set their own options from the view (causal, precision).
  const { inputs } = generateCall(c.spec, c.seed);
  const { pastKey, pastValue } = inputs;
  const mask = inputs.mask?.data ?? null;
  if (mask && !(mask instanceof Float32Array)) throw new Error(`${c.id}: the bench times additive masks only`);
  return {
    q: inputs.q.data,
    k: inputs.k.data,
    v: inputs.v.data,
    qShape: inputs.q.shape,
    kvShape: inputs.k.shape,
    pastKey: pastKey?.data ?? null,
    pastValue: pastValue?.data ?? null,
    pastShape: pastKey?.shape ?? null,
    // The view checked that the mask is [Sq, T] up to leading 1s: the same data as [1, 1, Sq, T].
    mask,
    maskShape: mask ? [1, 1, c.Sq, c.T] : null,
  };
}
