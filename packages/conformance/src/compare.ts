import type { Tolerance } from './tolerance.js';

/**
 * Element-wise comparison under the tolerance policy, accumulated over every output of a case.
 * Infinite expected values must be matched exactly; NaN never passes.
 */
export class Comparison {
  worstAbsError = 0;
  worstRelError = 0;
  readonly failures: string[] = [];

  constructor(readonly tolerance: Tolerance) {}

  get ok(): boolean {
    return this.failures.length === 0;
  }

  fail(message: string): void {
    if (this.failures.length < 8) this.failures.push(message);
  }

  shape(name: string, actual: readonly number[] | undefined, expected: readonly number[]): boolean {
    const same = actual !== undefined && actual.length === expected.length && actual.every((d, i) => d === expected[i]);
    if (!same)
      this.fail(`${name}: shape ${actual ? `[${actual.join(',')}]` : 'missing'}, expected [${expected.join(',')}]`);
    return same;
  }

  /** Close under atol + rtol·|e|. */
  close(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    if (actual.length !== expected.length) {
      this.fail(`${name}: ${actual.length} elements, expected ${expected.length}`);
      return;
    }
    const { atol, rtol } = this.tolerance;
    let reported = false;
    for (let i = 0; i < expected.length; i++) {
      const a = actual[i];
      const e = expected[i];
      let bad = false;
      if (Number.isNaN(a)) bad = true;
      else if (!Number.isFinite(e)) bad = a !== e;
      else if (!Number.isFinite(a)) bad = true;
      else {
        const abs = Math.abs(a - e);
        if (abs > this.worstAbsError) this.worstAbsError = abs;
        if (Math.abs(e) > atol) this.worstRelError = Math.max(this.worstRelError, abs / Math.abs(e));
        bad = abs > atol + rtol * Math.abs(e);
      }
      if (bad) {
        if (!Number.isFinite(a) || !Number.isFinite(e)) this.worstAbsError = Number.POSITIVE_INFINITY;
        if (!reported) this.fail(`${name}[${i}] = ${a}, expected ${e} (atol ${atol}, rtol ${rtol})`);
        reported = true;
      }
    }
  }

  /** Integers (indices) must match exactly. */
  exact(name: string, actual: ArrayLike<number>, expected: ArrayLike<number>): void {
    if (actual.length !== expected.length) {
      this.fail(`${name}: ${actual.length} elements, expected ${expected.length}`);
      return;
    }
    for (let i = 0; i < expected.length; i++) {
      if (actual[i] !== expected[i]) {
        this.worstAbsError = Math.max(this.worstAbsError, Math.abs(actual[i] - expected[i]));
        this.fail(`${name}[${i}] = ${actual[i]}, expected exactly ${expected[i]}`);
        return;
      }
    }
  }

  noNaN(name: string, actual: ArrayLike<number>): void {
    for (let i = 0; i < actual.length; i++) {
      if (Number.isNaN(actual[i])) {
        this.worstAbsError = Number.POSITIVE_INFINITY;
        this.fail(`${name}[${i}] is NaN`);
        return;
      }
    }
  }
}
