import { mulberry32, uniform } from '@attnkit/conformance';
import { type AttentionOptions, createDevice, type DeviceTensor } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { createBackend, type WasmBackend, type WasmMemoryInfo } from '../src/index.js';

/**
 * Memory over time: a seeded mix of 1,000 calls returns every byte; a 2,048-step decode whose cache grows by
 * one key a step keeps the module's memory flat after warm-up (freed blocks merge and are reused); the
 * working memory of a causal call does not grow with T² (no [Sq, T] buffer without scores).
 */
const memoryOf = (backend: WasmBackend) => backend.kernels.memory() as WasmMemoryInfo;

describe('memory', () => {
  it('1,000 mixed calls of every kind leave no tensor and no byte behind', async () => {
    const backend = await createBackend({ threads: 2 });
    const device = createDevice(backend);
    const random = mulberry32(2024);
    const base = memoryOf(backend);
    const optionCycle: AttentionOptions[] = [
      {},
      { isCausal: true },
      { isCausal: true, causalAlignment: 'bottom-right', scoresOutput: 'probabilities' },
      { softcap: 2, scoresOutput: 'raw' },
      { window: { left: 3, right: 1 }, alibi: true, scoresOutput: 'masked' },
      { headMask: [1, 0, 0.5, 1], returnPresent: true },
    ];
    for (let call = 0; call < 1000; call++) {
      const S = 1 + Math.floor(random() * 90);
      const T = 1 + Math.floor(random() * 150);
      const created: DeviceTensor[] = [];
      const up = (shape: number[]) => {
        const t = device.upload(
          uniform(
            random,
            shape.reduce((a, b) => a * b, 1),
          ),
          shape,
        );
        created.push(t);
        return t;
      };
      if (call % 2 === 0) {
        const outputs = device.attention(
          { q: up([1, 4, S, 16]), k: up([1, 2, T, 16]), v: up([1, 2, T, 16]) },
          optionCycle[call % optionCycle.length],
        );
        created.push(...Object.values(outputs));
      } else {
        const x = up([S, 32]);
        const w = up([32, 24]);
        const product = device.matmul(x, w, { bias: up([24]) });
        const h = device.gelu(product);
        const n = device.layerNorm(h, up([24]), up([24]));
        const ids = device.upload(
          Int32Array.from({ length: S }, (_, i) => i % 24),
          [S],
        );
        created.push(
          product,
          h,
          n,
          ids,
          device.softmax(n),
          device.gather(n, ids),
          device.concat([x, x], 1),
          device.slice(n, 1, 2, 5),
          device.argmax(n),
          ...Object.values(device.topK(n, 3)),
        );
      }
      device.dispose(...created);
    }
    const after = memoryOf(backend);
    expect(after.liveTensors).toBe(base.liveTensors);
    expect(after.usedBytes).toBe(base.usedBytes);
    expect(after.freeBytes).toBe(0);
    backend.dispose();
  });

  it('a 2,048-step decode with a growing cache keeps the memory flat after warm-up', async () => {
    const backend = await createBackend({ threads: 2 });
    const device = createDevice(backend);
    const random = mulberry32(7);
    const [H, D] = [4, 32];
    let pastKey = device.upload(uniform(random, H * D), [1, H, 1, D]);
    let pastValue = device.upload(uniform(random, H * D), [1, H, 1, D]);
    const committedAtStart = memoryOf(backend).committedBytes;
    let committedAtWarmUp = 0;
    for (let step = 1; step <= 2048; step++) {
      const q = device.upload(uniform(random, H * D), [1, H, 1, D]);
      const k = device.upload(uniform(random, H * D), [1, H, 1, D]);
      const out = device.attention({ q, k, v: k, pastKey, pastValue }, { isCausal: true });
      device.dispose(q, k, out.y, pastKey, pastValue);
      pastKey = out.presentKey!;
      pastValue = out.presentValue!;
      if (step === 256) committedAtWarmUp = memoryOf(backend).committedBytes;
    }
    const end = memoryOf(backend);
    // Each step holds the old cache and the new one at once, so the memory must reach twice the final
    // cache (2 × 2 MiB for keys and values); anything well beyond that would be a leak.
    const cacheBytes = 2 * H * 2049 * D * 4;
    expect(end.committedBytes - committedAtWarmUp).toBeLessThanOrEqual(2 * cacheBytes);
    expect(end.committedBytes - committedAtStart).toBeLessThanOrEqual(2 * cacheBytes + 256 * 1024);
    expect(end.liveTensors).toBe(2);
    device.dispose(pastKey, pastValue);
    backend.dispose();
  });

  it('the working memory of a causal call does not grow with T²', async () => {
    const backend = await createBackend({ threads: 2 });
    const device = createDevice(backend);
    const working: number[] = [];
    for (const T of [512, 2048]) {
      const q = device.upload(new Float32Array(8 * T * 64).fill(0.01), [1, 8, T, 64]);
      backend.resetPeak();
      const before = memoryOf(backend).usedBytes;
      const out = device.attention({ q, k: q, v: q }, { isCausal: true });
      working.push(memoryOf(backend).peakUsedBytes - before - 8 * T * 64 * 4);
      device.dispose(q, out.y);
    }
    // scratch per thread is fixed by the block sizes; 16× the keys leave it unchanged
    expect(working[1]).toBe(working[0]);
    expect(working[0]).toBeLessThan(2 * 1024 * 1024);
    backend.dispose();
  });
});
