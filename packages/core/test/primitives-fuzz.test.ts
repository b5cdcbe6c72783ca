import { describe, expect, it } from 'vitest';
import { createDevice, createReferenceBackend } from '../src/index.js';
import { expectClose, rng } from './helpers.js';

/** Random shapes for the shape-heavy primitives, against naive index arithmetic written here. */
const device = createDevice(createReferenceBackend());
const CALLS = 30;

function randomData(n: number, next: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => Math.round(8 * next() - 4));
}
const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Row-major multi-index of a flat index. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    index[axis] = flat % shape[axis];
    flat = Math.floor(flat / shape[axis]);
  }
  return index;
}
const ravel = (index: readonly number[], shape: readonly number[]) =>
  index.reduce((flat, i, axis) => flat * shape[axis] + i, 0);

describe('add/mul broadcasting on random shapes', () => {
  for (let seed = 1; seed <= CALLS; seed++) {
    it(`call ${seed}`, async () => {
      const next = rng(1000 + seed);
      const out = Array.from({ length: Math.floor(next() * 5) }, () => 1 + Math.floor(next() * 3));
      // Each operand keeps a suffix of the output's axes, each kept axis either full or 1.
      const operand = () => out.slice(Math.floor(next() * (out.length + 1))).map((d) => (next() < 0.35 ? 1 : d));
      const [sa, sb] = [operand(), operand()];
      const [da, db] = [randomData(size(sa), next), randomData(size(sb), next)];
      const rank = Math.max(sa.length, sb.length);
      const shape = Array.from({ length: rank }, (_, axis) =>
        Math.max(sa[sa.length - rank + axis] ?? 1, sb[sb.length - rank + axis] ?? 1),
      );
      const at = (data: Float32Array, s: number[], index: number[]) =>
        data[
          ravel(
            s.map((d, axis) => (d === 1 ? 0 : index[index.length - s.length + axis])),
            s,
          )
        ];
      const expectedAdd = Array.from({ length: size(shape) }, (_, flat) => {
        const index = unravel(flat, shape);
        return at(da, sa, index) + at(db, sb, index);
      });
      const a = device.upload(da, sa);
      const b = device.upload(db, sb);
      const sum = device.add(a, b);
      expect(sum.shape).toEqual(shape);
      expectClose(await device.read(sum), expectedAdd, 0);
      const product = await device.read(device.mul(b, a));
      expectClose(
        product,
        Array.from(
          { length: size(shape) },
          (_, flat) => at(da, sa, unravel(flat, shape)) * at(db, sb, unravel(flat, shape)),
        ),
        0,
      );
    });
  }
});

describe('matmul on random shapes, transposes, shared or batched b, bias', () => {
  for (let seed = 1; seed <= CALLS; seed++) {
    it(`call ${seed}`, async () => {
      const next = rng(2000 + seed);
      const batch = Array.from({ length: Math.floor(next() * 3) }, () => 1 + Math.floor(next() * 2));
      const [M, K, N] = [1 + Math.floor(next() * 3), Math.floor(next() * 4), 1 + Math.floor(next() * 3)];
      const [transposeA, transposeB, batchedB, withBias] = [
        next() < 0.5,
        next() < 0.5,
        batch.length > 0 && next() < 0.5,
        next() < 0.5,
      ];
      const aShape = [...batch, ...(transposeA ? [K, M] : [M, K])];
      const bShape = [...(batchedB ? batch : []), ...(transposeB ? [N, K] : [K, N])];
      const [da, db, dBias] = [randomData(size(aShape), next), randomData(size(bShape), next), randomData(N, next)];
      const count = size(batch);
      const expected: number[] = [];
      for (let n = 0; n < count; n++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let acc = withBias ? dBias[j] : 0;
            for (let k = 0; k < K; k++) {
              const av = da[n * M * K + (transposeA ? k * M + i : i * K + k)];
              const bv = db[(batchedB ? n * K * N : 0) + (transposeB ? j * K + k : k * N + j)];
              acc += av * bv;
            }
            expected.push(acc);
          }
      const bias = withBias ? { bias: device.upload(dBias, [N]) } : {};
      const out = device.matmul(device.upload(da, aShape), device.upload(db, bShape), {
        transposeA,
        transposeB,
        ...bias,
      });
      expect(out.shape).toEqual([...batch, M, N]);
      expectClose(await device.read(out), expected, 0);
    });
  }
});

describe('slice and concat on random shapes and axes', () => {
  for (let seed = 1; seed <= CALLS; seed++) {
    it(`call ${seed}`, async () => {
      const next = rng(3000 + seed);
      const shape = Array.from({ length: 1 + Math.floor(next() * 4) }, () => 1 + Math.floor(next() * 3));
      const axis = Math.floor(next() * shape.length);
      const data = randomData(size(shape), next);
      const x = device.upload(data, shape);
      const cut = Math.floor(next() * (shape[axis] + 1));
      const head = device.slice(x, axis - (next() < 0.5 ? shape.length : 0), 0, cut);
      const tail = device.slice(x, axis, cut, shape[axis] - cut);
      // naive: the elements whose index on `axis` is below the cut, in row-major order
      const below = Array.from(data).filter((_, flat) => unravel(flat, shape)[axis] < cut);
      expectClose(await device.read(head), below, 0);
      expectClose(await device.read(device.concat([head, tail], axis)), data, 0);
    });
  }
});
