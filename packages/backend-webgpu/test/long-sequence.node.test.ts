import { Comparison, generateCall, toleranceFor } from '@attnkit/conformance';
import { attention, createDevice, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type WebGpuBackend } from '../src/index.js';

/**
 * Causal attention at T = 4,096 must need no memory that grows with T²: the buffer pool's peak during the
 * call, minus what inputs and output hold, is measured at T = 1,024 and T = 4,096 (B = 1, H = 1, D = 16).
 * A [T, T] float32 score matrix alone would be 64 MiB at T = 4,096. The one-pass kernel is pinned: on a GPU the
 * tuner may split the keys, whose partials depend on the split count but stay under the tuner's fixed budget
 * (split.node.test.ts checks that bound).
 */
const causal = (T: number, D: number) =>
  generateCall({ B: 1, Hq: 1, Hkv: 1, Sq: T, Skv: T, D, options: { isCausal: true } }, 1);

async function extraBytes(backend: WebGpuBackend, T: number, D: number) {
  const device = createDevice(backend);
  const { inputs } = causal(T, D);
  const [q, k, v] = [inputs.q, inputs.k, inputs.v].map((t) => device.upload(t.data, t.shape));
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

    const reference = createReferenceBackend();
    const { inputs, options } = causal(4096, D);
    const expected = await attention(reference, inputs, options);
    const cmp = new Comparison(toleranceFor('float32'));
    cmp.close('y', long.data, expected.y.data);
    expect(cmp.failures).toEqual([]);
    reference.dispose();
  }, 120_000);
});
