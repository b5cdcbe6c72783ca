import { type Backend, createDevice, createReferenceBackend, type DeviceTensor } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type GpujsBackend } from '../src/index.js';
import { floats, random, worstMismatch } from './support/compare.js';

/**
 * Every primitive of BackendKernels against the reference, through the validated device API. Each case
 * builds the same computation on both backends and compares what comes back.
 */
/** Gets its own seeded generator, so both backends see the same data. */
type Program = (device: ReturnType<typeof createDevice>, r: () => number) => DeviceTensor | DeviceTensor[];

let backend: GpujsBackend;
const reference = createReferenceBackend();
beforeAll(async () => {
  backend = await createBackend();
});
afterAll(() => backend?.dispose());

async function run(on: Backend, program: Program) {
  const device = createDevice(on);
  const out = [program(device, random(11))].flat();
  const data = await Promise.all(out.map((t) => device.read(t)));
  const shapes = out.map((t) => [...t.shape]);
  const dtypes = out.map((t) => t.dtype);
  return { data, shapes, dtypes, device };
}

async function check(program: Program) {
  const expected = await run(reference, program);
  const actual = await run(backend, program);
  expect(actual.shapes).toEqual(expected.shapes);
  expect(actual.dtypes).toEqual(expected.dtypes);
  actual.data.forEach((data, n) => {
    expect(worstMismatch(data, expected.data[n]), `output ${n}`).toBeNull();
  });
}

const r = random(7); // fixed data shared by both runs
const x = floats(3 * 4 * 5, r, 3);
const y = floats(4 * 5, r);
const withInfinities = Float32Array.from(x, (v, n) =>
  n < 5 ? Number.NEGATIVE_INFINITY : n % 7 === 0 ? Number.NEGATIVE_INFINITY : v,
);
const ties = Float32Array.from({ length: 4 * 9 }, (_, n) => Math.round(Math.sin(n * 1.7) * 2));

