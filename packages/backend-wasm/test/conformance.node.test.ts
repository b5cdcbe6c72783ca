import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/**
 * The shared conformance suite, full tier, on every build this engine runs: 1 thread and 2 threads, plain
 * SIMD128 and (where the engine validates it) relaxed SIMD.
 */
describeConformance('wasm simd128, 1 thread', () => createBackend({ threads: 1, simd: 'simd128' }), { tier: 'full' });
describeConformance('wasm simd128, 2 threads', () => createBackend({ threads: 2, simd: 'simd128' }), { tier: 'full' });
