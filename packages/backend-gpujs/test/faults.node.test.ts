import { Comparison, mulberry32, toleranceFor, uniform } from '@attnkit/conformance';
import { type AttentionOptions, createDevice, createReferenceBackend, type Device } from '@attnkit/core';
import { GPU } from 'gpu.js';
import { describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend, type GpujsBackend } from '../src/index.js';

/**
 * Faults on headless-gl: a lost WebGL context, and kernels that do not compile. Each must give a typed error
 * at once (never a hang, never a silently wrong result) and leave either a backend that still works (a
 * failed kernel) or a clean way to a new one (a lost context). browser.test.ts loses a real WebGL2 context
 * in Chromium.
 */
const OPTIONS: AttentionOptions = { isCausal: true };
const SHAPE = [1, 2, 5, 8];

function inputs(device: Device, seed = 1) {
  const r = mulberry32(seed);
  const n = SHAPE.reduce((a, b) => a * b, 1);
  const data = { q: uniform(r, n), k: uniform(r, n), v: uniform(r, n) };
  const tensors = {
    q: device.upload(data.q, SHAPE),
    k: device.upload(data.k, SHAPE),
    v: device.upload(data.v, SHAPE),
  };
  return { data, tensors };
}

/** Attention on `backend` matches the reference. */
async function expectAttentionWorks(backend: GpujsBackend, seed = 1) {
  const d = createDevice(backend);
  const ref = createDevice(createReferenceBackend());
  const { data, tensors } = inputs(d, seed);
  const out = d.attention(tensors, OPTIONS);
  const expected = ref.attention(
    { q: ref.upload(data.q, SHAPE), k: ref.upload(data.k, SHAPE), v: ref.upload(data.v, SHAPE) },
    OPTIONS,
  );
  const cmp = new Comparison(toleranceFor('float32'));
  cmp.close('y', await d.read(out.y), await ref.read(expected.y));
  expect(cmp.failures).toEqual([]);
  d.dispose(out.y, tensors.q, tensors.k, tensors.v);
}

/**
 * What a browser's `WEBGL_lose_context` does, given to a headless-gl context (which has no such extension):
 * after `loseContext()`, `isContextLost()` is true and every other GL call does nothing and returns null.
 */
function installLoseContext(gl: Record<string, unknown>): { loseContext(): void } {
  let lost = false;
  const extension = { loseContext: () => void (lost = true), restoreContext: () => {} };
  const names = new Set<string>();
  for (let o: object | null = gl; o && o !== Object.prototype; o = Object.getPrototypeOf(o))
    for (const name of Object.getOwnPropertyNames(o)) if (name !== 'constructor') names.add(name);
  for (const name of names) {
    const original = gl[name];
    if (typeof original !== 'function') continue;
    gl[name] = (...args: unknown[]) => {
      if (name === 'isContextLost') return lost;
      if (name === 'getExtension' && String(args[0]).toLowerCase() === 'webgl_lose_context') return extension;
      return lost ? null : (original as (...a: unknown[]) => unknown).apply(gl, args);
    };
  }
  return extension;
}

/** A backend on a GPU instance of the test's own, whose context the test can lose. */
async function losableBackend() {
  const gpu = new GPU({ mode: 'headlessgl' });
  const backend = await createBackend({ gpu });
  const context = (gpu as unknown as { context: Record<string, unknown> }).context;
  const extension = installLoseContext(context);
  return { gpu, backend, context, extension };
}

