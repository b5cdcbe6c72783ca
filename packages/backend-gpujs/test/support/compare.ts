import { mulberry32 } from '@attnkit/conformance';
import type { HostArray } from '@attnkit/core';

/** Element-wise closeness with atol + rtol·|expected|; infinities must match exactly, NaN never passes. */
export function worstMismatch(actual: HostArray, expected: HostArray, atol = 2e-5, rtol = 2e-4): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} vs ${expected.length}`;
  for (let n = 0; n < actual.length; n++) {
    const a = actual[n];
    const e = expected[n];
    if (Number.isNaN(a)) return `NaN at ${n} (expected ${e})`;
    if (!Number.isFinite(e) || !Number.isFinite(a)) {
      if (a !== e) return `${a} at ${n}, expected ${e}`;
      continue;
    }
    if (Math.abs(a - e) > atol + rtol * Math.abs(e)) return `${a} at ${n}, expected ${e} (|Δ| ${Math.abs(a - e)})`;
  }
  return null;
}

/** A seeded uniform generator (the conformance suite's mulberry32), so failures reproduce. */
export const random = mulberry32;

export function floats(n: number, next: () => number, spread = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (next() * 2 - 1) * spread);
}
