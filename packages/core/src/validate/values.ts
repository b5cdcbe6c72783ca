import { AttnkitError, formatShape } from '../errors.js';

/**
 * Checks on values, for the host API only: it holds the data, so it can refuse a bad value before any work
 * is queued. The device API cannot see device-resident values without a synchronous read-back, so it defines
 * a behaviour for them instead (CONTRACT.md, "Edges").
 */

/** Every element of a float input (q, k, v, pastKey, pastValue) is finite: no NaN, +∞ or −∞. */
export function checkFinite(op: string, argument: string, data: Float32Array, shape: readonly number[]): void {
  for (let at = 0; at < data.length; at++) {
    const x = data[at];
    // x − x is 0 for every finite x and NaN for NaN and ±∞: one comparison per element.
    if (x - x !== 0) throw nonFinite(op, argument, data, shape, at, 'finite values');
  }
}

/** An additive mask may hold −∞ (masked) and any finite number, never NaN or +∞. */
export function checkAdditiveMask(op: string, argument: string, data: Float32Array, shape: readonly number[]): void {
  for (let at = 0; at < data.length; at++) {
    const x = data[at];
    if (Number.isNaN(x) || x === Number.POSITIVE_INFINITY) {
      throw nonFinite(op, argument, data, shape, at, 'finite values or −Infinity (masked)');
    }
  }
}

/** Valid lengths lie in [0, T]. */
export function checkValidLengths(op: string, kvValidLengths: Int32Array, T: number): void {
  kvValidLengths.forEach((length, b) => {
    if (length < 0 || length > T) {
      throw new AttnkitError('INVALID_ARGUMENT', `${op}: kvValidLengths[${b}] = ${length} is outside [0, ${T}]`, {
        argument: `kvValidLengths[${b}]`,
        expected: `[0, ${T}]`,
        given: String(length),
      });
    }
  });
}

function nonFinite(
  op: string,
  argument: string,
  data: Float32Array,
  shape: readonly number[],
  at: number,
  expected: string,
): AttnkitError {
  const position = formatShape(unravel(at, shape));
  const given = String(data[at]);
  return new AttnkitError(
    'INVALID_ARGUMENT',
    `${op}: ${argument}${position} = ${given} (${argument} has shape ${formatShape(shape)}) but expected ${expected}`,
    { argument: `${argument}${position}`, expected, given },
  );
}

/** The multi-index of flat element `at` of a row-major tensor of `shape`. */
function unravel(at: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = at;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = rest % shape[axis];
    rest = Math.floor(rest / shape[axis]);
  }
  return index;
}
