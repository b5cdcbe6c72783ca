import { listCases, listPerfCases } from '@attnkit/conformance';
import { describe, expect, it } from 'vitest';
import { selectCases } from '../src/cli.js';
import {
  attentionFlops,
  type BenchCase,
  benchCase,
  benchCaseOf,
  describeCase,
  FULL_GRID,
  QUICK_GRID,
  scoreBytes,
  shapeLabel,
  TINY_GRID,
} from '../src/grid.js';
import { gflopsPerSecond, summarize } from '../src/stats.js';

describe('grid', () => {
  it('--cases keeps the cases whose id contains one of the strings, and refuses a filter that keeps none', () => {
    const kept = selectCases(FULL_GRID, 'head-mask, mha-square[1,8,512,512,64]');
    expect(kept.map((c) => c.id)).toEqual([
      'basic/mha-square[1,8,512,512,64]',
      'head-mask/half-pruned[1,8,512,512,64]',
      'basic/mha-square[1,8,512,512,64]@float16',
    ]);
    expect(selectCases(FULL_GRID, undefined)).toBe(FULL_GRID);
    expect(() => selectCases(FULL_GRID, 'no-such-case')).toThrow(/matches no case.*\n {2}basic\/mha-square/s);
  });

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

  it('sees a conformance perf case as the numbers the peers read, and refuses what they cannot time', () => {
    const [decode] = listPerfCases('full').filter((p) => p.group === 'decode');
    const c = benchCaseOf(decode);
    expect(c).toMatchObject({ id: 'past/decode-p5[1,8,1,4096,64]', B: 1, Hq: 8, Hkv: 8, Sq: 1, T: 4096, P: 4095 });
    expect(c).toMatchObject({ D: 64, causal: false, mask: 'none', precision: 'float32', heavy: false });
    expect(c.spec).toBe(decode.spec);
    const base = { id: 'x', group: 'sequence', precision: 'float32', heavy: false, seed: 1 } as const;
    const spec = { B: 1, Hq: 2, Hkv: 2, Sq: 4, Skv: 4, D: 8 };
    expect(() => benchCaseOf({ ...base, spec: { ...spec, options: { scale: 2, isCausal: true } } })).toThrow(
      "x: the bench's peers cannot time option scale",
    );
    const boolean = { kind: 'boolean', shape: [4, 4], pattern: 'random' } as const;
    expect(() => benchCaseOf({ ...base, spec: { ...spec, mask: boolean } })).toThrow('a boolean mask');
    const perHead = { kind: 'additive', shape: [2, 4, 4], pattern: 'random' } as const;
    expect(() => benchCaseOf({ ...base, spec: { ...spec, mask: perHead } })).toThrow('mask shape [2,4,4]');
    const rank1 = { kind: 'additive', shape: [4], pattern: 'random' } as const;
    expect(benchCaseOf({ ...base, spec: { ...spec, Sq: 1, mask: rank1 } }).mask).toBe('additive');
    expect(() => benchCaseOf({ ...base, spec: { ...spec, P: 0 } })).toThrow('an empty past');
    expect(() => benchCaseOf({ ...base, spec: { ...spec, Dv: 4, layout: '3d' } })).toThrow('3D layout, Dv ≠ D');
  });

  it('keeps the coverage the bench grids had before conformance held them, case for case', () => {
    // The grids as packages/bench/src/grid.ts defined them, seen through the same view (plus the head-mask
    // cases, added since).
    const L = (...lengths: number[]) => lengths;
    const before: Record<string, BenchCase[]> = {
      full: [
        ...L(128, 256, 512, 1024, 2048, 4096, 8192, 16384).map((n) => benchCase({ group: 'sequence', Sq: n, T: n })),
        ...L(512, 1024, 2048, 4096).map((n) => benchCase({ group: 'causal', Sq: n, T: n, causal: true })),
        benchCase({ group: 'causal', Sq: 16384, T: 16384, causal: true, heavy: true }),
        benchCase({ group: 'gqa', Hq: 16, Hkv: 4, Sq: 512, T: 512 }),
        benchCase({ group: 'batch', B: 4, Hq: 12, Sq: 256, T: 256 }),
        benchCase({ group: 'long-keys', Sq: 128, T: 16384 }),
        ...L(4096, 16384).map((T) => benchCase({ group: 'decode', Sq: 1, T, P: T - 1 })),
        benchCase({ group: 'mask', Sq: 512, T: 512, mask: 'additive' }),
        benchCase({ group: 'head-mask', Sq: 512, T: 512, headMask: [1, 0, 1, 0, 1, 0, 1, 0] }),
        benchCase({ group: 'float16', Sq: 512, T: 512, precision: 'float16' }),
      ],
      quick: [
        ...L(128, 512).map((n) => benchCase({ group: 'sequence', Sq: n, T: n })),
        benchCase({ group: 'causal', Sq: 512, T: 512, causal: true }),
        benchCase({ group: 'gqa', Hq: 8, Hkv: 2, Sq: 128, T: 128 }),
        benchCase({ group: 'decode', Sq: 1, T: 1024, P: 1023 }),
        benchCase({ group: 'mask', Sq: 128, T: 128, mask: 'additive' }),
        benchCase({ group: 'head-mask', Sq: 128, T: 128, headMask: [1, 0, 1, 0, 1, 0, 1, 0] }),
        benchCase({ group: 'float16', Sq: 128, T: 128, precision: 'float16' }),
      ],
      tiny: [
        ...L(8, 16).map((n) => benchCase({ group: 'sequence', B: 1, Hq: 2, Sq: n, T: n, D: 8 })),
        benchCase({ group: 'causal', Hq: 2, Sq: 16, T: 16, D: 8, causal: true }),
        benchCase({ group: 'gqa', Hq: 4, Hkv: 2, Sq: 8, T: 8, D: 8 }),
        benchCase({ group: 'decode', Hq: 2, Sq: 1, T: 16, P: 15, D: 8 }),
        benchCase({ group: 'mask', Hq: 2, Sq: 8, T: 8, D: 8, mask: 'additive' }),
        benchCase({ group: 'head-mask', Hq: 2, Sq: 8, T: 8, D: 8, headMask: [1, 0] }),
      ],
    };
    const view = ({ id, spec, seed, ...numbers }: BenchCase) => numbers;
    expect(FULL_GRID.map(view)).toEqual(before.full.map(view));
    expect(QUICK_GRID.map(view)).toEqual(before.quick.map(view));
    expect(TINY_GRID.map(view)).toEqual(before.tiny.map(view));
  });

  it('names each case by its conformance entry, as pnpm matrix does, plus the size', () => {
    const matrixIds = new Set(listCases('full').map((c) => c.id));
    for (const c of [...FULL_GRID, ...QUICK_GRID, ...TINY_GRID]) {
      const entry = c.id.slice(0, c.id.indexOf('['));
      expect(matrixIds.has(`${entry}#1`), c.id).toBe(true);
      expect(c.id).toBe(`${entry}${shapeLabel(c)}${c.precision === 'float16' ? '@float16' : ''}`);
    }
    expect(QUICK_GRID.map((c) => c.id)).toEqual([
      'basic/mha-square[1,8,128,128,64]',
      'basic/mha-square[1,8,512,512,64]',
      'causal/square[1,8,512,512,64]',
      'gqa/gqa-9-3[1,8/2,128,128,64]',
      'past/decode-p5[1,8,1,1024,64]',
      'mask-additive/rank2-sq-t[1,8,128,128,64]',
      'head-mask/half-pruned[1,8,128,128,64]',
      'basic/mha-square[1,8,128,128,64]@float16',
    ]);
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
