import { afterAll, describe, expect, it } from 'vitest';
import { benchCase, TINY_GRID } from '../src/grid.js';
import { makeInputs } from '../src/inputs.js';
import { NO_DISPLAY_REASON } from '../src/targets/gpujs.js';
import { createGpujsNaiveNodeTarget } from '../src/targets/gpujs-naive-node.js';
import type { Target } from '../src/targets/target.js';
import { selectTargets, VARIANT_FACTORIES } from '../src/targets/variants.js';
import { releaseWebGpu } from '../src/targets/webgpu.js';
import { createWebGpuThreePassTarget } from '../src/targets/webgpu-three-pass.js';
import { maxAbsDiff, referenceY } from './reference-y.js';

afterAll(releaseWebGpu);

/** Every tiny case against the float64 reference. */
async function expectContract(target: Target): Promise<void> {
  for (const c of TINY_GRID) {
    // A head mask is attnkit's own extension: the peers do not take it (the bench marks those cells).
    if (c.headMask && !target.headMask) continue;
    expect(target.unsupported(c), c.id).toBeNull();
    const inputs = makeInputs(c);
    const cell = await target.prepare(c, inputs);
    try {
      expect(maxAbsDiff(await cell.output(), await referenceY(c, inputs)), `${target.name} ${c.id}`).toBeLessThan(1e-5);
      const bytes = await cell.measureMemory();
      if (bytes !== null) expect(bytes).toBeGreaterThan(0);
    } finally {
      cell.dispose();
    }
  }
}

describe('the WebGPU three-pass peer', () => {
  it('computes the contract on every tiny case (causal, GQA, a decode step, an additive mask)', async () => {
    const target = await createWebGpuThreePassTarget();
    expect(target).toMatchObject({ name: 'webgpu-three-pass', role: 'peer', family: 'webgpu', scoreCopies: 1 });
    try {
      await expectContract(target);
      const huge = benchCase({ group: 'sequence', Sq: 16384, T: 16384 });
      expect(target.unsupported(huge)).toMatch(/needs a 8\.0 GiB score buffer, over the device's/);
    } finally {
      await target.dispose();
    }
  });
});

describe('the naive gpu.js peer', () => {
  it('is unavailable without an X display, with the reason', async () => {
    await expect(createGpujsNaiveNodeTarget({})).rejects.toThrow(NO_DISPLAY_REASON);
  });

  it.skipIf(!process.env.DISPLAY)('computes the contract on every tiny case on headless-gl', async () => {
    const target = await createGpujsNaiveNodeTarget();
    expect(target).toMatchObject({ name: 'gpujs-naive', role: 'peer', family: 'webgl', scoreCopies: 2 });
    try {
      await expectContract(target);
      expect(target.unsupported(benchCase({ group: 'sequence', Sq: 2048, T: 2048 }))).toMatch(/scores: over the/);
    } finally {
      await target.dispose();
    }
  });
});

describe('--variants', () => {
  it('puts each variant after its target, and runs a variant named alone', () => {
    const names = (list: readonly { name: string }[]) => list.map((f) => f.name);
    expect(names(selectTargets(['tfjs-wasm', 'reference'], false))).toEqual(['reference', 'tfjs-wasm']);
    expect(names(selectTargets(['tfjs-wasm', 'reference'], true))).toEqual([
      'reference',
      'tfjs-wasm',
      'tfjs-wasm:batched',
      'tfjs-wasm:blocked',
    ]);
    expect(names(selectTargets(['webgpu:shared-k32-w64', 'tfjs-cpu:blocked', 'tfjs-cpu'], false))).toEqual([
      'tfjs-cpu',
      'tfjs-cpu:blocked',
      'webgpu:shared-k32-w64',
    ]);
    expect(names(selectTargets(null, true))).toEqual(expect.arrayContaining(names(VARIANT_FACTORIES)));
    expect(() => selectTargets(['webgpu:nope'], false)).toThrow(/unknown target\(s\) webgpu:nope/);
  });

  it.each(
    VARIANT_FACTORIES.map((f) => f.name).filter(
      (n) => n.startsWith('tfjs-wasm') || n.includes('r4') || n.includes('shared-k16'),
    ),
  )('%s computes the contract', async (name) => {
    const target = await VARIANT_FACTORIES.find((f) => f.name === name)!.create();
    expect(target).toMatchObject({ name, role: 'backend' });
    try {
      await expectContract(target);
    } finally {
      await target.dispose();
    }
  });
});
