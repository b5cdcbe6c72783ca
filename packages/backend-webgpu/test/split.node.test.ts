import {
  type AttentionCase,
  type AttentionSpec,
  Comparison,
  generateCall,
  mulberry32,
  type OptionsSpec,
  RunContext,
  runCase,
  toleranceFor,
} from '@attnkit/conformance';
import { type AttentionPlan, attention, createDevice, type HostTensor } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';
import { streamGroups, Tuner } from '../src/tuner.js';

/**
 * The split-over-keys path (flash-decoding): forced through the tuner's overrides, since SwiftShader's
 * tuning never splits. Cases at T up to 1,200 with every feature, as conformance specs run by the suite's own
 * runner (its generators, float64 reference, tolerances and exact mask checks), with every strategy; split ≡
 * unsplit on seeded random shapes (the subgroup kernel, unsplit, among the compared); the pool after split calls;
 * and the tuner's choice for a hardware adapter.
 */
const SPLITS: Record<string, TuningOverrides> = {
  'registers, 64-key splits': { attention: { strategy: 'registers', splitKeys: 64 } },
  'shared, 48-key splits': { attention: { strategy: 'shared', splitKeys: 48 } },
  // 16 lanes of 3-key blocks: rounds of 48 keys, several per split, so every lane carries its own online softmax.
  'subgroup, 200-key splits': { attention: { strategy: 'subgroup', workgroupSize: 16, keyBlock: 3, splitKeys: 200 } },
};

const decode = (P: number, Hq: number, Hkv: number, options: AttentionSpec['options']): AttentionSpec => ({
  B: 1,
  Hq,
  Hkv,
  Sq: 1,
  Skv: 1,
  P,
  D: 64,
  options,
});
const few = { B: 1, Hq: 4, Hkv: 4, Sq: 4, Skv: 777, D: 32 } as const;
const gqa = { B: 2, Hq: 6, Hkv: 2, Sq: 3, Skv: 1000, D: 16 } as const;

const SPLIT_SPECS: Record<string, AttentionSpec> = {
  'decode-cache-gqa': decode(999, 8, 2, { isCausal: true }),
  'decode-cache-window': decode(1200, 4, 4, { isCausal: true, window: { left: 100 } }),
  'decode-cache-alibi-softcap': decode(640, 4, 1, { isCausal: true, alibi: true, softcap: 2 }),
  'few-queries-long-keys': few,
  'causal-top-left': { ...few, options: { isCausal: true } },
  'causal-bottom-right': { ...few, options: { isCausal: true, causalAlignment: 'bottom-right' } },
  gqa,
  'additive-mask-masked-row': {
    ...gqa,
    mask: { kind: 'additive', shape: [1, 1, 3, 1000], pattern: 'first-row-masked' },
  },
  // −1e9 is an ordinary number, not a mask: with scale 0 every row of it is exactly uniform (see MaskPattern).
  'additive-mask-large-negative': {
    ...gqa,
    mask: { kind: 'additive', shape: [3, 1000], pattern: 'large-negative' },
    options: { scale: 0 },
  },
  'bool-mask-broadcast-short': { ...gqa, mask: { kind: 'boolean', shape: [3, 950], pattern: 'random' } },
  softcap: { ...few, options: { softcap: 1.5, scale: 2 } },
  'sliding-window': { ...few, options: { window: { left: 30, right: 10 }, causalAlignment: 'bottom-right' } },
  'alibi-causal': { ...gqa, options: { alibi: true, isCausal: true, causalAlignment: 'bottom-right' } },
  'head-mask': { ...few, options: { headMask: [1, 0, 0.5, 2] } },
  'valid-lengths-empty-batch': {
    B: 3,
    Hq: 2,
    Hkv: 2,
    Sq: 2,
    Skv: 1000,
    D: 16,
    validLengths: [1000, 0, 333],
    options: { isCausal: true },
  },
  'odd-head-sizes': { B: 1, Hq: 3, Hkv: 3, Sq: 2, Skv: 301, D: 6, Dv: 5, options: { softcap: 3, alibi: true } },
  'layout-3d-past-present': {
    B: 1,
    Hq: 4,
    Hkv: 2,
    Sq: 1,
    Skv: 1,
    P: 500,
    D: 8,
    layout: '3d',
    options: { isCausal: true },
  },
  'scores-probabilities': {
    B: 1,
    Hq: 2,
    Hkv: 1,
    Sq: 2,
    Skv: 200,
    D: 8,
    options: { scoresOutput: 'probabilities', isCausal: true, headMask: [0.5, 1] },
  },
};

