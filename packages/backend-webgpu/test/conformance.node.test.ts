import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebGpuBackend, createBackend } from '../src/index.js';
import { referenceCases } from './reference-cases.js';

/**
 * Every attention option and primitive against the float64 reference, in Node on SwiftShader, once with
 * the variants chosen for this adapter and once with the other attention strategy pinned (both must agree).
 * TODO(conformance): switch to describeConformance from @attnkit/conformance/vitest once it is published.
 */
for (const strategy of ['auto', 'shared'] as const) {
  describe(`webgpu (${strategy}) vs reference`, () => {
    let backend: WebGpuBackend;
    beforeAll(async () => {
      backend = await createBackend(strategy === 'auto' ? {} : { tuning: { attention: { strategy }, matmul: { strategy } } });
    });
    afterAll(() => backend?.dispose());

    for (const c of referenceCases()) {
      it(c.id, async () => {
        expect(await c.run(backend)).toBeLessThanOrEqual(1);
      });
    }

    it('leaves no live tensors', () => {
      expect(backend.kernels.memory()).toEqual({ liveTensors: 0, liveBytes: 0 });
      expect(backend.memoryStats().bytesInUse).toBe(0);
    });
  });
}
