import { AttnkitError, type Backend, createReferenceBackend, FULL_ATTENTION_CAPABILITIES } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { type AttentionCase, generateCall, listCases, mulberry32, runCase, visibility } from '../src/index.js';

describe('the case list', () => {
  const fast = listCases('fast');
  const full = listCases('full');

  it('has unique ids in every tier and precision', () => {
    for (const cases of [
      fast,
      full,
      listCases('fast', { precision: 'float16' }),
      listCases('full', { precision: 'float16' }),
    ]) {
      expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    }
  });

  it('covers every option of the contract and the primitives, each under its feature', () => {
    const features = new Set(fast.map((c) => c.feature));
    for (const f of [
      'basic',
      'scale',
      'head-size',
      'mask-boolean',
      'mask-additive',
      'causal',
      'causal-bottom-right',
      'gqa',
      'softcap',
      'window',
      'alibi',
      'head-mask',
      'past',
      'valid-lengths',
      'layout-3d',
      'scores',
      'large-logits',
      'edge',
      'combined',
      'hand',
      'property',
    ]) {
      expect(features).toContain(f);
    }
    for (const p of ['matmul', 'elementwise', 'softmax', 'layernorm', 'gather', 'sequence', 'select'])
      expect(features).toContain(`primitive-${p}`);
    const modes = new Set(
      fast.flatMap((c) => (c.kind === 'attention' ? [c.spec.options?.scoresOutput ?? 'none'] : [])),
    );
    expect([...modes].sort()).toEqual(['masked', 'none', 'probabilities', 'raw', 'softcapped']);
    const heads = new Set(fast.flatMap((c) => (c.kind === 'attention' ? [c.spec.D] : [])));
    for (const D of [1, 3, 80, 96, 128, 256]) expect(heads).toContain(D);
    const ranks = new Set(
      fast.flatMap((c) =>
        c.kind === 'attention' && c.spec.mask ? [`${c.spec.mask.kind}${c.spec.mask.shape.length}`] : [],
      ),
    );
    for (const kind of ['boolean', 'additive'])
      for (const rank of [1, 2, 3, 4]) expect(ranks).toContain(`${kind}${rank}`);
  });

  it('keeps long rows (T up to 2048) and extra seeds for the full tier', () => {
    const longest = Math.max(...full.flatMap((c) => (c.kind === 'attention' ? [(c.spec.P ?? 0) + c.spec.Skv] : [])));
    expect(longest).toBe(2048);
    expect(fast.every((c) => c.kind !== 'attention' || (c.spec.P ?? 0) + c.spec.Skv <= 16)).toBe(true);
    expect(full.length).toBeGreaterThan(2.5 * fast.length);
  });

  it('lists the attention, hand and property cases again for float16, without primitives', () => {
    const half = listCases('fast', { precision: 'float16' });
    expect(half.every((c) => c.precision === 'float16' && c.feature === 'float16' && c.id.endsWith('@float16'))).toBe(
      true,
    );
    expect(half.length).toBe(fast.filter((c) => c.kind !== 'primitive').length);
  });
});

describe('generators', () => {
  it('draw the same tensors from the same seed, and different ones from another', () => {
    const spec = {
      B: 1,
      Hq: 2,
      Hkv: 1,
      Sq: 2,
      Skv: 3,
      D: 4,
      mask: { kind: 'boolean', shape: [2, 3], pattern: 'random' },
    } as const;
    const a = generateCall(spec, 7);
    expect(generateCall(spec, 7)).toEqual(a);
    expect(generateCall(spec, 8).inputs.q.data).not.toEqual(a.inputs.q.data);
  });

  it('mulberry32 is reproducible and uniform enough', () => {
    const r = mulberry32(42);
    const xs = Array.from({ length: 1000 }, r);
    expect(mulberry32(42)()).toBe(xs[0]);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(Math.abs(xs.reduce((s, x) => s + x, 0) / 1000 - 0.5)).toBeLessThan(0.05);
  });

  it('make logits of exactly ±1e4 + a·b for the large-logit pattern', () => {
    const { inputs } = generateCall({ B: 1, Hq: 1, Hkv: 1, Sq: 1, Skv: 2, D: 2, values: 'large-negative' }, 3);
    expect(inputs.q.data[0]).toBe(-100);
    expect(inputs.k.data[0]).toBe(100);
    expect(Number.isInteger(inputs.q.data[1])).toBe(true);
  });
});

