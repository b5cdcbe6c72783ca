import { createReferenceBackend } from '@attnkit/core';
import { describeConformance } from '../src/vitest.js';

// The oracle against itself: generated cases are vacuous here, but the hand cases, the properties and the
// exact masking checks are not.
describeConformance('reference', () => createReferenceBackend());
