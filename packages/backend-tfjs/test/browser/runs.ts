import type { BlockingOptions } from '../../src/index.js';

/**
 * The conformance runs in Chromium: the full tier with the path chosen per call (the suite's small shapes
 * take the batched one) on every browser backend, then the fast tier with the blocked path forced on the
 * GPU backends, so that both paths are judged there too.
 */
export const BROWSER_RUNS: readonly {
  tfjsBackend: string;
  path: NonNullable<BlockingOptions['path']>;
  tier: 'fast' | 'full';
}[] = [
  { tfjsBackend: 'webgl', path: 'auto', tier: 'full' },
  { tfjsBackend: 'webgpu', path: 'auto', tier: 'full' },
  { tfjsBackend: 'wasm', path: 'auto', tier: 'full' },
  { tfjsBackend: 'webgl', path: 'blocked', tier: 'fast' },
  { tfjsBackend: 'webgpu', path: 'blocked', tier: 'fast' },
];
