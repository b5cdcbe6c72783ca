import { attnkitTarget } from './attnkit.js';
import type { Target } from './target.js';

export const NO_DISPLAY_REASON = 'no X display (run under xvfb-run -a)';

/** gpu.js on headless-gl, which needs an X display: without one it is reported unavailable, not tried. */
export async function createGpujsTarget(env: Record<string, string | undefined> = process.env): Promise<Target> {
  if (!env.DISPLAY) throw new Error(NO_DISPLAY_REASON);
  // Imported here, not at the top: the bench loads and runs with a backend package missing (gpu-carry.mjs).
  const { gpujsBackendEntry } = await import('@attnkit/backend-gpujs/entry');
  return attnkitTarget(await gpujsBackendEntry.create(), 'webgl');
}
