import { describe, expect, it } from 'vitest';
import { benchCase, TINY_GRID } from '../src/grid.js';
import { makeInputs } from '../src/inputs.js';
import { guardCell, RateHistory } from '../src/measure.js';
import { createWasmTarget } from '../src/targets/wasm.js';
import { maxAbsDiff, referenceY } from './reference-y.js';

describe('the wasm backend target', () => {
  it.each([
    ['wasm-1t', 1],
    ['wasm', 2],
  ])('%s runs on %i thread(s), says so, takes heavy cases and computes the contract', async (name, threads) => {
    const target = await createWasmTarget(name, threads);
    try {
      expect(target).toMatchObject({ name, role: 'backend', family: 'wasm', threads, runsHeavyCases: true });
      expect(target.label).toMatch(new RegExp(`^attnkit wasm \\((simd128|relaxed), ${threads} threads?\\)$`));
      expect(target.runsOn).toContain(threads === 1 ? '1 thread' : `${threads} threads`);
      const heavy = benchCase({ group: 'causal', Hq: 2, Sq: 16, T: 16, D: 8, causal: true, heavy: true });
      expect(
        guardCell(target, heavy, { runs: 1, maxSecondsPerCell: 1, maxMemoryBytes: 2 ** 30 }, new RateHistory()),
      ).toBeNull();
      for (const c of TINY_GRID) {
        const inputs = makeInputs(c);
        const cell = await target.prepare(c, inputs);
        try {
          expect(maxAbsDiff(await cell.output(), await referenceY(c, inputs)), c.id).toBeLessThan(1e-5);
        } finally {
          cell.dispose();
        }
      }
    } finally {
      await target.dispose();
    }
  });
});
