import type { ConcatPlan, GatherPlan, MatmulOptions, MatmulPlan, RowsPlan, SlicePlan } from '../contract/primitives.js';
import type { DeviceTensor } from '../contract/tensor.js';
import { sizeOf } from '../contract/tensor.js';
import { formatShape, invalidArgument, shapeError } from '../errors.js';
import { checkDType, checkRank, isNonNegativeInteger, isPositiveInteger } from './shapes.js';

/** Plans for the primitives: shapes resolved and checked, nothing computed. */

export function planMatmul(a: DeviceTensor, b: DeviceTensor, options: MatmulOptions): MatmulPlan {
  const op = 'matmul';
  checkDType(op, 'a', a, ['float32']);
  checkDType(op, 'b', b, ['float32']);
  if (a.shape.length < 2) throw shapeError(op, 'a', 'rank ≥ 2', a.shape);
  if (b.shape.length !== 2 && b.shape.length !== a.shape.length) {
    throw shapeError(op, 'b', `rank 2 or rank ${a.shape.length} like a ${formatShape(a.shape)}`, b.shape);
  }
  const transposeA = options.transposeA ?? false;
  const transposeB = options.transposeB ?? false;
  const ar = a.shape.length;
  const br = b.shape.length;
  const M = transposeA ? a.shape[ar - 1] : a.shape[ar - 2];
  const K = transposeA ? a.shape[ar - 2] : a.shape[ar - 1];
  const bK = transposeB ? b.shape[br - 1] : b.shape[br - 2];
  const N = transposeB ? b.shape[br - 2] : b.shape[br - 1];
  const batchDims = a.shape.slice(0, ar - 2);
  const batchedB = br > 2;
  const bExpected = [...(batchedB ? batchDims : []), ...(transposeB ? [N, K] : [K, N])];
  if (bK !== K || (batchedB && b.shape.slice(0, br - 2).some((d, i) => d !== batchDims[i]))) {
    throw shapeError(op, 'b', bExpected, b.shape, `inner size K = ${K} from a ${formatShape(a.shape)}`);
  }
  if (options.bias) {
    checkDType(op, 'bias', options.bias, ['float32']);
    if (options.bias.shape.length !== 1 || options.bias.shape[0] !== N)
      throw shapeError(op, 'bias', [N], options.bias.shape);
  }
  return { batch: sizeOf(batchDims), M, K, N, transposeA, transposeB, batchedB, outShape: [...batchDims, M, N] };
}

export function planRows(op: string, x: DeviceTensor): RowsPlan {
  checkDType(op, 'x', x, ['float32']);
  if (x.shape.length < 1) throw shapeError(op, 'x', 'rank ≥ 1', x.shape);
  const width = x.shape[x.shape.length - 1];
  return { rows: width === 0 ? 0 : sizeOf(x.shape) / width, width };
}

export function planLayerNorm(x: DeviceTensor, gamma: DeviceTensor, beta: DeviceTensor, epsilon: number): RowsPlan {
  const op = 'layerNorm';
  const plan = planRows(op, x);
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    checkDType(op, name, t, ['float32']);
    if (t.shape.length !== 1 || t.shape[0] !== plan.width) {
      throw shapeError(op, name, [plan.width], t.shape, `last axis of x ${formatShape(x.shape)}`);
    }
  }
  if (typeof epsilon !== 'number' || !(epsilon > 0) || !Number.isFinite(epsilon)) {
    throw invalidArgument(op, 'epsilon', 'a finite number > 0', epsilon);
  }
  return plan;
}

export function planGather(table: DeviceTensor, ids: DeviceTensor): GatherPlan {
  const op = 'gather';
  checkDType(op, 'table', table, ['float32']);
  checkRank(op, 'table', table, [2]);
  checkDType(op, 'ids', ids, ['int32']);
  const [vocabulary, width] = table.shape;
  return { vocabulary, width, count: sizeOf(ids.shape), outShape: [...ids.shape, width] };
}

export function planConcat(tensors: readonly DeviceTensor[], axis: number): ConcatPlan {
  const op = 'concat';
  if (!Array.isArray(tensors as unknown) || tensors.length === 0)
    throw invalidArgument(op, 'tensors', 'a non-empty array of tensors', tensors);
  const first = tensors[0];
  const rank = first.shape.length;
  const ax = normalizeAxis(op, axis, rank);
  let total = 0;
  tensors.forEach((t, i) => {
    checkDType(op, `tensors[${i}]`, t, [first.dtype]);
    const expected = first.shape.map((d, j) => (j === ax ? '*' : d));
    if (t.shape.length !== rank || t.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw shapeError(op, `tensors[${i}]`, expected, t.shape, `all but axis ${ax} must match tensors[0]`);
    }
    total += t.shape[ax];
  });
  return { axis: ax, outShape: first.shape.map((d, j) => (j === ax ? total : d)) };
}

export function planSlice(x: DeviceTensor, axis: number, start: number, length: number): SlicePlan {
  const op = 'slice';
  const ax = normalizeAxis(op, axis, x.shape.length);
  const size = x.shape[ax];
  if (!isNonNegativeInteger(start) || start > size) {
    throw invalidArgument(op, 'start', `an integer in [0, ${size}] for axis ${ax} of ${formatShape(x.shape)}`, start);
  }
  if (!isNonNegativeInteger(length) || start + length > size) {
    throw invalidArgument(
      op,
      'length',
      `an integer in [0, ${size - start}] (start ${start}, axis ${ax} of ${formatShape(x.shape)})`,
      length,
    );
  }
  return { axis: ax, start, length, outShape: x.shape.map((d, j) => (j === ax ? length : d)) };
}

export function planReshape(x: DeviceTensor, shape: readonly number[]): number[] {
  const op = 'reshape';
  if (!Array.isArray(shape)) throw invalidArgument(op, 'shape', 'an array of integers', shape);
  const inferred = shape.filter((d) => d === -1).length;
  if (inferred > 1 || shape.some((d) => d !== -1 && !isNonNegativeInteger(d))) {
    throw invalidArgument(op, 'shape', 'non-negative integers with at most one -1', shape);
  }
  const total = sizeOf(x.shape);
  const known = sizeOf(shape.filter((d) => d !== -1));
  const resolved = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (sizeOf(resolved) !== total || !resolved.every(Number.isInteger)) {
    throw shapeError(op, 'shape', `${total} elements like x ${formatShape(x.shape)}`, shape as number[]);
  }
  return resolved;
}

export function planTopK(x: DeviceTensor, k: number): RowsPlan {
  const plan = planRows('topK', x);
  if (!isPositiveInteger(k) || k > plan.width)
    throw invalidArgument('topK', 'k', `an integer in [1, ${plan.width}]`, k);
  return plan;
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank)
    throw invalidArgument(op, 'axis', `an integer in [${-rank}, ${rank - 1}]`, axis);
  return axis < 0 ? axis + rank : axis;
}
