import { readFileSync } from 'node:fs';
import { Comparison, generateCall, toleranceFor } from '@attnkit/conformance';
import { attention, createDevice, createReferenceBackend, isAttnkitError } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend, type WasmBackend } from '../src/index.js';
import { validates } from '../src/runtime/module.js';

/** What the backend reports, how it refuses, how it fails and how it ends. */
const threadsOfProcess = () => Number(/Threads:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
const call = generateCall({ B: 1, Hq: 4, Hkv: 2, Sq: 40, Skv: 90, D: 16, options: { isCausal: true } }, 7);

/** Where the backend's y leaves the reference's under the suite's float32 tolerance (none: still computes right). */
async function mismatches(backend: WasmBackend): Promise<string[]> {
  const ours = await attention(backend, call.inputs, call.options);
  const reference = await attention(createReferenceBackend(), call.inputs, call.options);
  const cmp = new Comparison(toleranceFor('float32'));
  cmp.close('y', ours.y.data, reference.y.data);
  return cmp.failures;
}

describe('runsOn', () => {
  it('says which SIMD build and how many threads run', async () => {
    for (const [threads, simd] of [
      [1, 'simd128'],
      [2, 'relaxed'],
    ] as const) {
      const backend = await createBackend({ threads, simd });
      expect(backend.runsOn).toMatchObject({
        api: 'wasm',
        device: 'cpu',
        details: { simd, threads, sharedMemory: true },
      });
      expect(backend.runsOn.description).toContain(`${threads} thread`);
      expect(backend.runsOn.description).toContain(simd === 'relaxed' ? 'relaxed SIMD' : 'SIMD128');
      backend.dispose();
    }
  });

  it('picks relaxed SIMD by default where the engine validates it', async () => {
    const backend = await createBackend({ threads: 1 });
    expect(backend.runsOn.details.simd).toBe((await validates('relaxed', 'shared')) ? 'relaxed' : 'simd128');
    backend.dispose();
  });

  it('refuses bad options with INVALID_ARGUMENT naming the option', async () => {
    for (const [options, argument] of [
      [{ threads: 0 }, 'options.threads'],
      [{ threads: 1.5 }, 'options.threads'],
      [{ simd: 'avx' }, 'options.simd'],
      [{ maxMemoryBytes: 100 }, 'options.maxMemoryBytes'],
    ] as const) {
      await expect(createBackend(options as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', argument });
    }
  });
});

describe('threads', () => {
  it('dispose() ends every worker', async () => {
    // Workers of earlier tests may still be exiting, so count from the moment these six exist.
    const backends = await Promise.all([3, 3, 3].map((threads) => createBackend({ threads })));
    const during = threadsOfProcess();
    for (const b of backends) b.dispose();
    const deadline = Date.now() + 10_000;
    while (threadsOfProcess() > during - 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(threadsOfProcess()).toBeLessThanOrEqual(during - 6);
  });

  it('gives the same output on 1, 2 and 3 threads', async () => {
    const outputs: Float32Array[] = [];
    for (const threads of [1, 2, 3]) {
      const backend = await createBackend({ threads, simd: 'simd128' });
      outputs.push((await attention(backend, call.inputs, call.options)).y.data);
      backend.dispose();
    }
    // each row is computed by one thread in the same order, so the results are identical, not just close
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});

describe('failures', () => {
  it('a trap on every thread becomes BACKEND_FAILURE, and the backend still computes correctly', async () => {
    const backend = await createBackend({ threads: 2 });
    const pool = (
      backend as unknown as { parts: { pool: { run(kernel: number, args: number, threads: number): void } } }
    ).parts.pool;
    for (let n = 0; n < 3; n++) {
      let caught: unknown;
      try {
        pool.run(99, 0, 2); // no such kernel: the module executes `unreachable` on both threads
      } catch (error) {
        caught = error;
      }
      expect(isAttnkitError(caught, 'BACKEND_FAILURE')).toBe(true);
    }
    expect(await mismatches(backend)).toEqual([]);
    backend.dispose();
  });

  it('a call past the memory limit throws DEVICE_LIMIT before any work, and leaves nothing behind', async () => {
    const backend = await createBackend({ threads: 2, maxMemoryBytes: 4 * 1024 * 1024 });
    const device = createDevice(backend);
    const x = device.upload(new Float32Array(256 * 1024), [512, 512]);
    const before = backend.kernels.memory();
    let caught: unknown;
    try {
      device.matmul(x, x); // a 1 MiB output fits; the 3 MiB left cannot hold two of them
      device.matmul(x, x);
      device.matmul(x, x);
      device.matmul(x, x);
    } catch (error) {
      caught = error;
    }
    expect(isAttnkitError(caught, 'DEVICE_LIMIT')).toBe(true);
    expect((caught as Error).message).toMatch(/bytes/);
    expect(backend.kernels.memory().liveTensors).toBeGreaterThan(before.liveTensors);
    backend.dispose();
  });

  it('uploads past the limit are refused with DEVICE_LIMIT', async () => {
    const backend = await createBackend({ threads: 1, maxMemoryBytes: 2 * 1024 * 1024 });
    const device = createDevice(backend);
    expect(() => device.upload(new Float32Array(1024 * 1024), [1024, 1024])).toThrow(
      expect.objectContaining({ code: 'DEVICE_LIMIT' }),
    );
    expect(backend.kernels.memory().liveTensors).toBe(0);
    expect(await mismatches(backend)).toEqual([]);
    backend.dispose();
  });

  it('calls after dispose() throw DISPOSED', async () => {
    const backend = await createBackend({ threads: 2 });
    backend.dispose();
    await expect(attention(backend, call.inputs, call.options)).rejects.toMatchObject({ code: 'DISPOSED' });
  });
});
