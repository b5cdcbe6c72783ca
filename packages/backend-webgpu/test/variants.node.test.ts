import { type AttentionOptions, createDevice } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend, type WebGpuBackend } from '../src/index.js';
import type { AttentionTuning } from '../src/kernels/attention-stream.js';
import { subgroupStorageBytes } from '../src/kernels/attention-subgroup.js';
import {
  type AdapterFacts,
  adapterFacts,
  attentionCandidates,
  fitToAdapter,
  MAX_CANDIDATES,
} from '../src/kernels/attention-variants.js';
import { type AttentionShape, Tuner } from '../src/tuner.js';

/**
 * The autotuner's candidate list and the 'subgroup' strategy's gate, on SwiftShader (which has `subgroups`, with
 * 4 lanes): every candidate of a decode, a prefill and a GQA shape runs pinned and agrees with the default
 * variant; the list is bounded, has no duplicates and respects the limits it is given; the subgroup kernel agrees
 * at workgroup sizes that leave partial subgroups; a device created without the feature refuses the strategy
 * with UNSUPPORTED.
 */
const SHAPES: Record<string, { shape: AttentionShape; Hkv: number; causal: boolean }> = {
  decode: { shape: { B: 1, Hq: 2, Sq: 1, T: 300, D: 16, Dv: 16 }, Hkv: 2, causal: false },
  prefill: { shape: { B: 1, Hq: 2, Sq: 70, T: 70, D: 8, Dv: 8 }, Hkv: 2, causal: true },
  'gqa, odd head size': { shape: { B: 2, Hq: 4, Sq: 3, T: 150, D: 6, Dv: 10 }, Hkv: 2, causal: true },
};

/** Attention on `backend` over host data given with its shape, read back; the tensors it makes are disposed. */
async function readAttention(
  backend: WebGpuBackend,
  q: [Float32Array, number[]],
  k: [Float32Array, number[]],
  v: [Float32Array, number[]],
  options: AttentionOptions,
): Promise<Float32Array> {
  const device = createDevice(backend);
  const inputs = { q: device.upload(...q), k: device.upload(...k), v: device.upload(...v) };
  const { y } = device.attention(inputs, options);
  const out = await device.read(y);
  device.dispose(y, inputs.q, inputs.k, inputs.v);
  return out;
}

function largestDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

const software: AdapterFacts = {
  adapterClass: 'software',
  subgroups: true,
  subgroupMinSize: 4,
  subgroupMaxSize: 4,
  maxWorkgroupStorageBytes: 32768,
  maxInvocationsPerWorkgroup: 256,
  maxWorkgroupSizeX: 256,
};

describe('attentionCandidates', () => {
  const cases: [string, AttentionShape, AdapterFacts][] = [
    ['decode on a GPU', { B: 1, Hq: 8, Sq: 1, T: 16384, D: 128, Dv: 128 }, { ...software, adapterClass: 'hardware' }],
    ['prefill', { B: 1, Hq: 8, Sq: 256, T: 256, D: 64, Dv: 64 }, software],
    [
      'wide heads, little memory',
      { B: 1, Hq: 2, Sq: 3, T: 100, D: 512, Dv: 512 },
      {
        ...software,
        maxWorkgroupStorageBytes: 16384,
        maxInvocationsPerWorkgroup: 64,
      },
    ],
    ['no subgroups', { B: 1, Hq: 8, Sq: 1, T: 4096, D: 64, Dv: 64 }, { ...software, subgroups: false }],
  ];
  for (const [name, shape, facts] of cases) {
    it(`lists a bounded set of distinct variants that fit: ${name}`, () => {
      const candidates = attentionCandidates(shape, facts);
      expect(candidates.length).toBeGreaterThan(2);
      expect(candidates.length).toBeLessThanOrEqual(MAX_CANDIDATES);
      expect(new Set(candidates.map((t) => JSON.stringify(t))).size).toBe(candidates.length);
      for (const t of candidates) {
        expect(fitToAdapter(t, shape, facts)).toBe(t);
        expect(t.workgroupSize).toBeLessThanOrEqual(facts.maxInvocationsPerWorkgroup);
        if (t.strategy === 'subgroup') {
          expect(facts.subgroups).toBe(true);
          expect(subgroupStorageBytes(shape.Dv, t.workgroupSize)).toBeLessThanOrEqual(facts.maxWorkgroupStorageBytes);
        }
      }
      const strategies = new Set(candidates.map((t) => t.strategy));
      expect(strategies.has('subgroup')).toBe(facts.subgroups);
      if (shape.Sq === 1) expect(candidates.some((t) => t.splitKeys > 0)).toBe(true);
    });
  }

  it('fits the subgroup kernel to workgroup memory by halving its lanes, in the Tuner too', () => {
    const shape = { B: 1, Hq: 1, Sq: 1, T: 64, D: 512, Dv: 512 };
    const facts = { ...software, maxWorkgroupStorageBytes: 16384 };
    const t: AttentionTuning = {
      strategy: 'subgroup',
      workgroupSize: 256,
      keyBlock: 16,
      rowsPerInvocation: 1,
      vec4: true,
      splitKeys: 0,
    };
    // 32 lanes: 8 slots of 2,056 bytes, over 16 KiB; 16 lanes: 4 slots.
    expect(fitToAdapter(t, shape, facts)?.workgroupSize).toBe(16);
    expect(fitToAdapter(t, shape, { ...facts, subgroups: false })).toBeNull();
    const tuner = new Tuner('software', 16384, { attention: { strategy: 'subgroup', workgroupSize: 256 } }, true);
    expect(tuner.attention(shape).workgroupSize).toBe(16);
  });
});