const splitCase = (name: string, spec: AttentionSpec): AttentionCase => ({
  kind: 'attention',
  id: `split/${name}#1`,
  feature: 'split',
  precision: 'float32',
  title: `split path: ${name}`,
  spec,
  seed: 1,
});

for (const [variant, tuning] of Object.entries(SPLITS)) {
  describe(`split path (${variant}) vs reference`, () => {
    let backend: WebGpuBackend;
    const context = new RunContext();
    beforeAll(async () => {
      backend = await createBackend({ tuning });
    });
    afterAll(() => {
      context.dispose();
      backend?.dispose();
    });

    for (const [name, spec] of Object.entries(SPLIT_SPECS)) {
      it(name, async () => {
        const result = await runCase(backend, splitCase(name, spec), context);
        expect(result.status, result.message).toBe('pass');
      });
    }

    it('writes exact zeros for a fully masked row, and took the split path', async () => {
      // Row 0 of the mask is entirely −∞; rows 1 and 2 are random with most keys visible.
      const { inputs, options } = generateCall(
        {
          B: 1,
          Hq: 2,
          Hkv: 2,
          Sq: 3,
          Skv: 300,
          D: 8,
          mask: { kind: 'additive', shape: [3, 300], pattern: 'first-row-masked' },
        },
        40,
      );
      const { y } = await attention(backend, inputs, options);
      for (const h of [0, 1]) {
        const row = y.data.subarray(h * 24, h * 24 + 8);
        expect(Array.from(row, (x) => Object.is(x, 0))).toEqual(new Array(8).fill(true));
        expect(y.data.subarray((h * 3 + 1) * 8, (h * 3 + 2) * 8).some((x) => x !== 0)).toBe(true);
      }
      expect(
        internals(backend)
          .gpu.pipelines.keys()
          .filter((k) => k.startsWith('attention-merge:')),
      ).not.toEqual([]);
      expect(
        internals(backend)
          .gpu.pipelines.keys()
          .filter((k) => k.startsWith('attention-stream:'))
          .every((k) => k.endsWith(':split')),
      ).toBe(true);
    });

    it('leaves no live tensors and no buffers in use', () => {
      expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
      expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, buffersInUse: 0 });
    });
  });
}

