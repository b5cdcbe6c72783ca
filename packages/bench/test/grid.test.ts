import { describe, expect, it } from 'vitest';
import {
  attentionFlops,
  benchCase,
  describeCase,
  FULL_GRID,
  QUICK_GRID,
  scoreBytes,
  shapeLabel,
  TINY_GRID,
} from '../src/grid.js';
import { gflopsPerSecond, summarize } from '../src/stats.js';

describe('grid', () => {
  it('counts 4·B·Hq·Sq·T·D flops, halved when causal', () => {
    const c = benchCase({ group: 'sequence', Sq: 512, T: 512 });
    expect(attentionFlops(c)).toBe(4 * 8 * 512 * 512 * 64);
    expect(attentionFlops(c)).toBe(536_870_912);
    expect(attentionFlops({ ...c, causal: true })).toBe(268_435_456);
    const gqa = benchCase({ group: 'gqa', B: 2, Hq: 16, Hkv: 4, Sq: 3, T: 5, D: 7 });
    expect(attentionFlops(gqa)).toBe(4 * 2 * 16 * 3 * 5 * 7);
    const decode = benchCase({ group: 'decode', Sq: 1, T: 4096, P: 4095 });
    expect(attentionFlops(decode)).toBe(4 * 8 * 1 * 4096 * 64);
  });

  it('sizes the score tensor a naive composition materializes', () => {
    expect(scoreBytes(benchCase({ group: 'sequence', Sq: 16384, T: 16384 }))).toBe(4 * 8 * 16384 * 16384);
  });

  it('labels shapes [B,H,Sq,T,D] with Hq/Hkv for GQA and lists traits', () => {
    expect(shapeLabel(benchCase({ group: 'sequence', Sq: 128, T: 128 }))).toBe('[1,8,128,128,64]');
    const gqa = benchCase({ group: 'gqa', Hq: 16, Hkv: 4, Sq: 512, T: 512 });
    expect(shapeLabel(gqa)).toBe('[1,16/4,512,512,64]');
    expect(describeCase(gqa)).toBe('[1,16/4,512,512,64] GQA');
    expect(describeCase(benchCase({ group: 'decode', Sq: 1, T: 4096, P: 4095 }))).toBe(
      '[1,8,1,4096,64] decode, cache of 4095',
    );
  });

  it.each([
    ['full', FULL_GRID],
    ['quick', QUICK_GRID],
    ['tiny', TINY_GRID],
  ])('%s grid: unique ids and consistent shapes', (_, grid) => {
    expect(new Set(grid.map((c) => c.id)).size).toBe(grid.length);
    for (const c of grid) {
      expect(c.Hq % c.Hkv).toBe(0);
      expect(c.P).toBeLessThan(c.T);
      if (c.P > 0) expect(c.Sq).toBe(c.T - c.P);
    }
  });

  it('full grid sweeps from 128 to 16,384 and covers every feature', () => {
    const sweep = FULL_GRID.filter((c) => c.group === 'sequence').map((c) => c.T);
    expect(Math.min(...sweep)).toBe(128);
    expect(Math.max(...sweep)).toBe(16384);
    const groups = new Set(FULL_GRID.map((c) => c.group));
    for (const g of ['causal', 'gqa', 'decode', 'mask', 'float16'] as const) expect(groups.has(g)).toBe(true);
  });

  it('full grid has [1,8,L,L,64] full and causal for L = 512 … 4,096, the 4,096-key decode step, and causal 16,384 as its one heavy case', () => {
    const labels = new Set(FULL_GRID.map(describeCase));
    for (const L of [512, 1024, 2048, 4096]) {
      expect(labels.has(`[1,8,${L},${L},64]`)).toBe(true);
      expect(labels.has(`[1,8,${L},${L},64] causal`)).toBe(true);
    }
    expect(labels.has('[1,8,1,4096,64] decode, cache of 4095')).toBe(true);
    expect(FULL_GRID.filter((c) => c.heavy).map(describeCase)).toEqual(['[1,8,16384,16384,64] causal']);
    expect(QUICK_GRID.some((c) => c.heavy)).toBe(false);
  });
});

describe('stats', () => {
  it('median of odd and even counts, min and max', () => {
    expect(summarize([5, 1, 3])).toEqual({ medianMs: 3, minMs: 1, maxMs: 5, runs: 3 });
    expect(summarize([4, 1, 3, 10])).toEqual({ medianMs: 3.5, minMs: 1, maxMs: 10, runs: 4 });
    expect(() => summarize([])).toThrow();
  });

  it('GFLOP/s from flops and ms', () => {
    expect(gflopsPerSecond(2e9, 1000)).toBe(2);
    expect(gflopsPerSecond(536_870_912, 10)).toBeCloseTo(53.6870912, 9);
  });
});