describe('every candidate on SwiftShader', () => {
  let reference: WebGpuBackend;
  beforeAll(async () => {
    reference = await createBackend();
  });
  afterAll(() => reference?.dispose());

  it('has subgroups here, requested by createBackend', () => {
    expect(reference.device.features.has('subgroups')).toBe(true);
    expect(adapterFacts(reference.device, 'software')).toMatchObject({ subgroups: true, subgroupMinSize: 4 });
  });

  for (const [name, { shape, Hkv, causal }] of Object.entries(SHAPES)) {
    it(`runs pinned and agrees with the default variant: ${name}`, async () => {
      const { B, Hq, Sq, T, D, Dv } = shape;
      const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed) * 0.9);
      const q = random(B * Hq * Sq * D, 1.3);
      const k = random(B * Hkv * T * D, 2.1);
      const v = random(B * Hkv * T * Dv, 0.7);
      const run = (backend: WebGpuBackend) =>
        readAttention(backend, [q, [B, Hq, Sq, D]], [k, [B, Hkv, T, D]], [v, [B, Hkv, T, Dv]], { isCausal: causal });
      const expected = await run(reference);
      const candidates = attentionCandidates(shape, adapterFacts(reference.device, 'software'));
      expect(candidates.some((t) => t.strategy === 'subgroup')).toBe(true);
      for (const tuning of candidates) {
        const backend = await createBackend({ device: reference.device, tuning: { attention: tuning } });
        try {
          expect(backend.attentionTuning(shape), 'the Tuner runs the candidate as given').toEqual(tuning);
          expect(largestDifference(await run(backend), expected), JSON.stringify(tuning)).toBeLessThan(1e-5);
          expect(
            internals(backend)
              .gpu.pipelines.keys()
              .some((key) => key.includes(`:${tuning.strategy}:`)),
          ).toBe(true);
        } finally {
          backend.dispose();
        }
      }
    });
  }
});

describe('the subgroup kernel at any workgroup size', () => {
  // 6 lanes leave a partial subgroup of 2 on SwiftShader (4 lanes a subgroup), 100 one of 4 on lavapipe (8), and
  // 256 lanes make 64 subgroups: the slots must not depend on how lanes fill subgroups.
  it('agrees with the default variant, unsplit and split', async () => {
    const reference = await createBackend();
    const [B, H, Sq, T, D] = [2, 3, 5, 777, 12];
    const random = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * seed));
    const [q, k, v] = [random(B * H * Sq * D, 1.1), random(B * H * T * D, 2.3), random(B * H * T * D, 0.4)];
    const options = { isCausal: true, causalAlignment: 'bottom-right', window: { left: 100 } } as const;
    const run = (backend: WebGpuBackend) =>
      readAttention(backend, [q, [B, H, Sq, D]], [k, [B, H, T, D]], [v, [B, H, T, D]], options);
    try {
      const expected = await run(reference);
      for (const workgroupSize of [6, 100, 256]) {
        for (const splitKeys of [0, 129]) {
          const attention = {
            strategy: 'subgroup',
            workgroupSize,
            keyBlock: 5,
            rowsPerInvocation: 2,
            splitKeys,
          } as const;
          const backend = await createBackend({ device: reference.device, tuning: { attention } });
          try {
            expect(largestDifference(await run(backend), expected), JSON.stringify(attention)).toBeLessThan(1e-6);
          } finally {
            backend.dispose();
          }
        }
      }
    } finally {
      reference.dispose();
    }
  });
});

describe("the 'subgroup' strategy without the feature", () => {
  let device: GPUDevice;
  // Dawn's instance must outlive its adapter and device: kept referenced here.
  let gpu: GPU;
  beforeAll(async () => {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    gpu = create([]);
    const adapter = await gpu.requestAdapter();
    device = await adapter!.requestDevice();
  });
  afterAll(() => device?.destroy());

  it('is refused with UNSUPPORTED on a device created without subgroups', async () => {
    expect(device.features.has('subgroups')).toBe(false);
    await expect(createBackend({ device, tuning: { attention: { strategy: 'subgroup' } } })).rejects.toMatchObject({
      code: 'UNSUPPORTED',
      message: expect.stringContaining("'subgroups'"),
    });
  });

  it('is never chosen there, and the default variant works', async () => {
    const backend = await createBackend({ device });
    try {
      expect(backend.attentionTuning({ B: 1, Hq: 8, Sq: 1, T: 4096, D: 64, Dv: 64 }).strategy).not.toBe('subgroup');
      const facts = adapterFacts(device, 'software');
      expect(facts.subgroups).toBe(false);
      expect(
        attentionCandidates({ B: 1, Hq: 8, Sq: 1, T: 4096, D: 64, Dv: 64 }, facts).map((t) => t.strategy),
      ).not.toContain('subgroup');
    } finally {
      backend.dispose();
    }
  });
});
