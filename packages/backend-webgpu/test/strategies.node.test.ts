import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebGpuBackend, createBackend } from '../src/index.js';
import { referenceCases } from './reference-cases.js';

/**
 * Both kernel strategies against the float64 reference, in Node on SwiftShader: the variants chosen for
 * this adapter (register blocking) and shared-memory tiling pinned, which real GPUs get. The conformance
 * suite runs only the chosen variants; this keeps the other one honest on a machine without a GPU.
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
