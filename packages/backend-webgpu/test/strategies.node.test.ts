import { listCases, RunContext, runCase } from '@attnkit/conformance';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { internals } from '../src/backend.js';
import { createBackend, type TuningOverrides, type WebGpuBackend } from '../src/index.js';
import { VARIANT_TIER } from './variant-tier.js';

/**
 * Every kernel strategy on the conformance suite's fast tier (the full one under `pnpm test:variants-full`,
 * which runs this file on lavapipe too; the suite's cases, generators, reference and tolerances), in Node on
 * SwiftShader: shared-memory tiling pinned (what real GPUs get), an odd register blocking (3 query rows per
 * invocation, blocks of 5 keys) that leaves partial blocks everywhere, the split-over-keys path with both
 * strategies (splits of 3 and 6 keys: uneven last splits, splits that see no key of a causal or windowed row),
 * and the subgroup kernel, unsplit and split (SwiftShader's subgroups have 4 lanes; test/lavapipe.node.test.ts
 * runs it with 8). conformance.node.test.ts runs only the variants chosen for this adapter (register blocking,
 * and splits of 16 keys); this keeps the others honest on a machine without a GPU. The variants without matmul
 * pins tune attention alone, so they skip the primitive cases (those run as the chosen variant).
 */
const VARIANTS: Record<string, TuningOverrides> = {
  shared: { attention: { strategy: 'shared' }, matmul: { strategy: 'shared' } },
  'registers-3-rows': {
    attention: { strategy: 'registers', rowsPerInvocation: 3, keyBlock: 5 },
    matmul: { rowsPerInvocation: 2 },
  },
  'split-registers': { attention: { strategy: 'registers', rowsPerInvocation: 2, keyBlock: 4, splitKeys: 3 } },
  'split-shared': { attention: { strategy: 'shared', workgroupSize: 32, keyBlock: 4, splitKeys: 6 } },
  // Subgroup reductions (both adapters here have the feature: SwiftShader with 4 lanes, lavapipe with 8): 64 lanes
  // of one key each over 3 rows (16 or 8 subgroups, most lanes idle on short rows, a barrier between the rows'
  // combines), and 8 lanes of 2-key blocks (rounds of 16 keys, 1 or 2 subgroups) splitting keys by 5.
  subgroup: { attention: { strategy: 'subgroup', workgroupSize: 64, rowsPerInvocation: 3, keyBlock: 1 } },
  'split-subgroup': {
    attention: { strategy: 'subgroup', workgroupSize: 8, rowsPerInvocation: 1, keyBlock: 2, splitKeys: 5 },
  },
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
    for (const c of listCases(VARIANT_TIER).filter((c) => !attentionOnly || c.kind !== 'primitive')) {
      it(c.id, async () => {
        const result = await runCase(backend, c, context);
        expect(result.status, result.message).toBe('pass');
      });
    }

    it(`ran the pinned ${tuning.attention?.strategy} kernel`, () => {
      const keys = internals(backend).gpu.pipelines.keys();
      expect(keys.some((k) => k.startsWith(`attention-stream:${tuning.attention?.strategy}:`))).toBe(true);
    });

    it('leaves no live tensors', () => {
      expect(backend.kernels.memory()).toMatchObject({ liveTensors: 0, liveBytes: 0, usedBytes: 0 });
      expect(backend.memoryStats().bytesInUse).toBe(0);
    });
  });
}
