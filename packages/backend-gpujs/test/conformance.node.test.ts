import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';

/** The shared conformance suite (fast tier, float32) on headless-gl; runtime.node.test.ts checks that it really is headless-gl. */
describeConformance('gpujs-webgl (headless-gl)', () => createBackend());
