import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/**
 * The conformance suite in Node through the `webgpu` package (Dawn on SwiftShader here). The float16 tier
 * runs where the adapter has shader-f16 and otherwise skips every case, each naming the missing feature.
 */
describeConformance('webgpu', () => createBackend(), { tier: 'full' });
describeConformance('webgpu', () => createBackend(), { tier: 'full', precision: 'float16' });
