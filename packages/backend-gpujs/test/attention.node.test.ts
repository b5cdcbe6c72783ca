import { attention, createReferenceBackend } from '@attnkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type GpujsBackend } from '../src/index.js';
import { ATTENTION_CASES, ATTENTION_CASES_3D, EDGE_CASES } from './support/cases.js';
import { worstMismatch } from './support/compare.js';

/** Every option of the contract against the float64 reference, on headless-gl. */
let backend: GpujsBackend;
const reference = createReferenceBackend();
beforeAll(async () => {
  backend = await createBackend();
});
afterAll(() => backend?.dispose());

describe('attention on headless-gl matches the reference', () => {
  for (const c of [...ATTENTION_CASES, ...ATTENTION_CASES_3D, ...EDGE_CASES]) {
    it(c.name, async () => {
      const expected = await attention(reference, c.inputs, c.options);
      const actual = await attention(backend, c.inputs, c.options);
      expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
      for (const name of Object.keys(expected) as (keyof typeof expected)[]) {
        expect(actual[name]!.shape, name).toEqual(expected[name]!.shape);
        expect(worstMismatch(actual[name]!.data, expected[name]!.data), name).toBeNull();
      }
      expect(backend.kernels.memory().liveTensors).toBe(0);
    });
  }

  it('a fully masked row gives exact zeros, never NaN', async () => {
    const c = ATTENTION_CASES.find((x) => x.name.startsWith('fully masked'))!;
    const { y, scores } = await attention(backend, c.inputs, c.options);
    // Sq = 9 > T = 4 with bottom-right alignment: queries 0…4 see no key.
    const rowsPerHead = 9;
    for (let row = 0; row < y.data.length / 8; row++) {
      if (row % rowsPerHead < 5)
        expect(Array.from(y.data.subarray(row * 8, row * 8 + 8))).toEqual(new Array(8).fill(0));
    }
    expect(scores!.data.some(Number.isNaN)).toBe(false);
  });
});

for (const mode of ['cpu', 'webasm'] as const) {
  describe(`the scalar kernels on gpu.js's ${mode} mode match the reference`, () => {
    let scalar: GpujsBackend;
    beforeAll(async () => {
      scalar = await createBackend({ mode });
    });
    afterAll(() => scalar?.dispose());
    for (const c of [...ATTENTION_CASES, ...ATTENTION_CASES_3D, ...EDGE_CASES]) {
      it(c.name, async () => {
        const expected = await attention(reference, c.inputs, c.options);
        const actual = await attention(scalar, c.inputs, c.options);
        for (const name of Object.keys(expected) as (keyof typeof expected)[]) {
          expect(worstMismatch(actual[name]!.data, expected[name]!.data), name).toBeNull();
        }
      });
    }
  });
}