describe('a lost WebGL context', () => {
  it('gives DEVICE_LOST on the next call, at once, and on reads; dispose works; a new backend then works', async () => {
    const { gpu, backend, extension } = await losableBackend();
    const d = createDevice(backend);
    const { tensors } = inputs(d);
    const held = d.attention(tensors, OPTIONS).y;
    await d.read(held);

    extension.loseContext();
    const start = performance.now();
    expect(() => d.attention(tensors, OPTIONS)).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    expect(performance.now() - start).toBeLessThan(1000);
    expect(backend.isLost).toBe(true);
    expect(() => d.upload(new Float32Array(3), [3])).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    expect(() => d.softmax(held)).toThrow(expect.objectContaining({ code: 'DEVICE_LOST' }));
    await expect(d.read(held)).rejects.toMatchObject({ code: 'DEVICE_LOST' });
    // Accounting still answers, and dispose releases everything without touching the lost context.
    expect(d.memory().liveTensors).toBe(4);
    backend.dispose();
    expect(backend.isDisposed).toBe(true);
    await gpu.destroy();

    const fresh = await createBackend();
    try {
      await expectAttentionWorks(fresh);
    } finally {
      fresh.dispose();
    }
  });

  it('lost in the middle of a call: the call or the read says DEVICE_LOST, never a result', async () => {
    const { gpu, backend, context, extension } = await losableBackend();
    const d = createDevice(backend);
    const { tensors } = inputs(d, 2);
    // Lose the context at the fourth draw of the next call (attention draws one per pass).
    let draws = 0;
    const draw = context.drawArrays as (...a: unknown[]) => unknown;
    context.drawArrays = (...args: unknown[]) => {
      if (++draws === 4) extension.loseContext();
      return draw(...args);
    };
    let error: unknown = null;
    try {
      const out = d.attention(tensors, { ...OPTIONS, scoresOutput: 'probabilities' });
      await d.read(out.y);
    } catch (e) {
      error = e;
    }
    expect(draws).toBeGreaterThanOrEqual(4);
    expect(error).toMatchObject({ code: 'DEVICE_LOST' });
    backend.dispose();
    await gpu.destroy();
  });
});

describe('a kernel that fails to compile', () => {
  // GLSL (ANGLE's validator in headless-gl, as in browsers) refuses identifiers this long; gpu.js does not.
  const long = `v${'x'.repeat(2000)}`;
  const uncompilable = `function(a) { const ${long} = a * 2.0; return ${long}; }`;

  it('throws BACKEND_FAILURE, keeps nothing of the kernel, and the backend serves other calls', async () => {
    const backend = await createBackend();
    try {
      await expectAttentionWorks(backend);
      const before = { ...backend.kernelStats(), textures: backend.liveTextures() };
      for (let n = 0; n < 3; n++) {
        expect(() => internals(backend).launch(uncompilable, 4, [1.5])).toThrow(
          expect.objectContaining({ code: 'BACKEND_FAILURE', message: expect.stringMatching(/compiling/) }),
        );
      }
      const after = backend.kernelStats();
      expect(after.failed).toBe(before.failed + 3);
      expect(after.live).toBe(before.live);
      expect(after.compiled).toBe(before.compiled);
      expect(backend.liveTextures()).toBe(before.textures);
      // A source gpu.js cannot even parse fails the same way.
      expect(() => internals(backend).launch('function(a) { return a +; }', 4, [1])).toThrow(
        expect.objectContaining({ code: 'BACKEND_FAILURE' }),
      );
      await expectAttentionWorks(backend, 3);
      expect(backend.kernels.memory().liveTensors).toBe(0);
    } finally {
      backend.dispose();
    }
  });

  it('one pass of attention failing to compile frees everything the call had made', async () => {
    const backend = await createBackend();
    try {
      const d = createDevice(backend);
      const { tensors } = inputs(d, 4);
      const before = {
        tensors: d.memory().liveTensors,
        textures: backend.liveTextures()!,
        live: backend.kernelStats().live,
      };
      // The output pass (the fifth of the packed path) cannot compile: the passes before it ran.
      internals(backend).beforeBuild((source) =>
        source.includes('fetch4(probs')
          ? source.replace('{', `{ const ${long} = 0.0; if (${long} > 1.0) { return [0.0, 0.0, 0.0, 0.0]; }`)
          : source,
      );
      expect(() => d.attention(tensors, OPTIONS)).toThrow(expect.objectContaining({ code: 'BACKEND_FAILURE' }));
      expect(d.memory().liveTensors).toBe(before.tensors);
      // What is left is one texture per kernel that did build (its own last output), nothing of the call.
      const built = backend.kernelStats().live - before.live;
      expect(built).toBeGreaterThanOrEqual(4);
      expect(backend.liveTextures()).toBe(before.textures + built);
      internals(backend).beforeBuild(null);
      d.dispose(tensors.q, tensors.k, tensors.v);
      await expectAttentionWorks(backend, 4);
    } finally {
      backend.dispose();
    }
  });
});
