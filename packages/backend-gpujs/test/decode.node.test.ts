import { Comparison, mulberry32, toleranceFor, uniform } from '@attnkit/conformance';
import { type AttentionOptions, createDevice, createReferenceBackend, type DeviceTensor } from '@attnkit/core';
import { GPU } from 'gpu.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpujsMemoryInfo } from '../src/backend.js';
import { createBackend, type GpujsBackend } from '../src/index.js';

/**
 * Memory over a long decode, on headless-gl: a KV cache that grows by one key per call (present of one step
 * is the past of the next), as autoregressive decoding does. Sizes used to be literals in every attention
 * kernel, so each step compiled a new set of kernels and kept them, with their textures, until dispose.
 *
 * Smallest shapes ([1, 2 query heads, ·, 4] on one KV head) so that 2,000 steps take seconds on software GL;
 * the kernels are the same ones a model's decode runs (packed path: present, pack, scores, stats, probs,
 * output, unpack), with causal alignment, a sliding window and ALiBi, whose diagonal moves at every step.
 */
const STEPS = 2000;
const HEADS = { Hq: 2, Hkv: 1, D: 4 } as const;
const OPTIONS: AttentionOptions = {
  qNumHeads: HEADS.Hq,
  kvNumHeads: HEADS.Hkv,
  isCausal: true,
  window: { left: 100 },
  alibi: true,
  returnPresent: true,
};
/** Steps whose output is compared with the reference: both ends, and each side of LOOP_MAX's 1,024. */
const CHECKED = new Set([1, 2, 3, 64, 1024, 1025, 1026, STEPS]);
/**
 * The bound: a step compiles ~12 kernels (one per pass, plus the first step's variants without a past), and
 * the kernels with a loop over the keys are rebuilt once when T passes 1,024 (LOOP_MAX, kernel-cache.ts).
 * Before, the same loop compiled 5 to 6 kernels per step: 1,103 after 200 steps.
 */
const MAX_COMPILED = 24;

let backend: GpujsBackend;
beforeAll(async () => {
  backend = await createBackend();
});
afterAll(() => backend?.dispose());

