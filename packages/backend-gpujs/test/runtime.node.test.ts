import { Comparison, mulberry32, toleranceFor, uniform } from '@attnkit/conformance';
import { AttnkitError, attention, createDevice, createReferenceBackend } from '@attnkit/core';
import { CPUKernel, GPU, HeadlessGLKernel } from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type GpujsBackend, gpujsBackendEntry, KERNEL_PROGRAM_BYTES } from '../src/index.js';

/** What the backend runs on, its kernel cache and its leaks, in Node on headless-gl. */
let backend: GpujsBackend;
beforeAll(async () => {
  backend = await createBackend();
});
afterAll(() => backend?.dispose());

describe('runs on headless-gl, never on a silent fallback', () => {
  it('gpu.js built HeadlessGLKernel (not WebAssembly or CPU): if this fails, headless-gl did not load', () => {
    expect(backend.runsOn.details.kernelClass).toBe('HeadlessGLKernel');
    expect(backend.runsOn.api).toBe('webgl');
    expect(backend.name).toBe('gpujs-webgl');
  });

  it('reports the real GL strings and driver', () => {
    expect(typeof backend.runsOn.details.renderer).toBe('string');
    expect(backend.runsOn.details.version).toMatch(/WebGL/);
    expect(backend.runsOn.description).toContain('HeadlessGLKernel');
    // Under Xvfb, Mesa's software rasterizer is the only driver there is: swrast_dri.so on Mesa 22, the
    // gallium megadriver (libgallium-<version>.so) on Mesa 25 from bookworm-backports (scripts/setup.sh).
    const drivers = backend.runsOn.details.glDrivers as string[];
    expect(drivers.some((name) => name === 'swrast_dri.so' || /^libgallium.*\.so$/.test(name))).toBe(true);
    expect(backend.runsOn.device).toBe('software-gpu');
  });

  it('the registry entry probes available, and registers nothing on import', async () => {
    const probe = await gpujsBackendEntry.probe();
    expect(probe).toMatchObject({ available: true });
  });

  it("builds on a caller's GPU instance, destroying only its own kernels", async () => {
    const gpu = new GPU({ mode: 'headlessgl' });
    const own = await createBackend({ gpu });
    expect(own.runsOn.details.kernelClass).toBe('HeadlessGLKernel');
    const d = createDevice(own);
    const x = d.upload(Float32Array.of(1, 2), [2]);
    expect(Array.from(await d.read(d.scale(x, 3)))).toEqual([3, 6]);
    own.dispose();
    const other = gpu.createKernel('function(a) { return a[this.thread.x] + 1.0; }', { output: [2] });
    expect(Array.from(other(Float32Array.of(1, 2)) as Float32Array)).toEqual([2, 3]);
    await gpu.destroy();
  });

  it('knows the kernel class by identity, so a minified build (renamed classes) still starts', async () => {
    // What a minifier does: the classes keep their identity but lose their names.
    const renamed = new Map([
      [HeadlessGLKernel, 'e'],
      [CPUKernel, 't'],
    ]);
    const originals = [...renamed.keys()].map((c) => [c, Object.getOwnPropertyDescriptor(c, 'name')] as const);
    for (const [c, name] of renamed) Object.defineProperty(c, 'name', { value: name, configurable: true });
    try {
      const minified = await createBackend();
      expect(minified.runsOn.details.kernelClass).toBe('HeadlessGLKernel');
      minified.dispose();
      const gpu = new GPU({ mode: 'headlessgl' });
      const own = await createBackend({ gpu });
      expect(own.runsOn.details.mode).toBe('headlessgl');
      own.dispose();
      await gpu.destroy();
    } finally {
      for (const [c, descriptor] of originals) if (descriptor) Object.defineProperty(c, 'name', descriptor);
    }
  });

  it("names gpu.js's silent fallback: a GPU instance in cpu mode cannot serve as headless-gl", async () => {
    const gpu = new GPU({ mode: 'cpu' });
    try {
      await expect(createBackend({ gpu, mode: 'headlessgl' })).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        message: expect.stringContaining('gpu.js built a CPUKernel instead of a HeadlessGLKernel'),
      });
    } finally {
      await gpu.destroy();
    }
  });

  it('rejects an unknown mode with a typed error', async () => {
    await expect(createBackend({ mode: 'vulkan' as never })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("gpu.js's cpu mode only when named, and reported as such", async () => {
    const cpu = await createBackend({ mode: 'cpu' });
    try {
      expect(cpu.runsOn).toMatchObject({ api: 'javascript', device: 'cpu', details: { kernelClass: 'CPUKernel' } });
      expect(cpu.name).toBe('gpujs-cpu');
      const q = { data: uniform(mulberry32(3), 2 * 3 * 4), shape: [1, 2, 3, 4] };
      const out = await attention(cpu, { q, k: q, v: q }, { isCausal: true });
      expect(out.y.data.every(Number.isFinite)).toBe(true);
    } finally {
      cpu.dispose();
    }
  });
});

describe('kernel cache', () => {
  it('builds a kernel once per shape signature and reuses it', async () => {
    const d = createDevice(backend);
    const run = async (L: number) => {
      const q = d.upload(uniform(mulberry32(L), 2 * L * 8), [1, 2, L, 8]);
      const { y } = d.attention({ q, k: q, v: q }, { isCausal: true });
      await d.read(y);
      d.dispose(q, y);
    };
    await run(5);
    const afterFirst = backend.kernelStats();
    await run(5);
    await run(5);
    const afterRepeat = backend.kernelStats();
    expect(afterRepeat.compiled).toBe(afterFirst.compiled);
    expect(afterRepeat.reused).toBeGreaterThan(afterFirst.reused);
    await run(6);
    expect(backend.kernelStats().compiled).toBeGreaterThan(afterRepeat.compiled);
    expect(backend.kernelStats().compileMs).toBeGreaterThan(0);
  });

  it('upload, scale, unary and gather compile once for every size (their sources name no size)', async () => {
    const d = createDevice(backend);
    const r = mulberry32(4);
    const round = async (width: number, rows: number) => {
      const table = d.upload(uniform(r, rows * width), [rows, width]);
      const ids = d.upload(Int32Array.of(rows - 1, 0, rows + 5), [3]);
      const rowsOut = d.gather(table, ids);
      const scaled = d.tanh(d.scale(rowsOut, 2));
      const data = await d.read(scaled);
      d.dispose(table, ids, rowsOut, scaled);
      return data;
    };
    await round(3, 4);
    const first = backend.kernelStats().compiled;
    for (const [width, rows] of [
      [5, 7],
      [8, 2],
      [33, 9],
    ])
      await round(width, rows);
    expect(backend.kernelStats().compiled).toBe(first);
    // An out-of-range id still gives a zero row, whatever the width.
    expect(Array.from((await round(6, 3)).slice(12))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('keeps at most kernelCacheSize kernels; one evicted while its output is held lives until it is released', async () => {
    const own = await createBackend({ kernelCacheSize: 3 });
    const d = createDevice(own);
    const ref = createDevice(createReferenceBackend());
    const data = uniform(mulberry32(6), 2 * 5, -3, 3);
    const x = d.upload(data, [2, 5]);
    const held = d.softmax(x);
    // Matmuls of eight shapes: eight kernels through a cache of three, softmax's two among the evicted.
    for (let n = 1; n <= 8; n++) {
      const a = d.upload(uniform(mulberry32(n), n * 2), [n, 2]);
      const b = d.upload(uniform(mulberry32(n + 1), 2 * n), [2, n]);
      d.dispose(a, b, d.matmul(a, b));
    }
    const stats = own.kernelStats();
    expect(stats.capacity).toBe(3);
    expect(stats.evicted).toBeGreaterThanOrEqual(7);
    // The kernel that made `held` is out of the cache but still alive, and `held` still reads right.
    expect(stats.live).toBe(4);
    const cmp = new Comparison(toleranceFor('float32'));
    cmp.close('held softmax', await d.read(held), await ref.read(ref.softmax(ref.upload(data, [2, 5]))));
    expect(cmp.failures).toEqual([]);
    d.dispose(x, held);
    expect(own.kernelStats().live).toBe(3);
    // The evicted kernels took their textures with them: what is left is the cached kernels' own (each holds
    // its last output and, for upload, the argument texture it copied from).
    expect(d.memory().liveTensors).toBe(0);
    expect(own.liveTextures()).toBeLessThanOrEqual(2 * 3);
    own.dispose();
    expect(own.liveTextures()).toBe(0);
  });

  it("keeps the cached kernels' programs and textures under kernelCacheBytes, least recently used out first", async () => {
    // One program and 4 KiB of textures (256 values; a float texel is 16 bytes): the growing concat's output
    // soon passes it, so whenever upload runs, concat must give its texture back.
    const budget = KERNEL_PROGRAM_BYTES + 4096;
    const own = await createBackend({ kernelCacheBytes: budget });
    const d = createDevice(own);
    let grown = d.upload(new Float32Array(0), [1, 0, 4]);
    for (let t = 0; t < 200; t += 8) {
      const part = d.upload(uniform(mulberry32(t), 8 * 4), [1, 8, 4]);
      const next = d.concat([grown, part], 1);
      d.dispose(grown, part);
      grown = next;
      const stats = own.kernelStats();
      expect(stats.byteCapacity).toBe(budget);
      // The concat just run is exempt; the other kernels (upload's) keep at most the bound.
      expect(stats.retainedBytes).toBeLessThanOrEqual(budget + KERNEL_PROGRAM_BYTES + 16 * 2 * (t + 8) * 4);
    }
    const values = await d.read(grown);
    expect(values.length).toBe(200 * 4);
    expect(Array.from(values.slice(0, 4))).toEqual(Array.from(uniform(mulberry32(0), 8 * 4).slice(0, 4)));
    // The concat kernel gave its texture back whenever upload ran past the bound, instead of being destroyed
    // and rebuilt; its sizes are uniforms, so one kernel served every length.
    d.dispose(d.upload(Float32Array.of(1), [1]));
    const stats = own.kernelStats();
    // Two programs, upload's small textures and concat's one texel: not concat's 800-value texture (12.8 KB).
    expect(stats.retainedBytes).toBeGreaterThan(2 * KERNEL_PROGRAM_BYTES);
    expect(stats.retainedBytes).toBeLessThanOrEqual(2 * KERNEL_PROGRAM_BYTES + 4096);
    expect(stats.evicted).toBe(0);
    expect(stats.compiled).toBeLessThanOrEqual(3);
    d.dispose(grown);
    own.dispose();
  });

  it('rejects a kernel cache size below 1 and a negative byte bound', async () => {
    await expect(createBackend({ kernelCacheBytes: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });

    await expect(createBackend({ kernelCacheSize: 0 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('no leaks', () => {
  it('1,000 attention calls leave the live tensor and GL texture counts unchanged', async () => {
    const d = createDevice(backend);
    const q = d.upload(uniform(mulberry32(9), 2 * 3 * 4), [1, 2, 3, 4]);
    const mask = d.upload(Uint8Array.of(1, 1, 0), [3]);
    const call = () => {
      const out = d.attention(
        { q, k: q, v: q, mask },
        { isCausal: true, returnPresent: true, scoresOutput: 'probabilities' },
      );
      return [out.y, out.presentKey, out.presentValue, out.scores];
    };
    d.dispose(...call());
    const tensors = backend.kernels.memory().liveTensors;
    const textures = backend.liveTextures();
    expect(textures).not.toBeNull();
    for (let n = 0; n < 1000; n++) {
      const outputs = call();
      if (n % 250 === 0) await d.read(outputs[0]!);
      d.dispose(...outputs);
    }
    expect(backend.kernels.memory().liveTensors).toBe(tensors);
    expect(backend.liveTextures()).toBe(textures);
    d.dispose(q, mask);
  });

  it('dispose releases every texture and kernel; the backend refuses work afterwards', async () => {
    const own = await createBackend();
    const d = createDevice(own);
    const a = d.upload(uniform(mulberry32(1), 12), [3, 4]);
    const b = d.softmax(a);
    await d.read(b);
    expect(own.liveTextures()).toBeGreaterThan(0);
    own.dispose();
    expect(own.liveTextures()).toBe(0);
    expect(own.kernelStats().live).toBe(0);
    expect(b.isDisposed).toBe(true);
    expect(() => d.softmax(a)).toThrow(AttnkitError);
  });
});
