import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/**
 * The shared conformance suite, full tier, on every build: 1 and 2 threads, plain SIMD128 and relaxed SIMD
 * (vitest.config.ts starts Node with --experimental-wasm-relaxed-simd so that both validate here).
 */
for (const simd of ['simd128', 'relaxed'] as const) {
  for (const threads of [1, 2]) {
    describeConformance(`wasm ${simd}, ${threads} thread(s)`, () => createBackend({ threads, simd }), { tier: 'full' });
  }
}