describe('split ≡ unsplit (seeded random shapes and options)', () => {
  const backends: Record<string, WebGpuBackend> = {};
  const variants: Record<string, TuningOverrides> = {
    unsplit: { attention: { splitKeys: 0 } },
    'split-1': { attention: { splitKeys: 1 } },
    'split-7-shared': { attention: { strategy: 'shared', workgroupSize: 32, keyBlock: 5, splitKeys: 7 } },
    'split-40-rows-3': { attention: { strategy: 'registers', rowsPerInvocation: 3, keyBlock: 8, splitKeys: 40 } },
    'subgroup-rows-2': { attention: { strategy: 'subgroup', workgroupSize: 32, rowsPerInvocation: 2, keyBlock: 3 } },
    'split-50-subgroup': { attention: { strategy: 'subgroup', workgroupSize: 8, keyBlock: 2, splitKeys: 50 } },
  };
  beforeAll(async () => {
    for (const [name, tuning] of Object.entries(variants)) backends[name] = await createBackend({ tuning });
  });
  afterAll(() => {
    for (const b of Object.values(backends)) b.dispose();
  });

  const r = mulberry32(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const configs = Array.from({ length: 14 }, (_, n) => {
    const Hkv = pick([1, 2]);
    const [B, Hq, Sq, T, D, Dv] = [
      pick([1, 2]),
      Hkv * pick([1, 2, 3]),
      pick([1, 1, 2, 5, 9]),
      pick([1, 13, 64, 150, 333]),
      pick([4, 6, 16]),
      pick([4, 5, 16]),
    ];
    const options: OptionsSpec = {
      isCausal: r() < 0.5,
      causalAlignment: pick(['top-left', 'bottom-right'] as const),
      ...(r() < 0.4 && { window: { left: pick([0, 3, 40]), right: pick([0, 2]) } }),
      ...(r() < 0.4 && { softcap: 1.5 }),
      ...(r() < 0.4 && { alibi: true as const }),
      ...(r() < 0.3 && { headMask: Array.from({ length: Hq }, () => pick([0, 0.5, 1])) }),
    };
    const spec: AttentionSpec = {
      B,
      Hq,
      Hkv,
      Sq,
      Skv: T,
      D,
      Dv,
      options,
      ...(r() < 0.5 && { mask: { kind: 'additive', shape: [Sq, T], pattern: 'random' } as const }),
    };
    const { inputs } = generateCall(spec, 100 + n);
    return { id: `${n}: [${B},${Hq}/${Hkv},${Sq},${T},${D}/${Dv}] ${JSON.stringify(spec.options)}`, inputs, options };
  });

  for (const c of configs) {
    it(c.id, async () => {
      const expected = (await attention(backends.unsplit, c.inputs, c.options)).y.data;
      for (const name of Object.keys(variants).filter((name) => name !== 'unsplit')) {
        const actual = (await attention(backends[name], c.inputs, c.options)).y.data;
        const cmp = new Comparison(toleranceFor('float32'));
        cmp.noNaN(name, actual);
        cmp.close(name, actual, expected);
        expect(cmp.failures, name).toEqual([]);
      }
    });
  }

  it('took the split path and leaked nothing', () => {
    for (const [name, backend] of Object.entries(backends)) {
      expect(
        internals(backend)
          .gpu.pipelines.keys()
          .some((k) => k.startsWith('attention-merge:')),
      ).toBe(name.startsWith('split'));
      expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, buffersInUse: 0 });
    }
  });
});

describe('split path resources', () => {
  it('returns the partials to the pool after every call, device API included', async () => {
    const backend = await createBackend({ tuning: { attention: { splitKeys: 16 } } });
    const device = createDevice(backend);
    const { inputs } = generateCall({ B: 1, Hq: 4, Hkv: 2, Sq: 2, Skv: 500, D: 16 }, 1);
    const [q, k, v] = [inputs.q, inputs.k, inputs.v].map((t) => device.upload(t.data, t.shape));
    const held = backend.memoryStats().bytesInUse;
    for (const options of [
      {},
      { isCausal: true, alibi: true, headMask: [1, 0, 1, 0.5] },
      { scoresOutput: 'probabilities' as const },
    ]) {
      backend.resetPeak();
      const out = device.attention({ q, k, v }, options);
      const outputs = backend.memoryStats().bytesInUse - held;
      // The partials (32 splits × 8 rows × (2 + 16) floats) existed during the call and are back in the pool.
      expect(backend.memoryStats().peakBytes - held - outputs).toBeGreaterThanOrEqual(32 * 8 * 18 * 4);
      await device.read(out.y);
      device.dispose(out.y, ...(out.scores ? [out.scores] : []));
      expect(backend.memoryStats().bytesInUse).toBe(held);
    }
    device.dispose(q, k, v);
    expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, buffersInUse: 0 });
    expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
    backend.dispose();
    expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, bytesFree: 0 });
  });
});

describe('a split call that fails', () => {
  it('keeps nothing: partials over the device limit are refused before the present cache is built', async () => {
    // 1-key splits of 32 heads × 256 rows × 512 keys with Dv 256: 4 GiB of accumulators, over any binding limit.
    const backend = await createBackend({ tuning: { attention: { splitKeys: 1 } } });
    const device = createDevice(backend);
    const { inputs } = generateCall({ B: 1, Hq: 32, Hkv: 32, Sq: 256, Skv: 256, P: 256, D: 256 }, 1);
    const [q, k, v, pastKey, pastValue] = [inputs.q, inputs.k, inputs.v, inputs.pastKey!, inputs.pastValue!].map(
      (t: HostTensor) => device.upload(t.data, t.shape),
    );
    const held = backend.memoryStats().bytesInUse;
    expect(() => device.attention({ q, k, v, pastKey, pastValue })).toThrow(
      expect.objectContaining({ code: 'DEVICE_LIMIT' }),
    );
    expect(backend.memoryStats().bytesInUse).toBe(held);
    expect(backend.kernels.memory().liveTensors).toBe(5);
    device.dispose(q, k, v, pastKey, pastValue);
    expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
    backend.dispose();
  });
});

