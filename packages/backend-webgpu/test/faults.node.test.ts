import { createDevice } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend } from '../src/index.js';

/** `promise`, or a rejection naming `what` after `ms`: a fault must end in an error, never in a hang. */
function withinTime<T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} still pending after ${ms} ms (a hang)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('a GPUDevice destroyed mid-run', () => {
  it('fails the read in flight and every later call with DEVICE_LOST; a new backend then works', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const [B, H, S, D] = [1, 4, 128, 32];
    const data = Float32Array.from({ length: B * H * S * D }, (_, i) => Math.sin(i));
    const q = device.upload(data, [B, H, S, D]);
    const { y } = device.attention({ q, k: q, v: q }, { isCausal: true });
    const inFlight = device.read(y);
    backend.device.destroy(); // while the attention and the read are queued

    await expect(withinTime(inFlight, 'the read in flight')).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    // Once the loss is seen, a call throws at once, before queuing anything; reads reject the same way.
    expect(() => device.softmax(q)).toThrowError(expect.objectContaining({ code: 'DEVICE_LOST' }));
    expect(() => device.upload(data, [B, H, S, D])).toThrowError(expect.objectContaining({ code: 'DEVICE_LOST' }));
    await expect(withinTime(device.read(q), 'a read after the loss')).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    // The calls that threw left nothing behind.
    expect(device.memory()).toMatchObject({ liveTensors: 2 });
    device.dispose(q, y);
    backend.dispose();

    const fresh = await createBackend();
    const again = createDevice(fresh);
    const x = again.upload(Float32Array.from([1, 2, 3, 4]), [1, 1, 1, 4]);
    const out = again.attention({ q: x, k: x, v: x });
    expect(Array.from(await again.read(out.y))).toEqual([1, 2, 3, 4]);
    fresh.dispose();
  });

  it('fails a call queued in the same tick as the loss at its read, with DEVICE_LOST', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const x = device.upload(Float32Array.from([1, 2, 3, 4]), [2, 2]);
    backend.device.destroy();
    const z = device.softmax(x); // the loss is not known yet: the work is queued on a lost device
    await expect(withinTime(device.read(z), 'the read of z')).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    backend.dispose();
  });
});

describe('a shader that fails to compile', () => {
  it('fails its own calls with BACKEND_FAILURE and leaves the backend usable for every other call', async () => {
    const backend = await createBackend();
    const device = createDevice(backend);
    const { gpu } = internals(backend);
    // The fault: softmax's WGSL gains a function that names an undeclared identifier.
    gpu.pipelines.transformSource = (key, code) =>
      key.startsWith('softmax') ? `${code}\nfn broken() -> f32 { return notDeclared; }\n` : code;
    const x = device.upload(Float32Array.from([1, 2, 3, 4, 5, 6]), [2, 3]);

    // The first call compiles the shader: the failure is known only asynchronously, at the next read.
    const bad = device.softmax(x);
    const error = await device.read(bad).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'BACKEND_FAILURE' });
    expect((error as Error).message).toMatch(/softmax.*failed to compile.*notDeclared/s);
    device.dispose(bad);
    expect([...gpu.pipelines.failures().keys()].some((key) => key.startsWith('softmax'))).toBe(true);

    // From then on the kernel fails at once, before any work is queued, and leaves nothing behind.
    const before = { memory: device.memory(), pool: backend.memoryStats().bytesInUse };
    expect(() => device.softmax(x)).toThrowError(
      expect.objectContaining({ code: 'BACKEND_FAILURE', message: expect.stringMatching(/failed to compile/) }),
    );
    expect(device.memory()).toEqual(before.memory);
    expect(backend.memoryStats().bytesInUse).toBe(before.pool);

    // Every other kernel still works, reads included.
    const w = device.upload(Float32Array.from([1, 0, 0, 1, 1, 1]), [3, 2]);
    const m = device.matmul(x, w);
    expect(Array.from(await device.read(m))).toEqual([4, 5, 10, 11]);
    const e = device.upload(Float32Array.from([0, 0, 0, 0]), [1, 1, 1, 4]);
    const { y } = device.attention({ q: e, k: e, v: e });
    expect(Array.from(await device.read(y))).toEqual([0, 0, 0, 0]);
    device.dispose(x, w, m, e, y);
    expect(device.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0 });
    backend.dispose();
  });
});
