import { Comparison, mulberry32, toleranceFor, uniform } from '@attnkit/conformance';
import {
  AttnkitError,
  attention,
  type Backend,
  BackendRegistry,
  createDevice,
  createReferenceBackend,
} from '@attnkit/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createBackend, tfjsBackendEntry } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/** What is specific to the tfjs backend: creation, reporting, the global tfjs state, device-side values. */
describe('createBackend', () => {
  it('rejects an unregistered tfjs backend with UNAVAILABLE and the reason', async () => {
    const error = await createBackend({ tfjsBackend: 'webgpu' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AttnkitError);
    expect((error as AttnkitError).code).toBe('UNAVAILABLE');
    expect((error as AttnkitError).message).toMatch(/'webgpu' is not registered/);
  });

  it('rejects a name that is not a string', async () => {
    const error = await createBackend({ tfjsBackend: '' }).catch((e: unknown) => e);
    expect((error as AttnkitError).code).toBe('INVALID_ARGUMENT');
  });

  it('rejects a block size that is not a positive integer', async () => {
    const error = await createBackend({ tfjsBackend: 'cpu', blockElements: 0.5 }).catch((e: unknown) => e);
    expect((error as AttnkitError).code).toBe('INVALID_ARGUMENT');
    expect((error as AttnkitError).argument).toBe('blockElements');
  });

  it('rejects with UNAVAILABLE when the tfjs backend fails to initialize', async () => {
    tf.registerBackend('broken-for-test', () => {
      throw new Error('no device here');
    });
    try {
      const error = await createBackend({ tfjsBackend: 'broken-for-test' }).catch((e: unknown) => e);
      expect((error as AttnkitError).code).toBe('UNAVAILABLE');
      expect((error as AttnkitError).message).toMatch(/broken-for-test/);
    } finally {
      tf.removeBackend('broken-for-test');
    }
  });

  it('uses the active tfjs backend when none is named', async () => {
    await tf.setBackend('cpu');
    const backend = await createBackend();
    expect(backend.name).toBe('tfjs-cpu');
    backend.dispose();
  });

  it.each(NODE_TFJS_BACKENDS)('reports what it runs on (%s)', async (tfjsBackend) => {
    const backend = await createBackend({ tfjsBackend });
    expect(backend.runsOn.api).toBe('tfjs');
    expect(backend.runsOn.device).toBe('cpu');
    expect(backend.runsOn.details.tfjsBackend).toBe(tfjsBackend);
    expect(backend.capabilities.precisions).toEqual(['float32']);
    backend.dispose();
  });

  it.each(NODE_TFJS_BACKENDS)("leaves tfjs's active backend as it found it (%s)", async (tfjsBackend) => {
    const other = tfjsBackend === 'cpu' ? 'wasm' : 'cpu';
    await tf.setBackend(other);
    const backend = await createBackend({ tfjsBackend });
    expect(tf.getBackend()).toBe(other);
    backend.dispose();
  });

  it('refuses float16 explicitly (declared unsupported)', async () => {
    const backend = await createBackend({ tfjsBackend: 'cpu' });
    const x = { data: new Float32Array(4), shape: [1, 1, 1, 4] };
    const error = await attention(backend, { q: x, k: x, v: x }, { precision: 'float16' }).catch((e: unknown) => e);
    expect((error as AttnkitError).code).toBe('UNSUPPORTED');
    backend.dispose();
  });
});

describe('registry entry', () => {
  it('registers nothing on import and probes with a reason', async () => {
    const registry = new BackendRegistry([tfjsBackendEntry('cpu'), tfjsBackendEntry('webgpu')]);
    const probed = await registry.probeAll();
    const byName = Object.fromEntries(probed.map((p) => [p.entry.name, p.availability]));
    expect(byName['tfjs-cpu'].available).toBe(true);
    expect(byName['tfjs-webgpu']).toMatchObject({ available: false, reason: expect.stringMatching(/not registered/) });
    const best = await registry.createBest();
    expect(best.name).toBe('tfjs-cpu');
    best.dispose();
  });
  it('probing leaves tfjs on the backend the application had', async () => {
    await tf.setBackend('cpu');
    expect(await tfjsBackendEntry('wasm').probe()).toMatchObject({ available: true });
    expect(tf.getBackend()).toBe('cpu');
  });
});

describe("tfjs's active backend belongs to the application", () => {
  it('two attnkit backends on different tfjs backends each run on their own, and switch nothing for good', async () => {
    await tf.setBackend('cpu');
    const cpu = await createBackend({ tfjsBackend: 'cpu' });
    const wasm = await createBackend({ tfjsBackend: 'wasm' });
    expect(tf.getBackend()).toBe('cpu');
    const dc = createDevice(cpu);
    const dw = createDevice(wasm);
    const data = uniform(mulberry32(3), 8);
    const a = dc.upload(data, [2, 4]);
    const b = dw.upload(data, [2, 4]);
    expect(tf.getBackend()).toBe('cpu');
    const yb = dw.softmax(b);
    expect(tf.getBackend()).toBe('cpu');
    await tf.setBackend('wasm');
    const ya = dc.softmax(a);
    const { y } = dc.attention({
      q: dc.reshape(a, [1, 1, 2, 4]),
      k: dc.reshape(a, [1, 1, 2, 4]),
      v: dc.reshape(a, [1, 1, 2, 4]),
    });
    expect(tf.getBackend()).toBe('wasm');
    const cmp = new Comparison(toleranceFor('float32'));
    cmp.close('softmax', await dc.read(ya), await dw.read(yb));
    expect(cmp.failures).toEqual([]);
    expect(y.shape).toEqual([1, 1, 2, 4]);
    cpu.dispose();
    wasm.dispose();
    await tf.setBackend('cpu');
  });

  it('a call that fails still switches back', async () => {
    await tf.setBackend('cpu');
    const wasm = await createBackend({ tfjsBackend: 'wasm' });
    const dw = createDevice(wasm);
    const x = dw.upload(new Float32Array(4), [2, 2]);
    // Past core's validation, straight to the kernel: tf.reshape throws on wasm, inside the switched call.
    expect(() => wasm.kernels.reshape(x as never, [3])).toThrow();
    expect(tf.getBackend()).toBe('cpu');
    dw.dispose(x);
    wasm.dispose();
  });

  it.each(NODE_TFJS_BACKENDS)('switching and restoring costs little on a small call (%s)', async (tfjsBackend) => {
    const other = tfjsBackend === 'cpu' ? 'wasm' : 'cpu';
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const x = device.upload(uniform(mulberry32(5), 8), [2, 4]);
    const time = (calls: number) => {
      const started = performance.now();
      for (let n = 0; n < calls; n++) device.dispose(device.softmax(x));
      return (performance.now() - started) / calls;
    };
    const median = (f: () => number) => {
      const runs = Array.from({ length: 5 }, f).sort((p, q) => p - q);
      return runs[2];
    };
    await tf.setBackend(tfjsBackend);
    time(50); // warm-up
    const own = median(() => time(200));
    await tf.setBackend(other);
    time(50);
    const switched = median(() => time(200));
    expect(tf.getBackend()).toBe(other);
    console.info(
      `[tfjs-${tfjsBackend}] softmax [2,4]: ${(own * 1000).toFixed(1)} µs with its backend active, ${(switched * 1000).toFixed(1)} µs with ${other} active (switch and restore)`,
    );
    // Two tf.setBackend calls on initialized backends; switching to wasm reruns the setup of its 137 kernels,
    // 0.2–0.9 ms a pair on this shared 2-core machine. A call that finds its own backend active pays nothing.
    expect(switched - own).toBeLessThan(3);
    device.dispose(x);
    backend.dispose();
    await tf.setBackend('cpu');
  });
});

describe.each(NODE_TFJS_BACKENDS)('device-side values on tfjs-%s', (tfjsBackend) => {
  it('clamps kvValidLengths outside [0, T] on the device', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const reference = createReferenceBackend();
    const shape = [2, 1, 3, 2];
    const q = uniform(mulberry32(1), 12);
    const k = uniform(mulberry32(2), 12);
    const v = uniform(mulberry32(3), 12);
    const run = async (lengths: number[], on: Backend) => {
      const d = createDevice(on);
      const inputs = {
        q: d.upload(q, shape),
        k: d.upload(k, shape),
        v: d.upload(v, shape),
        kvValidLengths: d.upload(Int32Array.from(lengths), [2]),
      };
      const { y } = d.attention(inputs, { isCausal: true });
      const out = await d.read(y);
      d.dispose(y, ...Object.values(inputs));
      return out;
    };
    // The device API does not read lengths back to check them: −4 acts as 0 and 9 as T = 3.
    const cmp = new Comparison(toleranceFor('float32'));
    cmp.close('y', await run([9, -4], backend), await run([3, 0], reference));
    expect(cmp.failures).toEqual([]);
    expect(device.memory().liveTensors).toBe(0);
    backend.dispose();
  });

  it('rejects tensors of another backend and use after dispose (from core)', async () => {
    const backend = await createBackend({ tfjsBackend });
    const device = createDevice(backend);
    const foreign = createDevice(createReferenceBackend()).upload(new Float32Array(4), [2, 2]);
    expect(() => device.softmax(foreign)).toThrow(/another backend/);
    const x = device.upload(new Float32Array(4), [2, 2]);
    backend.dispose();
    expect(x.isDisposed).toBe(true);
    expect(() => device.softmax(x)).toThrow(AttnkitError);
  });
});
