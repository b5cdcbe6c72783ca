import { NO_DISPLAY_REASON } from './gpujs.js';
import { createGpujsNaiveTarget } from './gpujs-naive.js';
import type { Target } from './target.js';

/** The naive gpu.js peer on headless-gl, which needs an X display: without one it is reported unavailable. */
export async function createGpujsNaiveNodeTarget(
  env: Record<string, string | undefined> = process.env,
): Promise<Target> {
  if (!env.DISPLAY) throw new Error(NO_DISPLAY_REASON);
  return createGpujsNaiveTarget(await import('gpu.js'), 'headlessgl');
}
