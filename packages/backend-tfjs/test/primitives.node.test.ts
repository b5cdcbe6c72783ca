import { createDevice } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * What the conformance suite's primitive cases (conformance.node.test.ts, on each tfjs backend) do not
 * cover: ids outside the gather table, bool concat, and copies on upload and read.
 */
describe.each(NODE_TFJS_BACKENDS)('tfjs-%s primitives beyond the conformance cases', (tfjsBackend) => {
  it('concatenates bool tensors', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const flags = device.upload(Uint8Array.from([1, 0, 1, 1, 1, 0]), [2, 3]);
    const out = device.concat([flags, flags], 0);
    expect(out.dtype).toBe('bool');
    expect(out.shape).toEqual([4, 3]);
    expect(Array.from(await device.read(out))).toEqual([1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 0]);
    device.dispose(flags, out);
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
