import {
  type AttentionOptions,
  type AttentionPlan,
  attention,
  createDevice,
  type HostAttentionInputs,
} from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';
import { streamGroups, Tuner } from '../src/tuner.js';
import { attentionCase, floats, qkv, seeded, tensor } from './reference-cases.js';

/**
 * The split-over-keys path (flash-decoding): forced through the tuner's overrides, since SwiftShader's
 * tuning never splits. Against the float64 reference at T up to 1,000 with every feature, split ≡ unsplit
 * on seeded random shapes, the pool after split calls, and the tuner's choice for a hardware adapter.
 */
const SPLITS: Record<string, TuningOverrides> = {
  'registers, 64-key splits': { attention: { strategy: 'registers', splitKeys: 64 } },
  'shared, 48-key splits': { attention: { strategy: 'shared', splitKeys: 48 } },
};

function splitCases() {
  const decode = (P: number, Hq: number, Hkv: number, seed: number): HostAttentionInputs => ({
    ...qkv(1, Hq, Hkv, 1, 1, 64, 64, seed),
    pastKey: tensor([1, Hkv, P, 64], seed + 10),
    pastValue: tensor([1, Hkv, P, 64], seed + 11),
  });
  const few = qkv(1, 4, 4, 4, 777, 32, 32, 3);
  const gqa = qkv(2, 6, 2, 3, 1000, 16, 16, 4);
  const additive = { data: floats(3 * 1000, 9, 4), shape: [1, 1, 3, 1000], kind: 'additive' as const };
  additive.data.fill(Number.NEGATIVE_INFINITY, 1000, 2000); // row 1 fully masked
  additive.data.fill(-1e9, 2000, 2500); // row 2: a large finite bias is an ordinary number
  const r = seeded(12);
  const boolShort = {
    data: Uint8Array.from({ length: 3 * 950 }, () => (r() > -0.3 ? 1 : 0)),
    shape: [3, 950],
    kind: 'boolean' as const,
  };
  const lengths = { ...qkv(3, 2, 2, 2, 1000, 16, 16, 5), kvValidLengths: Int32Array.from([1000, 0, 333]) };
  const odd = qkv(1, 3, 3, 2, 301, 6, 5, 6);
  const three = {
    q: tensor([1, 1, 4 * 8], 30),
    k: tensor([1, 1, 2 * 8], 31),
    v: tensor([1, 1, 2 * 8], 32),
    pastKey: tensor([1, 2, 500, 8], 33),
    pastValue: tensor([1, 2, 500, 8], 34),
  };
  return [
    attentionCase('decode-cache-gqa', decode(999, 8, 2, 1), { isCausal: true }),
    attentionCase('decode-cache-window', decode(1200, 4, 4, 2), { isCausal: true, window: { left: 100 } }),
    attentionCase('decode-cache-alibi-softcap', decode(640, 4, 1, 7), { isCausal: true, alibi: true, softcap: 2 }),
    attentionCase('few-queries-long-keys', few),
    attentionCase('causal-top-left', few, { isCausal: true }),
    attentionCase('causal-bottom-right', few, { isCausal: true, causalAlignment: 'bottom-right' }),
    attentionCase('gqa', gqa),
    attentionCase('additive-mask-masked-row', { ...gqa, mask: additive }),
    attentionCase('bool-mask-broadcast-short', { ...gqa, mask: boolShort }),
    attentionCase('softcap', few, { softcap: 1.5, scale: 2 }),
    attentionCase('sliding-window', few, { window: { left: 30, right: 10 }, causalAlignment: 'bottom-right' }),
    attentionCase('alibi-causal', gqa, { alibi: true, isCausal: true, causalAlignment: 'bottom-right' }),
    attentionCase('head-mask', few, { headMask: [1, 0, 0.5, 2] }),
    attentionCase('valid-lengths-empty-batch', lengths, { isCausal: true }),
    attentionCase('odd-head-sizes', odd, { softcap: 3, alibi: true }),
    attentionCase('layout-3d-past-present', three, { qNumHeads: 4, kvNumHeads: 2, isCausal: true }),
    attentionCase('scores-probabilities', qkv(1, 2, 1, 2, 200, 8, 8, 8), {
      scoresOutput: 'probabilities',
      isCausal: true,
      headMask: [0.5, 1],
    }),
  ];
}