describe('the visibility oracle', () => {
  const inputs = (spec: Parameters<typeof generateCall>[0]) => generateCall(spec, 1).inputs;
  it('masks top-left causal (Sq = 2, T = 3): query 0 sees key 0, query 1 keys 0–1', () => {
    const spec = { B: 1, Hq: 1, Hkv: 1, Sq: 2, Skv: 3, D: 1, options: { isCausal: true } } as const;
    expect([...visibility(spec, inputs(spec)).masked]).toEqual([0, 1, 1, 0, 0, 1]);
  });
  it('masks bottom-right causal with Sq > T, leaving the first rows fully masked', () => {
    const spec = {
      B: 1,
      Hq: 1,
      Hkv: 1,
      Sq: 3,
      Skv: 2,
      D: 1,
      options: { isCausal: true, causalAlignment: 'bottom-right' },
    } as const;
    const v = visibility(spec, inputs(spec));
    expect([...v.masked]).toEqual([1, 1, 0, 1, 0, 0]);
    expect([...v.fullyMasked]).toEqual([1, 0, 0]);
  });
  it('masks keys past a short mask, at valid lengths, and in a window around the past offset', () => {
    const short = {
      B: 1,
      Hq: 1,
      Hkv: 1,
      Sq: 1,
      Skv: 3,
      D: 1,
      mask: { kind: 'boolean', shape: [2], pattern: 'keep-all' },
    } as const;
    expect([...visibility(short, inputs(short)).masked]).toEqual([0, 0, 1]);
    const lengths = { B: 2, Hq: 1, Hkv: 1, Sq: 1, Skv: 3, D: 1, validLengths: [1, 0] } as const;
    expect([...visibility(lengths, inputs(lengths)).fullyMasked]).toEqual([0, 1]);
    const window = {
      B: 1,
      Hq: 1,
      Hkv: 1,
      Sq: 1,
      Skv: 1,
      P: 4,
      D: 1,
      options: { window: { left: 1, right: 0 } },
    } as const;
    expect([...visibility(window, inputs(window)).masked]).toEqual([1, 1, 1, 0, 0]);
  });
  it('counts −∞ as masked and −1e9 as visible', () => {
    const spec = { B: 1, Hq: 1, Hkv: 1, Sq: 1, Skv: 2, D: 1 } as const;
    const call = inputs(spec);
    const mask = { data: Float32Array.from([Number.NEGATIVE_INFINITY, -1e9]), shape: [2], kind: 'additive' as const };
    expect([...visibility(spec, { ...call, mask }).masked]).toEqual([1, 0]);
  });
});

describe('runCase statuses', () => {
  const softcapCase = listCases('fast').find((c) => c.id === 'softcap/cap1-scale2#1') as AttentionCase;

  it("reports 'unsupported' when the backend does not declare the feature", async () => {
    const backend = createReferenceBackend();
    Object.defineProperty(backend, 'capabilities', {
      value: { ...backend.capabilities, attention: { ...FULL_ATTENTION_CAPABILITIES, softcap: false } },
    });
    const result = await runCase(backend, softcapCase);
    expect(result.status).toBe('unsupported');
    expect(result.message).toContain('softcap');
    backend.dispose();
  });

  it("reports 'fail' when the backend throws UNSUPPORTED for a feature it declares", async () => {
    const backend = createReferenceBackend();
    (backend.kernels as { attention: Backend['kernels']['attention'] }).attention = () => {
      throw new AttnkitError('UNSUPPORTED', 'softcap is not implemented');
    };
    const result = await runCase(backend, softcapCase);
    expect(result.status).toBe('fail');
    expect(result.message).toContain('declared');
    backend.dispose();
  });

  it("reports 'error' when the backend throws anything else, and 'pass' with its worst errors otherwise", async () => {
    const broken = createReferenceBackend();
    (broken.kernels as { attention: Backend['kernels']['attention'] }).attention = () => {
      throw new Error('driver crashed');
    };
    expect((await runCase(broken, softcapCase)).status).toBe('error');
    broken.dispose();
    const good = createReferenceBackend();
    const result = await runCase(good, softcapCase);
    expect(result).toMatchObject({ status: 'pass', feature: 'softcap', id: 'softcap/cap1-scale2#1' });
    expect(result.worstAbsError).toBeLessThan(1e-6);
    good.dispose();
  });

  it('reports the float16 tier as unsupported on a backend that declares float32 only', async () => {
    const backend = createReferenceBackend();
    const { runSuite } = await import('../src/index.js');
    const report = await runSuite(backend, { precision: 'float16' });
    expect(report.counts).toEqual({ pass: 0, fail: 0, unsupported: report.results.length, error: 0 });
    backend.dispose();
  });
});
