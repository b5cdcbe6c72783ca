import { createDevice, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type WebGpuBackend } from '../src/index.js';

/**
 * Causal attention at T = 4,096 must need no memory that grows with T²: the buffer pool's peak during the
 * call, minus what inputs and output hold, is measured at T = 1,024 and T = 4,096 (B = 1, H = 1, D = 16).
 * A [T, T] float32 score matrix alone would be 64 MiB at T = 4,096. The one-pass kernel is pinned: on a GPU the
 * tuner may split the keys, whose partials depend on the split count but stay under the tuner's fixed budget
 * (split.node.test.ts checks that bound).
 */
function floats(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

async function extraBytes(backend: WebGpuBackend, T: number, D: number) {
  const device = createDevice(backend);
  const shape = [1, 1, T, D];
  const q = device.upload(floats(T * D, 1), shape);
  const k = device.upload(floats(T * D, 2), shape);
  const v = device.upload(floats(T * D, 3), shape);
  const before = backend.memoryStats().bytesInUse;
  backend.resetPeak();
  const { y } = device.attention({ q, k, v }, { isCausal: true });
  const output = backend.memoryStats().bytesInUse - before;
  const data = await device.read(y);
  const extra = backend.memoryStats().peakBytes - before - output;
  device.dispose(q, k, v, y);
  return { extra, output, data };
}

describe('long sequence (causal, T = 4096)', () => {
  let backend: WebGpuBackend;
  beforeAll(async () => {
    backend = await createBackend({ tuning: { attention: { splitKeys: 0 } } });
  });
  afterAll(() => backend?.dispose());

  it('uses extra memory independent of T² and matches the reference', async () => {
    const D = 16;
    const short = await extraBytes(backend, 1024, D);
    const started = Date.now();
    const long = await extraBytes(backend, 4096, D);
    console.log(
      `extra bytes beyond inputs/outputs: T=1024 ${short.extra}, T=4096 ${long.extra}; T=4096 took ${Date.now() - started} ms`,
    );
    expect(long.extra).toBe(short.extra);
    expect(long.extra).toBeLessThan(4096 * D * 4);

    const T = 4096;
    const reference = createDevice(createReferenceBackend());
    const shape = [1, 1, T, D];
    const [q, k, v] = [1, 2, 3].map((seed) => reference.upload(floats(T * D, seed), shape));
    const { y } = reference.attention({ q, k, v }, { isCausal: true });
    const expected = await reference.read(y);
    let worst = 0;
    for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - long.data[i]));
    expect(worst).toBeLessThan(1e-5);
    reference.backend.dispose();
  }, 120_000);
});
