import { createReferenceBackend } from '@attnkit/core';
import { describeConformance } from '../src/vitest.js';

// The full tier (long rows up to T = 2048, seeds 1–3) takes about 10–20 s on the reference.
describeConformance('reference', () => createReferenceBackend(), { tier: 'full' });
