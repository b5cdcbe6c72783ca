import { generateCall, listCases, listPerfCases, type PerfGrid, shapeLabel } from '@attnkit/conformance';
import { attention, createReferenceBackend } from '@attnkit/core';
import { describe, expect, it } from 'vitest';
import { TINY_GRID } from '../src/grid.js';
import { makeInputs } from '../src/inputs.js';

// conformance's perf cases, checked where they are used: the bench is their one consumer.
const GRIDS: readonly PerfGrid[] = ['tiny', 'quick', 'full'];

describe("conformance's perf cases", () => {
  it.each(GRIDS)('%s: unique ids, each its entry plus the size, and the entry is a correctness case', (grid) => {
    const cases = listPerfCases(grid);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
    const correctness = new Set(listCases('fast').map((c) => c.id));
    for (const c of cases) {
      expect(c.id).toBe(`${c.entryId}${shapeLabel(c.spec)}${c.precision === 'float16' ? '@float16' : ''}`);
      expect(correctness.has(`${c.entryId}#1`), c.id).toBe(true);
    }
  });

  it('keeps the correctness cases at the entry shape: a tag adds perf cases only', () => {
    const fast = listCases('fast');
    for (const p of listPerfCases('full')) {
      const c = fast.find((x) => x.id === `${p.entryId}#1`);
      expect(c?.kind).toBe('attention');
      if (c?.kind === 'attention') expect(c.spec.Sq + c.spec.Skv + (c.spec.P ?? 0)).toBeLessThanOrEqual(32);
    }
  });

  it('resizes the shape only: options, a mask with its broadcast axes, the group size', () => {
    const full = listPerfCases('full');
    const byId = (id: string) => full.find((c) => c.id === id)!;
    expect(byId('causal/square[1,8,4096,4096,64]').spec.options).toEqual({ isCausal: true });
    const mask = byId('mask-additive/rank2-sq-t[1,8,512,512,64]').spec.mask;
    expect(mask).toEqual({ kind: 'additive', shape: [512, 512], pattern: 'random' });
    expect(byId('past/decode-p5[1,8,1,16384,64]').spec).toMatchObject({ Sq: 1, Skv: 1, P: 16383 });
    expect(full.filter((c) => c.heavy).map((c) => c.id)).toEqual(['causal/square[1,8,16384,16384,64]']);
  });

  it('times the same tensors in float16 as in float32 at one size', () => {
    const quick = listPerfCases('quick');
    const half = quick.find((c) => c.precision === 'float16')!;
    const single = quick.find((c) => `${c.id}@float16` === half.id)!;
    expect(half.seed).toBe(single.seed);
  });

  it.each(TINY_GRID.map((c) => [c.id, c] as const))('tiny %s is a valid call on the reference', async (_, c) => {
    const { inputs, options } = generateCall(c.spec, c.seed, c.precision);
    const { y } = await attention(createReferenceBackend(), inputs, options);
    expect(y.shape).toEqual([c.B, c.Hq, c.Sq, c.D]);
    expect(y.data.every(Number.isFinite)).toBe(true);
  });
});

describe('inputs', () => {
  it("are conformance's generated tensors, with the mask as [1, 1, Sq, T] and the past apart", () => {
    for (const c of TINY_GRID) {
      const x = makeInputs(c);
      const { inputs } = generateCall(c.spec, c.seed);
      expect(x.q).toEqual(inputs.q.data);
      expect(x.qShape).toEqual([c.B, c.Hq, c.Sq, c.D]);
      expect(x.kvShape).toEqual([c.B, c.Hkv, c.T - c.P, c.D]);
      expect(x.pastShape).toEqual(c.P > 0 ? [c.B, c.Hkv, c.P, c.D] : null);
      expect(x.maskShape).toEqual(c.mask === 'additive' ? [1, 1, c.Sq, c.T] : null);
      expect(x.mask?.length ?? 0).toBe(c.mask === 'additive' ? c.Sq * c.T : 0);
    }
  });
});
