import { createDevice, type DeviceTensor } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { internals, type WebGpuMemoryInfo } from '../src/backend.js';
import { createBackend, DEFAULT_POOL_FREE_BYTES } from '../src/index.js';

describe('the buffer pool', () => {
  it('keeps at most its cap of free bytes, destroying the buffers released longest ago first', async () => {
    const backend = await createBackend({ poolFreeBytes: 4096 });
    const { pool } = internals(backend).gpu;
    const held = [1024, 1024, 2048, 512].map((bytes) => pool.acquire(bytes));
    for (const buffer of held) pool.release(buffer);
    // 4,608 bytes released: the first 1,024-byte buffer goes, the rest stay.
    expect(pool.stats()).toMatchObject({ bytesFree: 3584, buffersFree: 3, bytesTrimmed: 1024, freeCapBytes: 4096 });
    // Reuse takes the most recently released buffer of the class.
    expect(pool.acquire(1000)).toBe(held[1]);
    // A buffer larger than the cap is destroyed on release rather than emptying the pool for it.
    pool.release(pool.acquire(8192));
    expect(pool.stats()).toMatchObject({ bytesFree: 2560, bytesInUse: 1024, bytesTrimmed: 1024 + 8192 });
    pool.trim();
    expect(pool.stats()).toMatchObject({ bytesFree: 0, buffersFree: 0 });
    backend.dispose();
  });

  it('defaults to 64 MiB on a GPU, 16 MiB on a software adapter, and refuses a cap that is not a number ≥ 0', async () => {
    const backend = await createBackend();
    const adapter = backend.runsOn.device === 'gpu' ? 'gpu' : 'software';
    expect(backend.memoryStats().freeCapBytes).toBe(DEFAULT_POOL_FREE_BYTES[adapter]);
    expect(DEFAULT_POOL_FREE_BYTES).toEqual({ gpu: 64 * 1024 * 1024, software: 16 * 1024 * 1024 });
    backend.dispose();
    await expect(createBackend({ poolFreeBytes: -1 })).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      argument: 'options.poolFreeBytes',
    });
    await expect(createBackend({ poolFreeBytes: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

/**
 * The leak test: a decode-like loop whose KV cache grows by one position per step for 2,000 steps (attention
 * with pastKey/pastValue, the output read back every step as greedy decoding does). Each step releases the
 * previous cache, so the cache walks through every size class up to its last: without the cap the pool kept one
 * dead buffer per class and per cache (1.5 MiB after 2,000 steps of [1,2,t,16]; with 4 KiB per position it is
 * 1 + 2 + … MiB, quadratic). Here the cap is small enough to be exercised at these small sizes.
 */
describe('a 2,000-step decode with a growing cache', () => {
  it('keeps free bytes under the cap and returns to its baseline of live tensors and bytes in use', async () => {
    const cap = 64 * 1024;
    const backend = await createBackend({ poolFreeBytes: cap });
    const device = createDevice(backend);
    const [H, D, steps] = [1, 4, 2000];
    const step = (seed: number) => Float32Array.from({ length: H * D }, (_, i) => Math.sin(seed + i));
    const memory = () => device.memory() as WebGpuMemoryInfo;
    const baseline = memory();
    // The prompt's one position, then one more per step.
    let pastKey: DeviceTensor | undefined = device.upload(step(-1), [1, H, 1, D]);
    let pastValue: DeviceTensor | undefined = device.upload(step(-2), [1, H, 1, D]);
    let maxFree = 0;
    let pipelinesAfterWarmUp = 0;
    for (let s = 0; s < steps; s++) {
      const [q, k, v] = [0, 1, 2].map((j) => device.upload(step(3 * s + j), [1, H, 1, D]));
      const out = device.attention({ q, k, v, pastKey, pastValue });
      const y = await device.read(out.y);
      expect(Number.isFinite(y[0]), `step ${s}`).toBe(true);
      device.dispose(q, k, v, out.y, pastKey, pastValue);
      pastKey = out.presentKey;
      pastValue = out.presentValue;
      maxFree = Math.max(maxFree, memory().freeBytes);
      if (s === 1) pipelinesAfterWarmUp = internals(backend).gpu.pipelines.compiled;
    }
    expect(pastKey?.shape).toEqual([1, H, steps + 1, D]);
    device.dispose(pastKey, pastValue);
    const after = memory();
    const stats = backend.memoryStats();
    console.log(
      `decode ${steps} steps [1,${H},t,${D}]: max free ${maxFree} B (cap ${cap}), trimmed ${stats.bytesTrimmed} B, ` +
        `peak in use ${stats.peakBytes} B, pipelines ${internals(backend).gpu.pipelines.compiled}`,
    );
    expect(maxFree).toBeLessThanOrEqual(cap);
    expect(stats.bytesTrimmed).toBeGreaterThan(0);
    expect(after).toMatchObject({ liveTensors: baseline.liveTensors, liveBytes: baseline.liveBytes });
    expect(after.usedBytes).toBe(baseline.usedBytes);
    expect(after.freeBytes).toBeLessThanOrEqual(cap);
    // Sizes travel in uniforms: the pipelines compiled in the first steps are all the loop ever needs.
    expect(internals(backend).gpu.pipelines.compiled).toBe(pipelinesAfterWarmUp);
    backend.dispose();
  });
});
