import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';
import { referenceCases } from './reference-cases.js';

/**
 * Both kernel strategies against the float64 reference, in Node on SwiftShader: the variants chosen for
 * this adapter (register blocking), shared-memory tiling pinned (what real GPUs get) and an odd register
 * blocking (3 query rows per invocation, blocks of 5 keys) that leaves partial blocks everywhere, and the
 * split-over-keys path with both strategies (splits of 3 and 6 keys: uneven last splits, splits that see no
 * key of a causal or windowed row). The conformance suite runs only the chosen variants; this keeps the
 * others honest on a machine without a GPU.
 */
const VARIANTS: Record<string, TuningOverrides> = {
  auto: {},
  shared: { attention: { strategy: 'shared' }, matmul: { strategy: 'shared' } },
  'registers-3-rows': {
    attention: { strategy: 'registers', rowsPerInvocation: 3, keyBlock: 5 },
    matmul: { rowsPerInvocation: 2 },
  },
  'split-registers': { attention: { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 4, splitKeys: 3 } },
  'split-shared': { attention: { strategy: 'shared', workgroupSize: 32, keyBlock: 4, splitKeys: 6 } },
};

for (const [variant, tuning] of Object.entries(VARIANTS)) {
  describe(`webgpu (${variant}) vs reference`, () => {
    let backend: WebGpuBackend;
    beforeAll(async () => {
      backend = await createBackend({ tuning });
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
