import { gpujsBackendEntry } from '@attnkit/backend-gpujs/entry';
import { attnkitTarget } from './attnkit.js';
import type { Target } from './target.js';

export const NO_DISPLAY_REASON = 'no X display (run under xvfb-run -a)';

/** gpu.js on headless-gl, which needs an X display: without one it is reported unavailable, not tried. */
export async function createGpujsTarget(env: Record<string, string | undefined> = process.env): Promise<Target> {
  if (!env.DISPLAY) throw new Error(NO_DISPLAY_REASON);
  return attnkitTarget(await gpujsBackendEntry.create(), 'webgl');
}
