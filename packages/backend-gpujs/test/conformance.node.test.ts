import { describeConformance } from '@attnkit/conformance/vitest';
import { afterAll } from 'vitest';
import { createBackend, type GpujsBackend } from '../src/index.js';

/** The shared conformance suite (fast tier, float32) on headless-gl; runtime.node.test.ts checks that it really is headless-gl. */
let backend: GpujsBackend | undefined;
describeConformance('gpujs-webgl (headless-gl)', async () => {
  backend = await createBackend();
  return backend;
});

afterAll(() => {
  if (!backend) return;
  const { compiled, reused, compileMs } = backend.kernelStats();
  console.info(
    `[gpujs node] ${compiled} kernels built (${(compileMs / 1000).toFixed(1)} s of first calls), ${reused} calls reused a built kernel`,
  );
});
