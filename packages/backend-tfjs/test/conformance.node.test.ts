import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/** The whole conformance suite (full tier) on every tfjs backend that runs in Node. */
for (const tfjsBackend of NODE_TFJS_BACKENDS) {
  describeConformance(`tfjs-${tfjsBackend}`, () => createBackend({ tfjsBackend }), { tier: 'full' });
}
