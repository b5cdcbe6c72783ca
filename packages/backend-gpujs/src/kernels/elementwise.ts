import type { BinaryOp, BroadcastPlan, UnaryOp } from '@attnkit/core';
import { dot, kernel, tanhInto, unflatten } from '../source.js';

/** Elementwise kernels over flat tensors; broadcasting reads through the plan's strides (0 on broadcast axes). */

export function binarySource(op: BinaryOp, plan: BroadcastPlan): string {
  const names = plan.outShape.map((_, axis) => `i${axis}`);
  const combine = op === 'add' ? '+' : '*';
  const body =
    plan.outShape.length === 0
      ? `return a[0] ${combine} b[0];`
      : `${unflatten(names, plan.outShape)}\nreturn a[${dot(names, plan.aStrides)}] ${combine} b[${dot(names, plan.bStrides)}];`;
  return kernel(['a', 'b'], body);
}

/**
 * GELU is the exact x·Φ(x); Φ comes from erfc in the form of Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7),
 * taken on |z| so that the negative tail is a small product rather than 1 − (1 − tiny).
 */
export function unarySource(op: UnaryOp): string {
  if (op === 'relu') return kernel(['x'], 'const v = x[this.thread.x];\nreturn v > 0.0 ? v : 0.0;');
  if (op === 'tanh') return kernel(['x'], `const v = x[this.thread.x];\n${tanhInto('t', 'v')}\nreturn t;`);
  return kernel(
    ['x'],
    `const v = x[this.thread.x];
const z = Math.abs(v) * 0.7071067811865476;
const t = 1.0 / (1.0 + 0.3275911 * z);
const tail = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-z * z);
const phi = v < 0.0 ? 0.5 * tail : 1.0 - 0.5 * tail;
return v * phi;`,
  );
}

export function scaleSource(): string {
  return kernel(['x', 'factor'], 'return x[this.thread.x] * factor;');
}

/** Copies a host array into a texture (upload) or a texture into a new one. */
export function copySource(): string {
  return kernel(['x'], 'return x[this.thread.x];');
}
