import type { SlicePlan } from '@attnkit/core';
import { kernel, quotient, unflatten } from '../source.js';

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

/**
 * Parts p0, p1, … of a concat along an axis, viewed as [outer, total, inner]. Every size is a uniform (`total`,
 * `inner`, and per part its start `s<n>` and length `l<n>`), so one kernel per part count serves every shape:
 * appending to a KV cache that grows at every decoding step compiles nothing new. Arguments: the parts, then
 * `concatArgs(lengths, inner)`.
 */
export function concatSource(parts: number): string {
  const params = Array.from({ length: parts }, (_, n) => `p${n}`);
  const bounds = Array.from({ length: parts }, (_, n) => [`s${n}`, `l${n}`]).flat();
  const lines = [unflatten(['o', 'a', 'e'], ['_outer', 'total', 'inner'])];
  for (let n = 0; n < parts; n++) {
    lines.push(`if (a < s${n} + l${n}) { return p${n}[(o * l${n} + a - s${n}) * inner + e]; }`);
  }
  lines.push('return 0.0;');
  return kernel([...params, 'total', 'inner', ...bounds], lines.join('\n'));
}

/** The uniforms after the parts: total length, inner size, then each part's start and length along the axis. */
export function concatArgs(lengths: readonly number[], inner: number): number[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  let start = 0;
  const bounds = lengths.flatMap((length) => {
    const at = start;
    start += length;
    return [at, length];
  });
  return [total, inner, ...bounds];
}

/** A block of `plan.length` along the axis from `plan.start`; sizes are uniforms (`sliceArgs`), as in concat. */
export function sliceSource(): string {
  return kernel(
    ['x', 'size', 'inner', 'start', 'length'],
    `${unflatten(['o', 'a', 'e'], ['_outer', 'length', 'inner'])}
return x[(o * size + a + start) * inner + e];`,
  );
}

export function sliceArgs(inShape: readonly number[], plan: SlicePlan): number[] {
  const [, size, inner] = around(inShape, plan.axis);
  return [size, inner, plan.start, plan.length];
}
