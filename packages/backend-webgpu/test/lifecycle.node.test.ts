import { AttnkitError, createDevice } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend, webgpuBackendEntry } from '../src/index.js';

describe('pipeline cache', () => {
  it('compiles once per variant, not per size', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const run = async (Sq: number, T: number, isCausal: boolean) => {
      const q = device.upload(new Float32Array(2 * Sq * 8).fill(0.5), [1, 2, Sq, 8]);
      const k = device.upload(new Float32Array(2 * T * 8).fill(0.25), [1, 2, T, 8]);
      const { y } = device.attention({ q, k, v: k }, { isCausal });
      await device.read(y);
      device.dispose(q, k, y);
    };
    await run(3, 5, false);
    const afterFirst = internals(backend).gpu.pipelines.size;
    await run(17, 40, false);
    await run(1, 2, false);
    expect(internals(backend).gpu.pipelines.size).toBe(afterFirst);
    await run(3, 5, true);
    expect(internals(backend).gpu.pipelines.size).toBe(afterFirst + 1);
    expect(
      internals(backend)
        .gpu.pipelines.keys()
        .some((key) => key.startsWith('attention-stream:')),
    ).toBe(true);
    backend.dispose();
  });
});

describe('pipeline cache bound', () => {
  it('keeps at most pipelineCacheSize pipelines, least recently used dropped first, and still computes', async () => {
    const backend = await createBackend({ pipelineCacheSize: 3 });
    const device = createDevice(backend);
    const x = device.upload(
      Float32Array.from({ length: 12 }, (_, i) => (i - 6) / 3),
      [3, 4],
    );
    // Five kernels (three element-wise ops, softmax, log-softmax): five pipelines through a cache of three.
    const ops = [(t: typeof x) => device.relu(t), (t: typeof x) => device.gelu(t), (t: typeof x) => device.tanh(t)];
    const firstOut = ops[0](x);
    const first = await device.read(firstOut);
    device.dispose(firstOut);
    for (const op of ops) device.dispose(op(x));
    device.dispose(device.softmax(x), device.logSoftmax(x));
    const stats = backend.kernelStats();
    expect(stats.capacity).toBe(3);
    expect(stats.live).toBe(3);
    expect(stats.evicted).toBe(stats.compiled - 3);
    // The first op was dropped: it compiles again, and gives the same values.
    const again = ops[0](x);
    expect(Array.from(await device.read(again))).toEqual(Array.from(first));
    expect(backend.kernelStats().compiled).toBe(stats.compiled + 1);
    expect(backend.kernelStats().live).toBe(3);
    device.dispose(x, again);
    backend.dispose();
  });

  it('rejects a pipeline cache size below 1', async () => {
    await expect(createBackend({ pipelineCacheSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('ownership and release', () => {
  it('returns every buffer to the pool and releases everything on dispose()', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const x = device.upload(
      Float32Array.from({ length: 24 }, (_, i) => i / 7),
      [2, 3, 4],
    );
    const w = device.upload(new Float32Array(16).fill(0.1), [4, 4]);
    const made = [
      device.matmul(x, w),
      device.softmax(x),
      device.gelu(x),
      device.slice(x, 1, 1, 2),
      device.reshape(x, [6, 4]),
    ];
    const top = device.topK(x, 2);
    await device.read(top.values);
    device.dispose(...made, top.values, top.indices);
    // usedBytes: the pool's size classes (96 → 128 bytes, 64 bytes); freeBytes: what the released tensors left.
    expect(device.memory()).toMatchObject({ liveTensors: 2, liveBytes: (24 + 16) * 4, usedBytes: 128 + 64 });
    device.dispose(x, w);
    expect(device.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
    expect(device.memory()).toHaveProperty('freeBytes', backend.memoryStats().bytesFree);
    expect(backend.memoryStats().bytesInUse).toBe(0);
    expect(backend.memoryStats().bytesFree).toBeGreaterThan(0);

    const kept = device.upload(new Float32Array(4), [4]);
    backend.dispose();
    expect(kept.isDisposed).toBe(true);
    expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, bytesFree: 0 });
    expect(internals(backend).gpu.pipelines.size).toBe(0);
    expect(() => device.upload(new Float32Array(4), [4])).toThrowError(expect.objectContaining({ code: 'DISPOSED' }));
    backend.dispose();
  });
});

describe('errors', () => {
  it('turns a lost device into DEVICE_LOST, and a new backend works afterwards', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const x = device.upload(new Float32Array(8).fill(1), [2, 4]);
    backend.device.destroy();
    await backend.device.lost;
    expect(() => device.softmax(x)).toThrowError(expect.objectContaining({ code: 'DEVICE_LOST' }));
    await expect(device.read(x)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    backend.dispose();

    const fresh = await createBackend();
    const again = createDevice(fresh);
    const y = again.softmax(again.upload(new Float32Array(4).fill(1), [4]));
    expect(Array.from(await again.read(y))).toEqual([0.25, 0.25, 0.25, 0.25]);
    fresh.dispose();
  });

  it('rejects a buffer beyond the device limit with DEVICE_LIMIT before queuing work', async () => {
    const backend = await createBackend();
    const limit = backend.capabilities.maxTensorElements;
    let error: unknown;
    try {
      backend.kernels.upload(new Float32Array(0), [limit + 1], 'float32');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).code).toBe('DEVICE_LIMIT');
    backend.dispose();
  });

  it('reports the adapter and probes as available through the registry entry', async () => {
    const availability = await webgpuBackendEntry.probe();
    expect(availability.available).toBe(true);
    const backend = await createBackend();
    expect(backend.runsOn.api).toBe('webgpu');
    expect(backend.runsOn.details).toHaveProperty('isFallbackAdapter');
    expect(backend.runsOn.details.features).toBeInstanceOf(Array);
    expect(backend.capabilities.precisions.includes('float16')).toBe(
      (backend.runsOn.details.features as string[]).includes('shader-f16'),
    );
    backend.dispose();
  });
});
