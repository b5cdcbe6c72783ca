import { type Backend, createDevice, createReferenceBackend, type DeviceTensor } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { closeness, randomFloats, sizeOfShape } from './helpers/random.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/** Every primitive of the contract against the float64 reference, through the validated device API. */
type Run = (d: ReturnType<typeof createDevice>, up: (name: string) => DeviceTensor) => DeviceTensor | DeviceTensor[];

const inputs: Record<string, { shape: number[]; data?: Float32Array | Int32Array | Uint8Array; scale?: number }> = {
  a: { shape: [2, 3, 5] },
  wide: { shape: [4, 16], scale: 5 },
  aT: { shape: [2, 5, 3] },
  w: { shape: [5, 4] },
  wT: { shape: [4, 5] },
  bBatched: { shape: [2, 5, 4] },
  bias: { shape: [4] },
  row: { shape: [5] },
  gamma: { shape: [5] },
  beta: { shape: [5] },
  table: { shape: [6, 3] },
  ids: { shape: [2, 3], data: Int32Array.from([0, 5, 2, 2, 1, 4]) },
  ties: { shape: [2, 6], data: Float32Array.from([1, 3, 3, 0, 3, -1, -2, -2, 5, 5, 1, 5]) },
  masked: {
    shape: [3, 4],
    data: Float32Array.from([-Infinity, -Infinity, -Infinity, -Infinity, 1, -Infinity, 2, 0, 1e4, -1e4, 3, 2]),
  },
  flags: { shape: [2, 3], data: Uint8Array.from([1, 0, 1, 1, 1, 0]) },
};

const cases: [string, Run][] = [
  [
    'matmul shared b (a Linear layer) with bias',
    (d, up) => d.matmul(up('a'), up('w'), { bias: up('bias') as DeviceTensor<'float32'> }),
  ],
  ['matmul transposeA, transposeB', (d, up) => d.matmul(up('aT'), up('wT'), { transposeA: true, transposeB: true })],
  ['matmul batched b', (d, up) => d.matmul(up('a'), up('bBatched'))],
  ['add with broadcasting', (d, up) => d.add(up('a'), up('row'))],
  ['mul with broadcasting', (d, up) => d.mul(up('row'), up('a'))],
  ['relu', (d, up) => d.relu(up('a'))],
  ['gelu (exact, erf)', (d, up) => d.gelu(up('wide'))],
  ['tanh', (d, up) => d.tanh(up('a'))],
  ['scale', (d, up) => d.scale(up('a'), -2.5)],
  ['softmax with a fully masked row and large logits', (d, up) => d.softmax(up('masked'))],
  ['logSoftmax with a fully masked row', (d, up) => d.logSoftmax(up('masked'))],
  ['layerNorm', (d, up) => d.layerNorm(up('a'), up('gamma'), up('beta'), 1e-5)],
  ['gather', (d, up) => d.gather(up('table'), up('ids'))],
  ['concat', (d, up) => d.concat([up('a'), up('a')], 1)],
  ['concat bool', (d, up) => d.concat([up('flags'), up('flags')], 0)],
  ['slice', (d, up) => d.slice(up('a'), -1, 1, 3)],
  ['reshape', (d, up) => d.reshape(up('a'), [3, -1])],
  ['argmax with ties', (d, up) => d.argmax(up('ties'))],
  [
    'topK with ties',
    (d, up) => {
      const { values, indices } = d.topK(up('ties'), 4);
      return [values, indices];
    },
  ],
];

async function runOn(backend: Backend, run: Run): Promise<{ data: ArrayLike<number>; shape: readonly number[] }[]> {
  const device = createDevice(backend);
  const owned: DeviceTensor[] = [];
  const up = (name: string) => {
    const spec = inputs[name];
    const t = device.upload(
      spec.data ?? randomFloats(sizeOfShape(spec.shape), name.length * 7 + name.charCodeAt(0), spec.scale),
      spec.shape,
    );
    owned.push(t);
    return t;
  };
  const result = run(device, up);
  const outs = Array.isArray(result) ? result : [result];
  const host = [];
  for (const t of outs) host.push({ data: Array.from(await device.read(t)), shape: t.shape });
  device.dispose(...owned, ...outs);
  return host;
}

const reference = createReferenceBackend();

describe.each(NODE_TFJS_BACKENDS)('tfjs-%s primitives against the reference', (tfjsBackend) => {
  it.each(cases)('%s', async (_name, run) => {
    const backend = await createBackend({ tfjsBackend });
    const expected = await runOn(reference, run);
    const actual = await runOn(backend, run);
    expect(actual.length).toBe(expected.length);
    actual.forEach((out, i) => {
      expect(out.shape).toEqual(expected[i].shape);
      expect(closeness(out.data, expected[i].data)).toBeLessThanOrEqual(1);
    });
    expect(backend.kernels.memory().liveTensors).toBe(0);
    backend.dispose();
  });

  it('gather gives zero rows for ids outside the table', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const table = device.upload(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const ids = device.upload(Int32Array.from([1, -1, 2, 0]), [4]);
    const out = device.gather(table, ids);
    expect(Array.from(await device.read(out))).toEqual([3, 4, 0, 0, 0, 0, 1, 2]);
    backend.dispose();
  });

  it("uploads copy the caller's array and reads return a copy", async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const data = Float32Array.from([1, 2, 3]);
    const t = device.upload(data, [3]);
    data[0] = 99;
    const first = await device.read(t);
    first[1] = 99;
    expect(Array.from(await device.read(t))).toEqual([1, 2, 3]);
    backend.dispose();
    expect(t.isDisposed).toBe(true);
  });
});
