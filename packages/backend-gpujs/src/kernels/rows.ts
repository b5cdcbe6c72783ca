import type { RowsPlan } from '@attnkit/core';
import { kernel, lit, quotient } from '../source.js';

/** Reductions over the last axis: `rows` rows of `width`; stats kernels write two floats per row. */

/** (log-)softmax from the [max, Σ exp(x − max)] stats of attention's statsSource. */
export function softmaxSource(plan: RowsPlan, log: boolean): string {
  const use = log
    ? 'if (m > ninf) { return x - (m + Math.log(stats[row * 2.0 + 1.0])); }\nreturn x;'
    : 'if (m > ninf) { if (x > ninf) { return Math.exp(x - m) / stats[row * 2.0 + 1.0]; } }\nreturn 0.0;';
  return kernel(
    ['input', 'stats', 'ninf'],
    `const row = ${quotient('this.thread.x * 1.0', plan.width)};
const m = stats[row * 2.0];
const x = input[this.thread.x];
${use}`,
  );
}

/** Per row: [2r] the mean, [2r+1] 1/√(variance + ε), two passes for accuracy. */
export function momentsSource(plan: RowsPlan): string {
  const { width } = plan;
  return kernel(
    ['x', 'epsilon'],
    `const row = ${quotient('this.thread.x * 1.0', 2)};
const which = this.thread.x * 1.0 - row * 2.0;
const base = row * ${lit(width)};
let sum = 0.0;
for (let j = 0; j < ${width}; j++) { sum += x[base + j]; }
const mean = sum / ${lit(width)};
if (which < 0.5) { return mean; }
let squares = 0.0;
for (let j = 0; j < ${width}; j++) { const c = x[base + j] - mean; squares += c * c; }
return 1.0 / Math.sqrt(squares / ${lit(width)} + epsilon);`,
  );
}

export function layerNormSource(plan: RowsPlan): string {
  return kernel(
    ['x', 'moments', 'gamma', 'beta'],
    `const row = ${quotient('this.thread.x * 1.0', plan.width)};
const j = this.thread.x * 1.0 - row * ${lit(plan.width)};
return (x[this.thread.x] - moments[row * 2.0]) * moments[row * 2.0 + 1.0] * gamma[j] + beta[j];`,
  );
}

/** Index of the first maximum of each row (strict >, so ties keep the lower index). */
export function argmaxSource(plan: RowsPlan): string {
  return kernel(
    ['x'],
    `const base = this.thread.x * ${lit(plan.width)};
let best = 0.0;
let bestValue = x[base];
for (let j = 1; j < ${plan.width}; j++) { const v = x[base + j]; if (v > bestValue) { bestValue = v; best = j; } }
return best;`,
  );
}

/**
 * Index of the n-th largest of a row in the order (value descending, index ascending): n + 1 selections,
 * each the best element strictly after the previous one in that order. O(k²·width) per row: meant for
 * the small k of sampling.
 */
export function topKIndicesSource(plan: RowsPlan, k: number): string {
  return kernel(
    ['x', 'pinf'],
    `const row = ${quotient('this.thread.x * 1.0', k)};
const n = this.thread.x * 1.0 - row * ${lit(k)};
const base = row * ${lit(plan.width)};
let prevValue = pinf;
let prevIndex = -1.0;
for (let m = 0; m < ${k}; m++) {
  if (m <= n) {
    let found = 0.0;
    let bestValue = 0.0;
    let best = 0.0;
    for (let j = 0; j < ${plan.width}; j++) {
      const v = x[base + j];
      if (v < prevValue || (v === prevValue && j > prevIndex)) {
        if (found < 0.5 || v > bestValue) { found = 1.0; bestValue = v; best = j; }
      }
    }
    prevValue = bestValue;
    prevIndex = best;
  }
}
return prevIndex;`,
  );
}

/** values[r, n] = x[r, indices[r, n]]. */
export function takeAlongRowsSource(plan: RowsPlan, k: number): string {
  return kernel(
    ['x', 'indices'],
    `const row = ${quotient('this.thread.x * 1.0', k)};
return x[row * ${lit(plan.width)} + indices[this.thread.x]];`,
  );
}