describe('primitives on headless-gl match the reference', () => {
  const cases: [string, Program][] = [
    ['matmul', (d, r) => d.matmul(d.upload(floats(2 * 3 * 4, r), [2, 3, 4]), d.upload(floats(4 * 5, r), [4, 5]))],
    [
      'matmul transposeA, transposeB, batched b, bias',
      (d, r) =>
        d.matmul(d.upload(floats(2 * 4 * 3, r), [2, 4, 3]), d.upload(floats(2 * 5 * 4, r), [2, 5, 4]), {
          transposeA: true,
          transposeB: true,
          bias: d.upload(floats(5, r), [5]),
        }),
    ],
    ['matmul K = 0', (d) => d.matmul(d.upload(new Float32Array(0), [3, 0]), d.upload(new Float32Array(0), [0, 2]))],
    ['add with broadcast', (d) => d.add(d.upload(x, [3, 4, 5]), d.upload(y, [4, 5]))],
    [
      'mul with broadcast on a middle axis',
      (d, r) => d.mul(d.upload(x, [3, 4, 5]), d.upload(floats(3 * 5, r), [3, 1, 5])),
    ],
    ['add of scalars (rank 0)', (d) => d.add(d.upload(Float32Array.of(2), []), d.upload(Float32Array.of(3), []))],
    ['relu', (d) => d.relu(d.upload(x, [3, 4, 5]))],
    [
      'gelu (exact, erf)',
      (d) =>
        d.gelu(
          d.upload(
            Float32Array.from(x, (v) => v * 3),
            [3, 4, 5],
          ),
        ),
    ],
    [
      'tanh, large and tiny inputs',
      (d) =>
        d.tanh(
          d.upload(
            Float32Array.from(x, (v, n) => (n % 3 === 0 ? v * 100 : v * 1e-3)),
            [3, 4, 5],
          ),
        ),
    ],
    ['scale', (d) => d.scale(d.upload(x, [3, 4, 5]), -0.37)],
    ['softmax with −∞ and a fully −∞ row', (d) => d.softmax(d.upload(withInfinities, [12, 5]))],
    ['logSoftmax with −∞ and a fully −∞ row', (d) => d.logSoftmax(d.upload(withInfinities, [12, 5]))],
    [
      'softmax of ±1e4 logits',
      (d) =>
        d.softmax(
          d.upload(
            Float32Array.from(x, (v) => v * 1e4),
            [3, 20],
          ),
        ),
    ],
    [
      'layerNorm',
      (d, r) => d.layerNorm(d.upload(x, [12, 5]), d.upload(floats(5, r), [5]), d.upload(floats(5, r), [5]), 1e-5),
    ],
    [
      'gather with an out-of-range id → zero row',
      (d, r) => d.gather(d.upload(floats(6 * 4, r), [6, 4]), d.upload(Int32Array.of(5, 0, 2, 2), [2, 2])),
    ],
    [
      'concat axis 1 of three parts, one empty',
      (d, r) =>
        d.concat(
          [
            d.upload(floats(2 * 3 * 2, r), [2, 3, 2]),
            d.upload(new Float32Array(0), [2, 0, 2]),
            d.upload(floats(2 * 1 * 2, r), [2, 1, 2]),
          ],
          1,
        ),
    ],
    [
      'concat of 9 parts (grouped past the texture-unit limit)',
      (d, r) =>
        d.concat(
          Array.from({ length: 9 }, (_, n) => d.upload(floats(2 * (n + 1), r), [2, n + 1])),
          -1,
        ),
    ],
    ['concat int32', (d) => d.concat([d.upload(Int32Array.of(1, -2), [2]), d.upload(Int32Array.of(7), [1])], 0)],
    ['slice', (d) => d.slice(d.upload(x, [3, 4, 5]), 1, 1, 2)],
    ['slice of bool', (d) => d.slice(d.upload(Uint8Array.of(1, 0, 1, 1, 0, 0), [2, 3]), -1, 1, 2)],
    [
      'reshape then add (shared storage)',
      (d) => {
        const a = d.upload(x, [3, 4, 5]);
        const b = d.reshape(a, [12, -1]);
        d.dispose(a);
        return d.add(b, b);
      },
    ],
    ['argmax with ties', (d) => d.argmax(d.upload(ties, [4, 9]))],
    [
      'topK with ties and −∞',
      (d) => {
        const t = d.topK(
          d.upload(
            Float32Array.from(ties, (v, n) => (n % 5 === 0 ? Number.NEGATIVE_INFINITY : v)),
            [4, 9],
          ),
          4,
        );
        return [t.values, t.indices];
      },
    ],
    [
      'int32 and bool round trip',
      (d) => [d.upload(Int32Array.of(0, -5, 16777216, 3), [4]), d.upload(Uint8Array.of(0, 1, 1, 0), [2, 2])],
    ],
    ['empty tensors', (d) => [d.upload(new Float32Array(0), [0, 3]), d.softmax(d.upload(new Float32Array(0), [0, 3]))]],
  ];
  for (const [name, program] of cases) it(name, () => check(program));

  it('int32 beyond ±2^24 is refused rather than rounded', () => {
    expect(() => createDevice(backend).upload(Int32Array.of(2 ** 24 + 1), [1])).toThrow(
      expect.objectContaining({ code: 'DEVICE_LIMIT' }),
    );
  });

  it('results are immutable: a later call never overwrites a tensor a caller still holds', async () => {
    const d = createDevice(backend);
    const a = d.upload(Float32Array.of(1, 2, 3), [3]);
    const first = d.scale(a, 2);
    const second = d.scale(a, 10);
    const third = d.scale(first, 100);
    expect(Array.from(await d.read(first))).toEqual([2, 4, 6]);
    expect(Array.from(await d.read(second))).toEqual([10, 20, 30]);
    expect(Array.from(await d.read(third))).toEqual([200, 400, 600]);
    d.dispose(a, first, second, third);
  });
});
