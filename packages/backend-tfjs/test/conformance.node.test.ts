import { describeConformance } from '@attnkit/conformance/vitest';
import { createBackend } from '../src/index.js';
import { NODE_TFJS_BACKENDS } from './helpers/tfjs-node.js';

/**
 * The whole conformance suite (full tier) on every tfjs backend that runs in Node, with the path chosen per
 * call, and again with each path forced, so that both are judged on every case whatever the
 * choice would be. The forced blocked path runs in small query blocks (blockElements 64), which also
 * exercises key skipping and per-block position terms.
 */
for (const tfjsBackend of NODE_TFJS_BACKENDS) {
  describeConformance(`tfjs-${tfjsBackend}`, () => createBackend({ tfjsBackend }), { tier: 'full' });
  describeConformance(`tfjs-${tfjsBackend}, batched path`, () => createBackend({ tfjsBackend, path: 'batched' }), {
    tier: 'full',
  });
  describeConformance(
    `tfjs-${tfjsBackend}, blocked path`,
    () => createBackend({ tfjsBackend, path: 'blocked', blockElements: 64 }),
    { tier: 'full' },
  );
}
