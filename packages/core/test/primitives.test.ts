import { describe, expect, it } from 'vitest';
import { createDevice, createReferenceBackend, type DeviceTensor, erf } from '../src/index.js';
import { unary } from '../src/reference/primitives.js';
import { expectAttnkitError, expectClose } from './helpers.js';

/** The primitives of the device API on the reference, against hand-computed values. */
const device = createDevice(createReferenceBackend());
const f32 = (data: number[], shape: number[]) => device.upload(Float32Array.from(data), shape);
const i32 = (data: number[], shape: number[]) => device.upload(Int32Array.from(data), shape);
const read = async (t: DeviceTensor) => Array.from(await device.read(t));
const NEG = Number.NEGATIVE_INFINITY;

describe('matmul', () => {
  // a = [[1,2,3],[4,5,6]], b = [[7,8],[9,10],[11,12]]
  // a·b = [[1·7+2·9+3·11, 1·8+2·10+3·12], [4·7+5·9+6·11, 4·8+5·10+6·12]] = [[58,64],[139,154]]
  const a = f32([1, 2, 3, 4, 5, 6], [2, 3]);
  const b = f32([7, 8, 9, 10, 11, 12], [3, 2]);
  const aT = f32([1, 4, 2, 5, 3, 6], [3, 2]);
  const bT = f32([7, 9, 11, 8, 10, 12], [2, 3]);

  it('plain, transposeA, transposeB and both give the same product', async () => {
    for (const [x, y, options] of [
      [a, b, {}],
      [aT, b, { transposeA: true }],
      [a, bT, { transposeB: true }],
      [aT, bT, { transposeA: true, transposeB: true }],
    ] as const) {
      const out = device.matmul(x, y, options);
      expect(out.shape).toEqual([2, 2]);
      expect(await read(out)).toEqual([58, 64, 139, 154]);
    }
  });

  it('adds a bias to every row', async () => {
    expect(await read(device.matmul(a, b, { bias: f32([1, -1], [2]) }))).toEqual([59, 63, 140, 153]);
  });

  it('a shared [K, N] b and a batched [batch, K, N] b', async () => {
    // batch 1: a1 = [[1,0,0],[0,1,0]] picks rows 0 and 1 of b
    const batchA = f32([1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0], [2, 2, 3]);
    const shared = device.matmul(batchA, b);
    expect(shared.shape).toEqual([2, 2, 2]);
    expect(await read(shared)).toEqual([58, 64, 139, 154, 7, 8, 9, 10]);
    // batched: b1 = [[1,0],[0,1],[1,1]] → a1·b1 = [[1,0],[0,1]]
    const batchB = f32([7, 8, 9, 10, 11, 12, 1, 0, 0, 1, 1, 1], [2, 3, 2]);
    expect(await read(device.matmul(batchA, batchB))).toEqual([58, 64, 139, 154, 1, 0, 0, 1]);
    // batched and transposed: b1ᵀ = [[1,0,1],[0,1,1]]
    const batchBT = f32([7, 9, 11, 8, 10, 12, 1, 0, 1, 0, 1, 1], [2, 2, 3]);
    expect(await read(device.matmul(batchA, batchBT, { transposeB: true }))).toEqual([58, 64, 139, 154, 1, 0, 0, 1]);
  });

  it('K = 0 gives zeros (plus the bias)', async () => {
    expect(await read(device.matmul(f32([], [2, 0]), f32([], [0, 3]), { bias: f32([1, 2, 3], [3]) }))).toEqual([
      1, 2, 3, 1, 2, 3,
    ]);
  });

  it('rejects bad shapes and options', async () => {
    await expectAttnkitError(
      () => device.matmul(f32([1, 2, 3], [3]), b),
      'SHAPE_MISMATCH',
      'matmul: a',
      '[3]',
      'rank ≥ 2',
    );
    await expectAttnkitError(
      () => device.matmul(a, f32([1, 2, 3], [3])),
      'SHAPE_MISMATCH',
      'matmul: b',
      '[3]',
      'rank 2 or rank 2',
    );
    await expectAttnkitError(
      () => device.matmul(a, a),
      'SHAPE_MISMATCH',
      'matmul: b',
      '[2,3]',
      '[3,3]',
      'K = 3',
      'a [2,3]',
    );
    await expectAttnkitError(
      () => device.matmul(f32(new Array(12).fill(0), [2, 2, 3]), f32(new Array(18).fill(0), [3, 3, 2])),
      'SHAPE_MISMATCH',
      'matmul: b',
      '[3,3,2]',
      '[2,3,*]'.replace('*', '2'),
    );
    await expectAttnkitError(
      () => device.matmul(i32([1, 2, 3, 4, 5, 6], [2, 3]), b),
      'SHAPE_MISMATCH',
      'matmul: a',
      'int32',
    );
    await expectAttnkitError(
      () => device.matmul(a, i32([1, 2, 3, 4, 5, 6], [3, 2])),
      'SHAPE_MISMATCH',
      'matmul: b',
      'int32',
    );
    await expectAttnkitError(
      () => device.matmul(a, b, { bias: f32([1, 2, 3], [3]) }),
      'SHAPE_MISMATCH',
      'matmul: bias',
      '[3]',
      '[2]',
    );
    await expectAttnkitError(
      () => device.matmul(a, b, { bias: i32([1, 2], [2]) as never }),
      'SHAPE_MISMATCH',
      'matmul: bias',
      'int32',
    );
    await expectAttnkitError(
      () => device.matmul(a, b, { transpose: true } as never),
      'INVALID_ARGUMENT',
      'options.transpose',
    );
    await expectAttnkitError(
      () => device.matmul(a, b, { transposeA: 1 } as never),
      'INVALID_ARGUMENT',
      'options.transposeA',
      'a boolean',
    );
    await expectAttnkitError(() => device.matmul(a, b, null as never), 'INVALID_ARGUMENT', 'matmul: options');
  });
});

