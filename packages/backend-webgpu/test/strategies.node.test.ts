import { listCases, RunContext, runCase } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';

/**
 * Both kernel strategies on the conformance suite's fast tier (its cases, generators, reference and
 * tolerances), in Node on SwiftShader: shared-memory tiling pinned (what real GPUs get), an odd register
 * blocking (3 query rows per invocation, blocks of 5 keys) that leaves partial blocks everywhere, and the
 * split-over-keys path with both strategies (splits of 3 and 6 keys: uneven last splits, splits that see no
 * key of a causal or windowed row). conformance.node.test.ts runs only the variants chosen for this adapter
 * (register blocking, and splits of 16 keys); this keeps the others honest on a machine without a GPU. The
 * split variants tune attention alone, so they skip the primitive cases (those run as the chosen variant).
 */
const VARIANTS: Record<string, TuningOverrides> = {
  shared: { attention: { strategy: 'shared' }, matmul: { strategy: 'shared' } },
  'registers-3-rows': {
    attention: { strategy: 'registers', rowsPerInvocation: 3, keyBlock: 5 },
    matmul: { rowsPerInvocation: 2 },
  },
  'split-registers': { attention: { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 4, splitKeys: 3 } },
  'split-shared': { attention: { strategy: 'shared', workgroupSize: 32, keyBlock: 4, splitKeys: 6 } },
};

for (const [variant, tuning] of Object.entries(VARIANTS)) {
  describe(`webgpu (${variant}) on the conformance cases`, () => {
    let backend: WebGpuBackend;
    const context = new RunContext();
    beforeAll(async () => {
      backend = await createBackend({ tuning });
    });
    afterAll(() => {
      context.dispose();
      backend?.dispose();
    });

    const attentionOnly = tuning.matmul === undefined;
    for (const c of listCases('fast').filter((c) => !attentionOnly || c.kind !== 'primitive')) {
      it(c.id, async () => {
        const result = await runCase(backend, c, context);
        expect(result.status, result.message).toBe('pass');
      });
    }

    it('leaves no live tensors', () => {
      expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
      expect(backend.memoryStats().bytesInUse).toBe(0);
    });
  });
}
