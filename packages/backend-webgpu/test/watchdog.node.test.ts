import { AttnkitError, createDevice } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend, DEFAULT_WATCHDOG_MS } from '../src/index.js';

const random = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37));

describe('watchdog', () => {
  it('fails a call that outlasts watchdogMs with DEVICE_LOST naming the limit; the backend reports itself lost', async () => {
    // A call of about a second on SwiftShader (pipeline compile included) against a 50 ms limit: a hang, as far as
    // the watchdog can tell.
    const backend = await createBackend({ watchdogMs: 50 });
    const device = createDevice(backend);
    const q = device.upload(random(8 * 1024 * 64), [1, 8, 1024, 64]);
    const { y } = device.attention({ q, k: q, v: q });
    const started = performance.now();
    const error = await device.read(y).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).code).toBe('DEVICE_LOST');
    expect((error as AttnkitError).message).toMatch(/watchdog: a read waited more than 50 ms for the GPU/);
    expect(backend.isLost).toBe(true);
    expect(backend.lossReason).toMatch(/^watchdog/);
    // Every later call fails before queuing anything.
    expect(() => device.attention({ q, k: q, v: q })).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    expect(() => device.upload(random(4), [4])).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    expect(() => backend.dispose()).not.toThrow();
  });

  it('holds tuning to the same limit: a tuning run that outlasts it leaves the backend lost', async () => {
    // The tuner times on a scratch Gpu of its own; its waits must count against the backend's watchdogMs and its
    // loss must be the backend's, or a hang while tuning would wait 120 s and leave the backend claiming health.
    const backend = await createBackend({ watchdogMs: 50, autotune: false });
    const started = performance.now();
    const error = await backend.tune([{ B: 1, Hq: 8, Sq: 1024, T: 1024, D: 64 }]).catch((e: unknown) => e);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).code).toBe('DEVICE_LOST');
    expect(backend.isLost).toBe(true);
    expect(backend.lossReason).toMatch(/^watchdog: a tuning (run|idle) waited more than 50 ms/);
    const device = createDevice(backend);
    expect(() => device.upload(random(4), [4])).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    backend.dispose();
  });

  it('leaves calls within the limit alone, and a new backend works after one was lost', async () => {
    const backend = await createBackend({ watchdogMs: 60_000 });
    const device = createDevice(backend);
    const x = device.upload(random(2 * 16 * 8), [1, 2, 16, 8]);
    const { y } = device.attention({ q: x, k: x, v: x }, { isCausal: true });
    expect((await device.read(y)).length).toBe(2 * 16 * 8);
    expect(backend.isLost).toBe(false);
    expect(backend.lossReason).toBeNull();
    device.dispose(x, y);
    backend.dispose();
  });

  it('has a generous default and refuses a limit that is not a positive number', async () => {
    expect(DEFAULT_WATCHDOG_MS).toBeGreaterThanOrEqual(60_000);
    for (const watchdogMs of [0, -1, Number.NaN, '100' as unknown as number]) {
      await expect(createBackend({ watchdogMs })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        argument: 'options.watchdogMs',
      });
    }
    const never = await createBackend({ watchdogMs: Number.POSITIVE_INFINITY });
    never.dispose();
  });
});
