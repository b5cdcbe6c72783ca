import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/**
 * gpu.js's scalar modes run the same kernel sources as plain JavaScript ('cpu') and as WebAssembly
 * ('webasm'), without the WebGL texture packing: the conformance suite's fast tier (its cases, generators,
 * reference and tolerances) on each, so a kernel bug cannot hide behind the GL path's own rounding.
 * conformance.node.test.ts runs the suite on headless-gl, the mode the backend is for.
 */
for (const mode of ['cpu', 'webasm'] as const) {
  describeConformance(`gpujs-${mode} (scalar kernels)`, () => createBackend({ mode }));
}
