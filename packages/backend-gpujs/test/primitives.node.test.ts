import { Comparison, mulberry32, type Random, toleranceFor, uniform } from '@attnkit/conformance';
import { type Backend, createDevice, createReferenceBackend, type DeviceTensor } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type GpujsBackend } from '../src/index.js';

/**
 * What the conformance suite's primitive cases (conformance.node.test.ts, on headless-gl) do not reach in
 * this backend's WebGL packing: rank 0, −∞ in topK, out-of-range gather ids, broadcasts on a middle axis,
 * concat past the texture-unit limit, bool slices, shared storage after reshape, int32 and bool round trips,
 * empty tensors. Each case builds the same computation on both backends, from the conformance suite's
 * generators, and compares what comes back under its tolerance policy.
 */
/** Gets its own seeded generator, so both backends see the same data. */
type Program = (device: ReturnType<typeof createDevice>, r: Random) => DeviceTensor | DeviceTensor[];
const floats = (n: number, r: Random, spread = 1) => uniform(r, n, -spread, spread);

let backend: GpujsBackend;
const reference = createReferenceBackend();
beforeAll(async () => {
  backend = await createBackend();
});
afterAll(() => backend?.dispose());

async function run(on: Backend, program: Program) {
  const device = createDevice(on);
  const out = [program(device, mulberry32(11))].flat();
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
  const cmp = new Comparison(toleranceFor('float32'));
  actual.data.forEach((data, n) => {
    cmp.noNaN(`output ${n}`, data);
    if (expected.dtypes[n] === 'float32') cmp.close(`output ${n}`, data, expected.data[n]);
    else cmp.exact(`output ${n}`, data, expected.data[n]);
  });
  expect(cmp.failures).toEqual([]);
}

const r = mulberry32(7); // fixed data shared by both runs
const x = floats(3 * 4 * 5, r, 3);
const ties = Float32Array.from({ length: 4 * 9 }, (_, n) => Math.round(Math.sin(n * 1.7) * 2));

describe('primitives on headless-gl match the reference', () => {
  const cases: [string, Program][] = [
    [
      'matmul transposeA, transposeB, batched b, bias',
      (d, r) =>
        d.matmul(d.upload(floats(2 * 4 * 3, r), [2, 4, 3]), d.upload(floats(2 * 5 * 4, r), [2, 5, 4]), {
          transposeA: true,
          transposeB: true,
          bias: d.upload(floats(5, r), [5]),
        }),
    ],
    [
      'mul with broadcast on a middle axis',
      (d, r) => d.mul(d.upload(x, [3, 4, 5]), d.upload(floats(3 * 5, r), [3, 1, 5])),
    ],
    ['add of scalars (rank 0)', (d) => d.add(d.upload(Float32Array.of(2), []), d.upload(Float32Array.of(3), []))],
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
    [
      'gather with an out-of-range id → zero row',
      (d, r) => d.gather(d.upload(floats(6 * 4, r), [6, 4]), d.upload(Int32Array.of(5, 0, 2, 2), [2, 2])),
    ],
    [
      'concat of 9 parts (grouped past the texture-unit limit)',
      (d, r) =>
        d.concat(
          Array.from({ length: 9 }, (_, n) => d.upload(floats(2 * (n + 1), r), [2, n + 1])),
          -1,
        ),
    ],
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
