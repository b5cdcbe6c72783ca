import type { DeviceTensor, DType } from '../contract/tensor.js';
import { AttnkitError, formatShape, invalidArgument, shapeError } from '../errors.js';

export function isNonNegativeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function isPositiveInteger(value: unknown): value is number {
  return isNonNegativeInteger(value) && value > 0;
}

export function checkShapeArray(op: string, argument: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw invalidArgument(op, `${argument}.shape`, 'an array of non-negative integers', shape);
  }
  return shape;
}

export function checkRank(op: string, argument: string, tensor: DeviceTensor, ranks: readonly number[]): void {
  if (!ranks.includes(tensor.shape.length)) {
    const expected = ranks.map((r) => `rank ${r}`).join(' or ');
    throw shapeError(op, argument, expected, tensor.shape);
  }
}

export function checkDType(op: string, argument: string, tensor: DeviceTensor, dtypes: readonly DType[]): void {
  if (!dtypes.includes(tensor.dtype)) {
    throw new AttnkitError(
      'SHAPE_MISMATCH',
      `${op}: ${argument} has dtype ${tensor.dtype} but expected ${dtypes.join(' or ')} (shape ${formatShape(tensor.shape)})`,
      { argument, expected: dtypes.join(' or '), given: tensor.dtype },
    );
  }
}

/** `tensor` is a live device tensor of `owner` (or one of `made`, the tensors handed out for it). */
export function checkOwned(op: string, argument: string, tensor: unknown, owner: object, made?: WeakSet<object>): void {
  const t = tensor as DeviceTensor | undefined;
  if (typeof t !== 'object' || t === null || !Array.isArray(t.shape) || typeof t.dtype !== 'string') {
    throw invalidArgument(op, argument, 'a device tensor', tensor);
  }
  if (t.owner !== owner && !made?.has(t)) {
    const name = (t.owner as { name?: unknown } | null)?.name;
    throw new AttnkitError(
      'INVALID_ARGUMENT',
      `${op}: ${argument} ${formatShape(t.shape)} belongs to another backend${typeof name === 'string' ? ` (${name})` : ''}`,
      {
        argument,
      },
    );
  }
  if (t.isDisposed) {
    throw new AttnkitError('DISPOSED', `${op}: ${argument} ${formatShape(t.shape)} was disposed`, { argument });
  }
}

/** Numpy broadcasting aligned from the right. Returns the output shape and each input's element strides. */
export function broadcastShapes(
  op: string,
  a: readonly number[],
  b: readonly number[],
): { outShape: number[]; aStrides: number[]; bStrides: number[] } {
  const rank = Math.max(a.length, b.length);
  const outShape: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw shapeError(
        op,
        'b',
        `a shape broadcastable with a ${formatShape(a)}`,
        b,
        `axis ${i - rank} has ${db} vs ${da}`,
      );
    }
    outShape.push(da === 1 ? db : da);
  }
  return { outShape, aStrides: broadcastStrides(a, outShape), bStrides: broadcastStrides(b, outShape) };
}

/** Element strides of `shape` read as `target` (aligned from the right), 0 on broadcast axes. */
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const strides = new Array<number>(target.length).fill(0);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = target.length - shape.length + i;
    strides[axis] = shape[i] === 1 && target[axis] !== 1 ? 0 : stride;
    stride *= shape[i];
  }
  return strides;
}
