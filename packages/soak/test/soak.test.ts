import { MATRIX_BACKENDS } from '@attnkit/matrix';
import { beforeAll, describe, expect, it } from 'vitest';
import { type BoundName, type SoakResult, soakBackend } from '../src/index.js';

/**
 * The short tier of `pnpm soak`, on every backend of MATRIX_BACKENDS available here: the same phases and
 * bounds, with 300 calls of the mix and two decodes of 64 steps (the cache growth runs in full, to 2,048
 * positions: it is cheap, and it is what shows a pool that keeps a buffer per size class). The two GPU backends
 * run 100 calls: on this machine kind they run on software GPUs (SwiftShader, llvmpipe), where a call costs
 * tens of milliseconds and a new shape on gpu.js a compile.
 */
const SHORT = { calls: 300, steps: 64, seed: 22 } as const;
const SHORT_CALLS: Readonly<Record<string, number>> = { webgpu: 100, 'gpujs-webgl': 100 };

const probed = await Promise.all(
  MATRIX_BACKENDS.map(async (entry) => ({
    entry,
    availability: await entry.probe().catch((e: unknown) => ({ available: false as const, reason: String(e) })),
  })),
);

const CHECKS: readonly { readonly title: string; readonly bounds: readonly BoundName[] }[] = [
  { title: 'every call and decode runs without error', bounds: ['errors'] },
  {
    title: 'no tensor is left alive, and bytes in use return to the baseline',
    bounds: ['liveTensors', 'inUseGrowthBytes'],
  },
  {
    title: 'memory held returns to within 64 MiB of the baseline, and at most 64 MiB is kept for reuse',
    bounds: ['retainedBytes'],
  },
  { title: 'kernels held stay under 512', bounds: ['kernelsLive'] },
  { title: 'the decodes and the cache growth compile at most 128 kernels', bounds: ['kernelsCompiledInDecodes'] },
  { title: 'RSS grows at most 64 MiB after warm-up', bounds: ['rssGrowthBytes'] },
];

for (const { entry, availability } of probed) {
  describe(`soak short tier: ${entry.name}`, () => {
    if (!availability.available) {
      it.skip(`unavailable here: ${availability.reason}`, () => {});
      return;
    }
    let result: SoakResult;
    beforeAll(async () => {
      const backend = await entry.create();
      try {
        result = await soakBackend(backend, { ...SHORT, calls: SHORT_CALLS[entry.name] ?? SHORT.calls });
        const wall = Object.values(result.ms).reduce((a, b) => a + b, 0);
        console.info(
          `soak short tier: ${entry.name}, ${result.calls} calls, 2 × ${result.steps} steps: ` +
            `${(wall / 1000).toFixed(1)} s wall, ${(result.cpuMs / 1000).toFixed(1)} s CPU, ` +
            `RSS Δ ${(result.rssGrowthBytes / 2 ** 20).toFixed(1)} MiB, ` +
            `breaches: ${result.breaches.map((b) => b.message).join('; ') || 'none'}`,
        );
      } finally {
        backend.dispose();
      }
    }, 240_000);

    for (const check of CHECKS) {
      it(check.title, () => {
        const broken = result.breaches.filter((b) => check.bounds.includes(b.bound)).map((b) => b.message);
        expect(broken).toEqual([]);
      });
    }
  });
}
