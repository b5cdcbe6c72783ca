import type { Tier } from '@attnkit/conformance';

/**
 * The conformance tier the pinned kernel variants run (test/strategies.node.test.ts, the subgroup ones in
 * test/lavapipe.node.test.ts): the fast tier in `pnpm test`, the full one under `pnpm test:variants-full`
 * (ATTNKIT_VARIANT_TIER=full), which also runs the strategies on lavapipe. The default variants run the full
 * tier in `pnpm test` already.
 */
export const VARIANT_TIER: Tier = process.env.ATTNKIT_VARIANT_TIER === 'full' ? 'full' : 'fast';
