import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/**
 * The conformance suite in Node through the `webgpu` package (Dawn on SwiftShader here). The float16 tier
 * runs where the adapter has shader-f16 and otherwise skips every case, each naming the missing feature.
 * SwiftShader's tuning never splits the keys, so the suite runs once more with the split-over-keys path
 * forced (16 keys per split: most cases get several splits, uneven last ones and splits with no visible key).
 */
describeConformance('webgpu', () => createBackend(), { tier: 'full' });
describeConformance('webgpu', () => createBackend(), { tier: 'full', precision: 'float16' });
describeConformance('webgpu, keys split', () => createBackend({ tuning: { attention: { splitKeys: 16 } } }), {
  tier: 'full',
});
describeConformance('webgpu, keys split', () => createBackend({ tuning: { attention: { splitKeys: 16 } } }), {
  tier: 'full',
  precision: 'float16',
});