describe('a 2,000-step decode on headless-gl', () => {
  it('compiles a bounded number of kernels and leaves textures and memory at their baseline', async () => {
    const d = createDevice(backend);
    const ref = createDevice(createReferenceBackend());
    const r = mulberry32(2024);
    const row = (heads: number) => uniform(r, heads * HEADS.D, -1, 1);
    const host = { k: [] as Float32Array[], v: [] as Float32Array[] };
    const cache = (parts: Float32Array[]) => {
      // [1, Hkv, T, D] with Hkv = 1: the rows in order.
      const out = new Float32Array(parts.length * HEADS.D);
      parts.forEach((p, t) => {
        out.set(p, t * HEADS.D);
      });
      return out;
    };
    let past: { key: DeviceTensor; value: DeviceTensor } | null = null;
    const restart = () => {
      d.dispose(past?.key, past?.value);
      past = null;
      host.k.length = 0;
      host.v.length = 0;
    };
    const step = async (n: number) => {
      const qData = row(HEADS.Hq);
      const kData = row(HEADS.Hkv);
      const vData = row(HEADS.Hkv);
      const q = d.upload(qData, [1, HEADS.Hq, 1, HEADS.D]);
      const k = d.upload(kData, [1, HEADS.Hkv, 1, HEADS.D]);
      const v = d.upload(vData, [1, HEADS.Hkv, 1, HEADS.D]);
      const out = d.attention({ q, k, v, ...(past && { pastKey: past.key, pastValue: past.value }) }, OPTIONS);
      if (CHECKED.has(n)) {
        const P = host.k.length;
        const rq = ref.upload(qData, [1, HEADS.Hq, 1, HEADS.D]);
        const rk = ref.upload(kData, [1, HEADS.Hkv, 1, HEADS.D]);
        const rv = ref.upload(vData, [1, HEADS.Hkv, 1, HEADS.D]);
        const rPast = P
          ? {
              pastKey: ref.upload(cache(host.k), [1, HEADS.Hkv, P, HEADS.D]),
              pastValue: ref.upload(cache(host.v), [1, HEADS.Hkv, P, HEADS.D]),
            }
          : {};
        const expected = ref.attention({ q: rq, k: rk, v: rv, ...rPast }, OPTIONS);
        const cmp = new Comparison(toleranceFor('float32'));
        cmp.close(`y at step ${n}`, await d.read(out.y), await ref.read(expected.y));
        cmp.close(`presentKey at step ${n}`, await d.read(out.presentKey!), await ref.read(expected.presentKey!));
        expect(cmp.failures).toEqual([]);
      }
      host.k.push(kData);
      host.v.push(vData);
      d.dispose(q, k, v, out.y, past?.key, past?.value);
      past = { key: out.presentKey!, value: out.presentValue! };
    };

    // Warm-up: two steps (without and with a past) build every kernel the decode runs.
    await step(1);
    await step(2);
    restart();
    const warm = backend.kernelStats();
    const baseline = { tensors: d.memory().liveTensors, textures: backend.liveTextures() };
    const start = performance.now();
    let compiledBy1024 = 0;
    for (let n = 1; n <= STEPS; n++) {
      await step(n);
      if (n === 1024) compiledBy1024 = backend.kernelStats().compiled;
    }
    const seconds = (performance.now() - start) / 1000;
    restart();
    const end = backend.kernelStats();
    const memory = backend.kernels.memory() as GpujsMemoryInfo;
    console.info(
      `[gpujs decode] ${STEPS} steps (T = 1…${STEPS}) in ${seconds.toFixed(1)} s: ${end.compiled} kernels compiled in all (${warm.compiled} after 2 steps), ${end.live} alive, ${end.evicted} evicted; GL textures ${backend.liveTextures()} (baseline ${baseline.textures})`,
    );
    // Between buckets, growing T compiles nothing at all.
    expect(compiledBy1024).toBe(warm.compiled);
    expect(end.compiled).toBeLessThanOrEqual(MAX_COMPILED);
    // One kernel per source: the ones rebuilt for the longer loops replaced their first builds.
    expect(end.live).toBe(warm.live);
    expect(end.failed).toBe(0);
    expect(d.memory().liveTensors).toBe(baseline.tensors);
    expect(d.memory().liveBytes).toBe(0);
    expect(backend.liveTextures()).toBe(baseline.textures);
    expect(memory.liveTextures).toBe(baseline.textures);
    expect(memory.kernels.live).toBe(end.live);
  }, 120_000);
});

describe("headless-gl's drawing buffer over a growing decode", () => {
  it('keeps the size it was created with (gpu.js would grow it to the largest texture width × height)', async () => {
    // gpu.js resizes the drawing buffer to the largest texture width and height seen on the context at every
    // run, so a growing cache reallocated it at each new length (785 × 9600 texels at 600 keys of [4, 4, T, 64]),
    // and it never shrank: the RSS growth of the soak's beam decode. Nothing here draws to it (drawing-buffer.ts).
    const gpu = new GPU({ mode: 'headlessgl' });
    const own = await createBackend({ gpu });
    const gl = (gpu as unknown as { context: { drawingBufferWidth: number; drawingBufferHeight: number } }).context;
    const size = () => [gl.drawingBufferWidth, gl.drawingBufferHeight];
    const created = size();
    const d = createDevice(own);
    const shape = [1, 4, 1, 32];
    const fill = () => d.upload(new Float32Array(4 * 32).fill(0.5), shape);
    let past = { key: fill(), value: fill() };
    for (let n = 0; n < 48; n++) {
      const [q, k, v] = [fill(), fill(), fill()];
      const out = d.attention({ q, k, v, pastKey: past.key, pastValue: past.value }, { isCausal: true });
      d.dispose(q, k, v, out.y, past.key, past.value);
      past = { key: out.presentKey!, value: out.presentValue! };
    }
    // The cache really is read back right: 49 rows of 0.5.
    const key = await d.read(past.key);
    expect(key.length).toBe(4 * 49 * 32);
    expect(key.every((x) => x === 0.5)).toBe(true);
    d.dispose(past.key, past.value);
    expect(size()).toEqual(created);
    own.dispose();
    gpu.destroy();
  }, 60_000);
});