describe('when the tuner splits', () => {
  const plan = (B: number, Hq: number, Sq: number, T: number, D = 64) => ({ B, Hq, Sq, T, D, Dv: D }) as AttentionPlan;
  const hardware = () => new Tuner('hardware', 16384);

  it('splits few rows over many keys on a hardware adapter, enough to fill a large GPU', () => {
    for (const p of [plan(1, 8, 1, 16384), plan(1, 8, 1, 4096), plan(1, 8, 128, 16384), plan(1, 1, 4096, 4096)]) {
      const t = hardware().attention(p);
      expect(t.splitKeys, JSON.stringify(p)).toBeGreaterThan(0);
      expect(t.splitKeys % t.keyBlock).toBe(0);
      // At least one workgroup per SM of a large GPU, unless that would take splits shorter than two key blocks.
      expect(streamGroups(p, t, Math.ceil(p.T / t.splitKeys)), JSON.stringify(p)).toBeGreaterThanOrEqual(
        p.T >= 16384 ? 128 : 16,
      );
      expect(t.splitKeys <= 2 * t.keyBlock || streamGroups(p, t, Math.ceil(p.T / t.splitKeys)) >= 128).toBe(true);
    }
    expect(hardware().attention(plan(1, 8, 1, 16384))).toMatchObject({ strategy: 'registers', rowsPerInvocation: 1 });
    expect(hardware().attention(plan(1, 8, 128, 16384))).toMatchObject({ strategy: 'shared' });
  });

  it('keeps one pass where the launch already fills the GPU, for short keys and on software adapters', () => {
    for (const p of [
      plan(1, 8, 4096, 4096),
      plan(1, 8, 2048, 2048),
      plan(4, 12, 256, 256),
      plan(1, 8, 512, 512),
      plan(1, 8, 1, 512),
    ]) {
      expect(hardware().attention(p).splitKeys, JSON.stringify(p)).toBe(0);
    }
    expect(new Tuner('software', 16384).attention(plan(1, 8, 1, 16384)).splitKeys).toBe(0);
  });

  it('keeps the partials under a fixed budget at any length (no memory that grows with T)', () => {
    for (const T of [1024, 4096, 16384, 65536, 1 << 20]) {
      for (const p of [plan(1, 1, T, T, 16), plan(1, 8, 100, T, 256), plan(2, 32, 1, T, 128)]) {
        const t = hardware().attention(p);
        const splits = t.splitKeys ? Math.ceil(T / t.splitKeys) : 0;
        expect(p.B * p.Hq * p.Sq * splits * (16 * Math.ceil(p.Dv / 4) + 8), JSON.stringify(p)).toBeLessThanOrEqual(
          32 << 20,
        );
      }
    }
  });

  it('follows an override either way', () => {
    expect(
      new Tuner('hardware', 16384, { attention: { splitKeys: 0 } }).attention(plan(1, 8, 1, 16384)).splitKeys,
    ).toBe(0);
    expect(new Tuner('software', 16384, { attention: { splitKeys: 24 } }).attention(plan(1, 8, 1, 100)).splitKeys).toBe(
      24,
    );
  });

  it('refuses an override that is not a whole number of keys (Infinity would merge zeros)', () => {
    for (const splitKeys of [Number.POSITIVE_INFINITY, Number.NaN, -1, 2.5]) {
      expect(() => new Tuner('hardware', 16384, { attention: { splitKeys } }), String(splitKeys)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT', argument: 'tuning.attention.splitKeys' }),
      );
    }
  });
});