describe('add, mul, scale: numpy broadcasting from the right', () => {
  it('[2,3] with [3], [2,1] with [1,3], and scalars', async () => {
    const x = f32([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(await read(device.add(x, f32([10, 20, 30], [3])))).toEqual([11, 22, 33, 14, 25, 36]);
    expect(await read(device.mul(x, f32([10, 20, 30], [3])))).toEqual([10, 40, 90, 40, 100, 180]);
    const outer = device.add(f32([1, 2], [2, 1]), f32([10, 20, 30], [1, 3]));
    expect(outer.shape).toEqual([2, 3]);
    expect(await read(outer)).toEqual([11, 21, 31, 12, 22, 32]);
    expect(await read(device.mul(x, f32([2], [])))).toEqual([2, 4, 6, 8, 10, 12]);
    const scalarFirst = device.add(f32([1], []), f32([1, 2], [2]));
    expect(scalarFirst.shape).toEqual([2]);
    expect(await read(scalarFirst)).toEqual([2, 3]);
    expect(await read(device.add(f32([1], [1, 1, 1]), f32([5], [1])))).toEqual([6]);
  });

  it('broadcasts a [1,4,1] against [3,1,2] to [3,4,2]', async () => {
    const out = device.add(f32([0, 10, 20, 30], [1, 4, 1]), f32([1, 2, 3, 4, 5, 6], [3, 1, 2]));
    expect(out.shape).toEqual([3, 4, 2]);
    expect((await read(out)).slice(0, 8)).toEqual([1, 2, 11, 12, 21, 22, 31, 32]);
  });

  it('scale multiplies by a factor', async () => {
    expect(await read(device.scale(f32([1, -2], [2]), 3))).toEqual([3, -6]);
    expect(await read(device.scale(f32([4], []), 0.5))).toEqual([2]);
  });

  it('rejects shapes that do not broadcast, other dtypes and bad factors', async () => {
    await expectAttnkitError(
      () => device.add(f32([1, 2, 3], [3]), f32([1, 2], [2])),
      'SHAPE_MISMATCH',
      'add: b',
      '[2]',
      '[3]',
      'axis -1',
    );
    await expectAttnkitError(
      () => device.mul(f32(new Array(6).fill(0), [2, 3]), f32(new Array(12).fill(0), [4, 3, 1])),
      'SHAPE_MISMATCH',
      'mul: b',
      '[4,3,1]',
      '[2,3]',
      'axis -2',
    );
    await expectAttnkitError(() => device.add(f32([1], [1]), i32([1], [1])), 'SHAPE_MISMATCH', 'add: b', 'int32');
    await expectAttnkitError(() => device.add(i32([1], [1]), f32([1], [1])), 'SHAPE_MISMATCH', 'add: a', 'int32');
    await expectAttnkitError(() => device.scale(f32([1], [1]), Number.NaN), 'INVALID_ARGUMENT', 'scale: factor', 'NaN');
    await expectAttnkitError(() => device.scale(i32([1], [1]), 2), 'SHAPE_MISMATCH', 'scale: x', 'int32');
  });
});

describe('unary: relu, exact gelu, tanh', () => {
  it('erf matches known values to 1e-15', () => {
    const known: [number, number][] = [
      [0, 0],
      [1e-3, 0.0011283787909692365],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [-0.7, -0.6778011938374184],
      [1, 0.8427007929497149],
      [1.5, 0.9661051464753108],
      [2, 0.9953222650189527],
      [2.5, 0.999593047982555],
      [3, 0.9999779095030014],
      [4, 0.9999999845827421],
      [5, 0.9999999999984626],
      [-5, -0.9999999999984626],
      [6, 1],
      [30, 1],
      [Number.POSITIVE_INFINITY, 1],
      [Number.NEGATIVE_INFINITY, -1],
    ];
    for (const [x, value] of known)
      expect(Math.abs(erf(x) - value), `erf(${x}) = ${erf(x)}`).toBeLessThanOrEqual(1e-15);
    expect(erf(Number.NaN)).toBeNaN();
  });

  it('gelu(1) = Φ(1) = 0.8413447460685429 in float64, and the float32 result on the device', async () => {
    expect(unary('gelu', Float64Array.of(1))[0]).toBe(0.8413447460685429);
    // x·Φ(x) at −1, 0, 0.5, 1, 2 (not the tanh approximation, which gives 0.8411919906 at 1)
    const expected = [-0.15865525393145707, 0, 0.34573123063700656, 0.8413447460685429, 1.9544997361036416];
    const exact = unary('gelu', Float64Array.from([-1, 0, 0.5, 1, 2, -3]));
    expectClose(exact, [...expected, -0.004049694094890287], 1e-15);
    expectClose(await read(device.gelu(f32([-1, 0, 0.5, 1, 2], [5]))), expected.map(Math.fround), 0);
  });

  it('relu and tanh', async () => {
    expect(await read(device.relu(f32([-1, 0, 2.5], [3])))).toEqual([0, 0, 2.5]);
    expectClose(
      await read(device.tanh(f32([0.5, -2, 0], [3]))),
      [0.46211715726000974, -0.9640275800758169, 0].map(Math.fround),
      0,
    );
    expect(await read(device.relu(f32([-3], [])))).toEqual([0]);
  });

  it('rejects non-float tensors', async () => {
    await expectAttnkitError(() => device.gelu(i32([1], [1])), 'SHAPE_MISMATCH', 'gelu: x', 'int32', 'float32');
  });
});

describe('softmax and logSoftmax over the last axis', () => {
  it('matches σ for two entries and handles rows of −∞', async () => {
    // softmax([1, 0]) = [0.7310585786, 0.2689414214]; a −∞ row gives zeros; one −∞ entry gets 0
    const x = f32([1, 0, NEG, NEG, 0, NEG], [3, 2]);
    expectClose(await read(device.softmax(x)), [0.7310585786300049, 0.2689414213699951, 0, 0, 1, 0]);
    // log: [1 − ln(1 + e), −ln(1 + e)]; a −∞ row stays −∞; log 1 = 0 and log 0 = −∞ for the third row
    expectClose(await read(device.logSoftmax(x)), [-0.3132616875182228, -1.3132616875182228, NEG, NEG, 0, NEG]);
  });

  it('propagates NaN instead of mistaking a NaN row for a masked one', async () => {
    const out = await read(device.softmax(f32([Number.NaN, Number.NaN, Number.NaN, 0], [2, 2])));
    expect(out.every(Number.isNaN)).toBe(true);
  });

  it('is stable at ±1e4 and keeps the shape', async () => {
    const out = device.softmax(f32([1e4, -1e4, 1e4, 1e4], [2, 1, 2]));
    expect(out.shape).toEqual([2, 1, 2]);
    expectClose(await read(out), [1, 0, 0.5, 0.5]);
  });

  it('rejects a scalar and non-float tensors', async () => {
    await expectAttnkitError(() => device.softmax(f32([1], [])), 'SHAPE_MISMATCH', 'softmax: x', '[]', 'rank ≥ 1');
    await expectAttnkitError(() => device.logSoftmax(i32([1], [1])), 'SHAPE_MISMATCH', 'logSoftmax: x', 'int32');
  });
});

describe('layerNorm', () => {
  it('normalizes each row, then scales and shifts', async () => {
    // row [1,2,3,4]: mean 2.5, variance 1.25 → (x − 2.5) / √(1.25 + 1e−5)
    const norm = [-1.3416354199689269, -0.447211806656309, 0.447211806656309, 1.3416354199689269];
    const x = f32([1, 2, 3, 4, 4, 3, 2, 1], [2, 4]);
    const out = device.layerNorm(x, f32([2, 2, 2, 2], [4]), f32([1, 0, 0, -1], [4]));
    expectClose(
      await read(out),
      [...norm.map((v, j) => 2 * v + [1, 0, 0, -1][j]), ...[...norm].reverse().map((v, j) => 2 * v + [1, 0, 0, -1][j])],
      1e-6,
    );
    // a constant row becomes beta
    expectClose(
      await read(device.layerNorm(f32([5, 5], [1, 2]), f32([3, 3], [2]), f32([0.5, -0.5], [2]), 1e-3)),
      [0.5, -0.5],
    );
  });

  it('rejects gamma/beta of the wrong width and a bad epsilon', async () => {
    const x = f32([1, 2, 3, 4], [1, 4]);
    const one = f32([1, 1, 1, 1], [4]);
    await expectAttnkitError(
      () => device.layerNorm(x, f32([1, 1, 1], [3]), one),
      'SHAPE_MISMATCH',
      'layerNorm: gamma',
      '[3]',
      '[4]',
      'x [1,4]',
    );
    await expectAttnkitError(
      () => device.layerNorm(x, one, f32([1, 1, 1, 1], [2, 2])),
      'SHAPE_MISMATCH',
      'layerNorm: beta',
      '[2,2]',
    );
    await expectAttnkitError(
      () => device.layerNorm(x, one, i32([0, 0, 0, 0], [4])),
      'SHAPE_MISMATCH',
      'layerNorm: beta',
      'int32',
    );
    await expectAttnkitError(() => device.layerNorm(x, one, one, 0), 'INVALID_ARGUMENT', 'layerNorm: epsilon', '0');
    await expectAttnkitError(() => device.layerNorm(x, one, one, Number.NaN), 'INVALID_ARGUMENT', 'layerNorm: epsilon');
  });
});

describe('gather (embedding lookup)', () => {
  const table = f32([1, 2, 3, 4, 5, 6], [3, 2]);

  it('looks up rows for ids of any rank', async () => {
    const out = device.gather(table, i32([2, 0, 2, 1], [2, 2]));
    expect(out.shape).toEqual([2, 2, 2]);
    expect(await read(out)).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
    const one = device.gather(table, i32([1], []));
    expect(one.shape).toEqual([2]);
    expect(await read(one)).toEqual([3, 4]);
  });

  it('an id outside [0, V) gives a zero row, as on every backend (ids are not read back to be checked)', async () => {
    const out = device.gather(table, i32([0, 3, -1, 2, 2147483647, -2147483648], [6]));
    expect(await read(out)).toEqual([1, 2, 0, 0, 0, 0, 5, 6, 0, 0, 0, 0]);
  });

  it('rejects a table that is not [V, E] float32 and ids that are not int32', async () => {
    await expectAttnkitError(
      () => device.gather(f32([1, 2], [2]), i32([0], [1])),
      'SHAPE_MISMATCH',
      'gather: table',
      '[2]',
      'rank 2',
    );
    await expectAttnkitError(
      () => device.gather(table, f32([0], [1])),
      'SHAPE_MISMATCH',
      'gather: ids',
      'float32',
      'int32',
    );
    await expectAttnkitError(
      () => device.gather(i32([0, 1], [1, 2]), i32([0], [1])),
      'SHAPE_MISMATCH',
      'gather: table',
      'int32',
    );
  });
});

describe('concat, slice and reshape', () => {
  const x = f32(
    Array.from({ length: 12 }, (_, i) => i),
    [2, 3, 2],
  );

  it('slice then concat along an axis is the identity', async () => {
    for (const axis of [0, 1, 2, -1]) {
      const size = x.shape[(axis + 3) % 3];
      const head = device.slice(x, axis, 0, 1);
      const tail = device.slice(x, axis, 1, size - 1);
      const back = device.concat([head, tail], axis);
      expect(back.shape).toEqual(x.shape);
      expect(await read(back)).toEqual(await read(x));
    }
  });

  it('slice picks the right elements; concat joins caches along the sequence axis', async () => {
    // x[:, 1:3, :] of [[[0,1],[2,3],[4,5]], [[6,7],[8,9],[10,11]]]
    const middle = device.slice(x, 1, 1, 2);
    expect(middle.shape).toEqual([2, 2, 2]);
    expect(await read(middle)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
    const cache = device.concat([f32([1, 2], [1, 1, 1, 2]), f32([3, 4, 5, 6], [1, 1, 2, 2])], 2);
    expect(cache.shape).toEqual([1, 1, 3, 2]);
    expect(await read(cache)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(device.slice(x, 1, 3, 0).shape).toEqual([2, 0, 2]);
  });

  it('keeps int32 and bool dtypes', async () => {
    const ids = device.concat([i32([1, 2], [2]), i32([3], [1])], 0);
    expect(ids.dtype).toBe('int32');
    expect(Array.from(await device.read(ids))).toEqual([1, 2, 3]);
    const flags = device.slice(device.upload(Uint8Array.from([1, 0, 1]), [3]), 0, 1, 2);
    expect(flags.dtype).toBe('bool');
    expect(Array.from(await device.read(flags))).toEqual([0, 1]);
  });

  it('reshape infers one −1 and keeps the data', async () => {
    const flat = device.reshape(x, [-1]);
    expect(flat.shape).toEqual([12]);
    expect(device.reshape(x, [3, -1]).shape).toEqual([3, 4]);
    expect(device.reshape(x, [2, 2, 3]).shape).toEqual([2, 2, 3]);
    expect(await read(flat)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(device.reshape(f32([], [0, 3]), [3, 0, -1]).shape).toEqual([3, 0, 0]);
  });

  it('rejects bad axes, ranges and shapes', async () => {
    await expectAttnkitError(() => device.concat([], 0), 'INVALID_ARGUMENT', 'concat: tensors', 'non-empty');
    await expectAttnkitError(() => device.concat(x as never, 0), 'INVALID_ARGUMENT', 'concat: tensors');
    await expectAttnkitError(() => device.concat([x, x], 3), 'INVALID_ARGUMENT', 'concat: axis', '[-3, 2]', '3');
    await expectAttnkitError(
      () => device.concat([x, f32([0, 0], [2, 1, 1])], 1),
      'SHAPE_MISMATCH',
      'concat: tensors[1]',
      '[2,1,1]',
      '[2,*,2]',
    );
    await expectAttnkitError(() => device.concat([x, f32([0, 0], [2, 1])], 1), 'SHAPE_MISMATCH', 'tensors[1]', '[2,1]');
    await expectAttnkitError(
      () => device.concat([i32([1], [1]), f32([1], [1])], 0),
      'SHAPE_MISMATCH',
      'tensors[1]',
      'float32',
      'int32',
    );
    await expectAttnkitError(() => device.slice(x, 3, 0, 1), 'INVALID_ARGUMENT', 'slice: axis');
    await expectAttnkitError(() => device.slice(x, 1, 4, 0), 'INVALID_ARGUMENT', 'slice: start', '[0, 3]', '[2,3,2]');
    await expectAttnkitError(() => device.slice(x, 1, 2, 2), 'INVALID_ARGUMENT', 'slice: length', '[0, 1]');
    await expectAttnkitError(() => device.slice(x, 1, 0.5, 1), 'INVALID_ARGUMENT', 'slice: start');
    await expectAttnkitError(() => device.reshape(x, [-1, -1]), 'INVALID_ARGUMENT', 'reshape: shape', 'at most one -1');
    await expectAttnkitError(
      () => device.reshape(x, [5, -1]),
      'SHAPE_MISMATCH',
      'reshape: shape',
      '[5,-1]',
      '12 elements',
      '[2,3,2]',
    );
    await expectAttnkitError(() => device.reshape(x, [4, 4]), 'SHAPE_MISMATCH', 'reshape: shape', '[4,4]');
    await expectAttnkitError(() => device.reshape(x, [-2, 6]), 'INVALID_ARGUMENT', 'reshape: shape');
    await expectAttnkitError(() => device.reshape(x, '12' as never), 'INVALID_ARGUMENT', 'reshape: shape');
  });
});

describe('argmax and topK over the last axis', () => {
  it('argmax returns the first maximum of each row', async () => {
    const out = device.argmax(f32([1, 3, 3, -1, -2, -0.5], [2, 3]));
    expect(out.dtype).toBe('int32');
    expect(out.shape).toEqual([2]);
    expect(await read(out)).toEqual([1, 2]);
    expect(await read(device.argmax(f32([NEG, NEG], [2])))).toEqual([0]);
  });

  it('topK is descending and ties keep the lower index first', async () => {
    const { values, indices } = device.topK(f32([1, 3, 3, 2, 0, 5, NEG, 5], [2, 4]), 3);
    expect(values.shape).toEqual([2, 3]);
    expect(indices.dtype).toBe('int32');
    expect(await read(values)).toEqual([3, 3, 2, 5, 5, 0]);
    expect(await read(indices)).toEqual([1, 2, 3, 1, 3, 0]);
    const all = device.topK(f32([NEG, 1, NEG], [3]), 3);
    expect(await read(all.indices)).toEqual([1, 0, 2]);
  });

  it('rejects an empty last axis and k outside [1, width]', async () => {
    await expectAttnkitError(() => device.argmax(f32([], [2, 0])), 'SHAPE_MISMATCH', 'argmax: x', '[2,0]');
    await expectAttnkitError(() => device.topK(f32([1, 2], [2]), 3), 'INVALID_ARGUMENT', 'topK: k', '[1, 2]', '3');
    await expectAttnkitError(() => device.topK(f32([1, 2], [2]), 0), 'INVALID_ARGUMENT', 'topK: k');
    await expectAttnkitError(() => device.argmax(i32([1], [1])), 'SHAPE_MISMATCH', 'argmax: x', 'int32');
  });
});
