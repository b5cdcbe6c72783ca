import type { ConcatPlan, SlicePlan } from '@attnkit/core';
import { kernel, lit, quotient, unflatten } from '../source.js';

/** Data movement: every kernel views tensors as [outer, axis, inner] around the axis it moves along. */

function around(shape: readonly number[], axis: number): [number, number, number] {
  const outer = shape.slice(0, axis).reduce((x, y) => x * y, 1);
  const inner = shape.slice(axis + 1).reduce((x, y) => x * y, 1);
  return [outer, shape[axis], inner];
}

/**
 * Rows of the table by id; an id outside [0, V) gives a zero row. The row width and V are arguments
 * (`width`, `vocabulary`), not literals, so one kernel serves every table: reordering a KV cache whose rows
 * grow at every decoding step compiles nothing new.
 */
export function gatherSource(): string {
  return kernel(
    ['table', 'ids', 'width', 'vocabulary'],
    `const n = ${quotient('this.thread.x * 1.0', 'width')};
const e = this.thread.x * 1.0 - n * width;
const id = Math.floor(ids[n] + 0.5);
if (id < 0.0 || id >= vocabulary) { return 0.0; }
return table[id * width + e];`,
  );
}

/** `lengths` are the parts' sizes along the axis; each part is a separate argument p0, p1, … */
export function concatSource(plan: ConcatPlan, lengths: readonly number[]): string {
  const [outer, total, inner] = around(plan.outShape, plan.axis);
  const params = lengths.map((_, n) => `p${n}`);
  const lines = [unflatten(['o', 'a', 'e'], [outer, total, inner])];
  let start = 0;
  lengths.forEach((length, n) => {
    if (length === 0) return;
    const read = `p${n}[(o * ${lit(length)} + a - ${lit(start)}) * ${lit(inner)} + e]`;
    lines.push(`if (a < ${lit(start + length)}) { return ${read}; }`);
    start += length;
  });
  lines.push('return 0.0;');
  return kernel(params, lines.join('\n'));
}

export function sliceSource(inShape: readonly number[], plan: SlicePlan): string {
  const [outer, size, inner] = around(inShape, plan.axis);
  return kernel(
    ['x'],
    `${unflatten(['o', 'a', 'e'], [outer, plan.length, inner])}
return x[(o * ${lit(size)} + a + ${lit(plan.start)}) * ${lit(inner)} + e];`,
  );
}
