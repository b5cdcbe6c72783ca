import type { Precision } from '@attnkit/core';

/**
 * The one tolerance policy of the suite: an element passes when |actual − expected| ≤ atol + rtol·|expected|.
 *
 * float32: inputs are float32 and backends accumulate in float32, while expected values come from the float64
 * reference. A dot product of D ≤ 256 terms of size ≤ 1 and a softmax over T ≤ 2048 keys lose a few units
 * of 2^−24 per term, which stays far below 1e−4 on outputs of size ~1 (measured worst on the reference's own
 * float32 readback: ~1e−7). rtol covers large outputs such as raw scores around ±1e4 (one float32 ulp there is
 * ~1e−3). A planted bug moves outputs by 1e−2 or more, so 1e−4 separates rounding from mistakes by two orders.
 * The closest a backend comes: the 5,000-key hand/long-uniform-row, summed in plain float32 order by tfjs-wasm and
 * gpu.js, reads 5.9e−5.
 *
 * float16: storage rounds every input and output to 11 significant bits (relative 2^−11 ≈ 4.9e−4), and the
 * rounding of q and k moves each logit by up to ~1e−3; outputs of size ~1 then carry errors of a few 1e−3.
 * 1e−2 absolute and relative keeps real float16 kernels green and still fails every planted bug, at float16 too
 * (test/planted-bugs.test.ts). It is loose enough that random data hides bfloat16 storage, float16 scores and a
 * float16 accumulator; the hand cases eleven-significant-bits and long-uniform-row, and the ±1e4 logits, catch
 * each of them.
 */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

export const TOLERANCES: Readonly<Record<Precision, Tolerance>> = {
  float32: { atol: 1e-4, rtol: 1e-4 },
  float16: { atol: 1e-2, rtol: 1e-2 },
};

/**
 * Float64 against float64: the reference backend against values it produced itself (fixtures recorded from it)
 * or against float64 host arithmetic. Only the order of summation differs, a few units of 2^−52 relative, so
 * 1e−9 leaves six orders of room and still catches any change a float32 step would make (~1e−7).
 */
export const FLOAT64_TOLERANCE: Tolerance = { atol: 1e-9, rtol: 1e-9 };

export function toleranceFor(precision: Precision): Tolerance {
  return TOLERANCES[precision];
}
