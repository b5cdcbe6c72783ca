import { Comparison, type Tolerance, toleranceFor } from '@attnkit/conformance';
import { expect } from 'vitest';

type Nested = ArrayLike<number> | readonly Nested[];

/**
 * Element-wise closeness over equally shaped nested arrays (typed arrays or number arrays at the leaves),
 * under the conformance suite's one tolerance policy: |actual − expected| ≤ atol + rtol·|expected|, infinities
 * exact, NaN never. Model outputs are float32 computations, so the float32 tolerance applies: logits,
 * probabilities and attention maps against the float64 reference or host computation, and two float32 runs
 * that must agree (cached against recomputed, batched against single). A model bug (a wrong position, a cache
 * off by one, a missing layer) moves them by far more; the worst rounding measured on the fixtures is ~3e−6.
 */
export function expectAllClose(actual: Nested, expected: Nested, tolerance: Tolerance = toleranceFor('float32')): void {
  const cmp = new Comparison(tolerance);
  walk(cmp, actual, expected, '');
  expect(cmp.failures, `worst |Δ| ${cmp.worstAbsError}`).toEqual([]);
}

function walk(cmp: Comparison, a: Nested, b: Nested, path: string): void {
  if (isLeaf(a) && isLeaf(b)) {
    cmp.close(path || 'top', a, b);
    return;
  }
  if (isLeaf(a) !== isLeaf(b) || a.length !== b.length) {
    cmp.fail(`${path || 'top'}: ${a.length} elements, expected ${b.length}, or numbers where arrays are expected`);
    return;
  }
  for (let i = 0; i < a.length; i++) walk(cmp, a[i] as Nested, b[i] as Nested, `${path}[${i}]`);
}

/** An array of numbers (empty included), not an array of arrays. */
function isLeaf(x: Nested): x is ArrayLike<number> {
  return x.length === 0 || typeof x[0] === 'number';
}