for (const [variant, tuning] of Object.entries(SPLITS)) {
  describe(`split path (${variant}) vs reference`, () => {
    let backend: WebGpuBackend;
    beforeAll(async () => {
      backend = await createBackend({ tuning });
    });
    afterAll(() => backend?.dispose());

    for (const c of splitCases()) {
      it(c.id, async () => {
        expect(await c.run(backend)).toBeLessThanOrEqual(1);
      });
    }

    it('writes exact zeros for a fully masked row, and took the split path', async () => {
      const inputs = {
        ...qkv(1, 2, 2, 3, 300, 8, 8, 40),
        mask: { data: new Float32Array(3 * 300), shape: [3, 300], kind: 'additive' as const },
      };
      inputs.mask.data.fill(Number.NEGATIVE_INFINITY, 300, 600);
      const { y } = await attention(backend, inputs, {});
      for (const h of [0, 1]) {
        const row = y.data.subarray((h * 3 + 1) * 8, (h * 3 + 2) * 8);
        expect(Array.from(row, (x) => Object.is(x, 0))).toEqual(new Array(8).fill(true));
        expect(y.data.subarray(h * 24, h * 24 + 8).some((x) => x !== 0)).toBe(true);
      }
      expect(backend.gpu.pipelines.keys().filter((k) => k.startsWith('attention-merge:'))).not.toEqual([]);
      expect(
        backend.gpu.pipelines
          .keys()
          .filter((k) => k.startsWith('attention-stream:'))
          .every((k) => k.endsWith(':split')),
      ).toBe(true);
    });

    it('leaves no live tensors and no buffers in use', () => {
      expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
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
  };
  beforeAll(async () => {
    for (const [name, tuning] of Object.entries(variants)) backends[name] = await createBackend({ tuning });
  });
  afterAll(() => {
    for (const b of Object.values(backends)) b.dispose();
  });

  const r = seeded(2026);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor((r() + 0.5) * xs.length)];
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
    const options: AttentionOptions = {
      isCausal: r() > 0,
      causalAlignment: pick(['top-left', 'bottom-right'] as const),
      ...(r() > 0.1 && { window: { left: pick([0, 3, 40]), right: pick([0, 2]) } }),
      ...(r() > 0.1 && { softcap: 1.5 }),
      ...(r() > 0.1 && { alibi: true }),
      ...(r() > 0.2 && { headMask: Array.from({ length: Hq }, () => pick([0, 0.5, 1])) }),
    };
    const inputs: HostAttentionInputs = { ...qkv(B, Hq, Hkv, Sq, T, D, Dv, 100 + n) };
    if (r() > 0) {
      const mask = floats(Sq * T, 200 + n, 6);
      for (let i = 0; i < mask.length; i++) if (mask[i] < -2) mask[i] = Number.NEGATIVE_INFINITY;
      Object.assign(inputs, { mask: { data: mask, shape: [Sq, T], kind: 'additive' } });
    }
    return { id: `${n}: [${B},${Hq}/${Hkv},${Sq},${T},${D}/${Dv}] ${JSON.stringify(options)}`, inputs, options };
  });

  for (const c of configs) {
    it(c.id, async () => {
      const expected = (await attention(backends.unsplit, c.inputs, c.options)).y.data;
      for (const name of ['split-1', 'split-7-shared', 'split-40-rows-3']) {
        const actual = (await attention(backends[name], c.inputs, c.options)).y.data;
        let worst = 0;
        for (let i = 0; i < expected.length; i++) {
          expect(Number.isNaN(actual[i])).toBe(false);
          worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / (1e-5 + 1e-4 * Math.abs(expected[i])));
        }
        expect(worst, name).toBeLessThanOrEqual(1);
      }
    });
  }

  it('took the split path and leaked nothing', () => {
    for (const [name, backend] of Object.entries(backends)) {
      expect(backend.gpu.pipelines.keys().some((k) => k.startsWith('attention-merge:'))).toBe(name !== 'unsplit');
      expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, buffersInUse: 0 });
    }
  });
});

describe('split path resources', () => {
  it('returns the partials to the pool after every call, device API included', async () => {
    const backend = await createBackend({ tuning: { attention: { splitKeys: 16 } } });
    const device = createDevice(backend);
    const q = device.upload(floats(4 * 2 * 16, 1), [1, 4, 2, 16]);
    const k = device.upload(floats(2 * 500 * 16, 2), [1, 2, 500, 16]);
    const v = device.upload(floats(2 * 500 * 16, 3), [1, 2, 500, 16]);
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
    expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
    backend.dispose();
    expect(backend.memoryStats()).toMatchObject({ bytesInUse: 0, bytesFree: 0 });
  });
});

describe('a split call that fails', () => {
  it('keeps nothing: partials over the device limit are refused before the present cache is built', async () => {
    // 1-key splits of 32 heads × 256 rows × 512 keys with Dv 256: 4 GiB of accumulators, over any binding limit.
    const backend = await createBackend({ tuning: { attention: { splitKeys: 1 } } });
    const device = createDevice(backend);
    const shape = [1, 32, 256, 256];
    const [q, k, v, pastKey, pastValue] = [1, 2, 3, 4, 5].map((seed) =>
      device.upload(floats(32 * 256 * 256, seed), shape),
    );
    const held = backend.memoryStats().bytesInUse;
    expect(() => device.attention({ q, k, v, pastKey, pastValue })).toThrow(
      expect.objectContaining({ code: 'DEVICE_LIMIT' }),
    );
    expect(backend.memoryStats().bytesInUse).toBe(held);
    expect(backend.kernels.memory().liveTensors).toBe(5);
    device.dispose(q, k, v, pastKey, pastValue);
    expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
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
